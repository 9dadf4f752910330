/**
 * Failures that belong to the CLI itself (not to the library). Each carries what the user needs,
 * and `renderError.ts` maps every tag to a line on stderr and an exit code.
 */
import { Effect, Predicate, Schema } from "effect"
import { abbreviate } from "./UserValues.js"

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

/**
 * `pipeline pull`: the remote lacks some of the experiment's nodes; those it had were downloaded
 * (and reported). Exit code 1, so a script that pulls before working offline stops here.
 */
export class PullIncomplete extends Schema.TaggedError<PullIncomplete>()("PullIncomplete", {
  remote: Schema.String,
  missing: Schema.Array(Schema.String)
}) {
  override get message() {
    const n = this.missing.length
    return `${n} node${n === 1 ? " is" : "s are"} not on ${this.remote}: ${this.missing.join(", ")} (run the experiment, then push)`
  }
}

/**
 * A file named on the command line does not exist (`import` of a missing file): a usage error
 * (exit 2), as for a definition file that does not exist. Checked before the store is opened.
 */
export class InputFileMissing extends Schema.TaggedError<InputFileMissing>()("InputFileMissing", {
  path: Schema.String
}) {
  override get message() {
    return `no such file: ${this.path}`
  }
}

/**
 * An id (or prefix) given on the command line names nothing in the store: a usage error like an
 * unknown option (exit 2). `store` is the store directory that was searched.
 */
export class UnknownId extends Schema.TaggedError<UnknownId>()("UnknownId", {
  kind: Schema.Literal("experiment", "artifact"),
  id: Schema.String,
  store: Schema.String
}) {
  override get message() {
    return `unknown ${this.kind} ${abbreviate(this.id)}: no ${this.kind} with this id or prefix in the store at ${this.store}`
  }
}

/**
 * Maps the store's "not found" for the id the user typed (ExperimentNotFound / ArtifactNotFound
 * naming `id`, or for an artifact the trimmed lowercase `id` the catalog looked up) to `UnknownId`; any other failure, including a "not found" for another id
 * (a broken store), passes through unchanged. Apply it to the step that resolves the user's id only.
 */
export const unknownIdOf = (kind: "experiment" | "artifact", id: string, store: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | UnknownId, R> =>
  Effect.mapError(effect, (error): E | UnknownId => {
    const named = kind === "experiment"
      ? Predicate.isTagged(error, "ExperimentNotFound") && (error as { experimentId?: unknown }).experimentId === id
      : Predicate.isTagged(error, "ArtifactNotFound") &&
        [id, id.trim().toLowerCase()].includes(String((error as { artifactId?: unknown }).artifactId)) &&
        (error as { reason?: unknown }).reason === undefined // on record but unusable: say why
    // An id too long to be a file name in the store cannot name anything there either.
    const tooLong = Predicate.isTagged(error, "StoreIOError") && (error as { reason?: unknown }).reason === "ENAMETOOLONG"
    return named || tooLong ? new UnknownId({ kind, id, store }) : error
  })

/**
 * `--store` names a directory that holds no store. Commands that only read never create one;
 * `gc` and `fsck` have nothing to work on. A usage error (exit 2).
 */
export class StoreMissing extends Schema.TaggedError<StoreMissing>()("StoreMissing", { path: Schema.String }) {
  override get message() {
    return `no store at ${this.path}`
  }
}
