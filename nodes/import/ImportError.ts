/**
 * Import failures: a closed set, each naming the file (and row/column where there is one).
 */
import { Schema } from "effect"
import type { DuckDBError } from "../duckdb/index.js"

/**
 * One problem in the source. `row` is the 1-based line number in a CSV file, counting the header
 * line (a Parquet file: the 1-based row number); null for a file-level problem. `column` is the
 * column as the file names it (header, or the `columns` option), or the contract column when its
 * value comes from an option; null when the problem is not about one column.
 */
export const ImportProblem = Schema.Struct({
  row: Schema.NullOr(Schema.Int),
  column: Schema.NullOr(Schema.String),
  message: Schema.String
})
export type ImportProblem = typeof ImportProblem.Type

/** How many problems an `ImportValidationError` lists; `totalProblems` counts them all. */
export const MAX_REPORTED_PROBLEMS = 20

/** The data broke the contract. Nothing was written. */
export class ImportValidationError extends Schema.TaggedError<ImportValidationError>()("ImportValidationError", {
  file: Schema.String,
  /** The first `MAX_REPORTED_PROBLEMS`, by row then column. */
  problems: Schema.Array(ImportProblem),
  totalProblems: Schema.Int
}) {
  override get message() {
    const shown = this.problems
      .map((p) => `  ${p.row === null ? "file" : `row ${p.row}`}${p.column === null ? "" : `, ${p.column}`}: ${p.message}`)
      .join("\n")
    const rest = this.totalProblems - this.problems.length
    return `${this.file}: ${this.totalProblems} problem${this.totalProblems === 1 ? "" : "s"}\n${shown}${
      rest > 0 ? `\n  … and ${rest} more` : ""
    }`
  }
}

/** The file cannot be read as the requested format (missing, unreadable, compressed, …). */
export class ImportSourceError extends Schema.TaggedError<ImportSourceError>()("ImportSourceError", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot import ${this.file}: ${this.reason}`
  }
}

/** The options do not fit the file (a value is needed that the file lacks, an interval cannot be inferred, …). */
export class ImportOptionsError extends Schema.TaggedError<ImportOptionsError>()("ImportOptionsError", {
  file: Schema.String,
  option: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.file}: option ${this.option}: ${this.reason}`
  }
}

export type ImportError = ImportValidationError | ImportSourceError | ImportOptionsError | DuckDBError
