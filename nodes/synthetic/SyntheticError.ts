/**
 * Failures of the synthetic market generator: a closed union a caller can branch on by `_tag`.
 */
import { Schema } from "effect"

/** The config did not decode; `field` names the first offending field, `issues` all of them. */
export class SyntheticConfigError extends Schema.TaggedError<SyntheticConfigError>()("SyntheticConfigError", {
  field: Schema.String,
  issues: Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String }))
}) {
  override get message() {
    return `invalid synthetic config: ${this.issues
      .map((i) => `${i.field === "" ? "<root>" : i.field}: ${i.message}`)
      .join("; ")}`
  }
}

/**
 * DuckDB failed while staging rows or writing a Parquet file. `operation` says which step
 * (`open`, `append`, `copy`, `close`), `path` the file concerned (empty when none).
 */
export class SyntheticWriteError extends Schema.TaggedError<SyntheticWriteError>()("SyntheticWriteError", {
  operation: Schema.Literal("open", "append", "copy", "close"),
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `synthetic generator: ${this.operation} failed${this.path === "" ? "" : ` for ${this.path}`}: ${this.reason}`
  }
}

export type SyntheticError = SyntheticConfigError | SyntheticWriteError
