/**
 * Failures that belong to the CLI itself (not to the library). Each carries what the user needs,
 * and `renderError.ts` maps every tag to a line on stderr and an exit code.
 */
import { Schema } from "effect"

/** The command line is wrong in a way @effect/cli's parser cannot see. Exit code 2. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/** `pipeline hash`: some files could not be read; the others were printed. Exit code 1. */
export class HashIncomplete extends Schema.TaggedError<HashIncomplete>()("HashIncomplete", {
  failed: Schema.Array(Schema.Struct({ path: Schema.String, reason: Schema.String }))
}) {
  override get message() {
    const n = this.failed.length
    return `${n} file${n === 1 ? "" : "s"} could not be read: ${this.failed.map((f) => f.path).join(", ")}`
  }
}
