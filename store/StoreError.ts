/**
 * The closed set of store failures. Every one names the thing it is about (digest, artifact id,
 * path, experiment id) so the CLI can print it without parsing messages.
 */
import { Schema } from "effect"

/** Filesystem failure at the store's boundary; `reason` is the errno code (ENOSPC, EACCES, …). */
/**
 * Why a store operation failed, as a closed set callers can match on (as @effect/platform's
 * `SystemErrorReason`): the operating system's errno codes the store meets, then the store's own.
 */
export const StoreIOReason = Schema.Literal(
  "ENOENT",
  "EEXIST",
  "ENOTDIR",
  "EISDIR",
  "ENOTEMPTY",
  "EACCES",
  "EPERM",
  "EROFS",
  "ENOSPC",
  "EDQUOT",
  "EFBIG",
  "ENAMETOOLONG",
  "ELOOP",
  "EMFILE",
  "ENFILE",
  "EBUSY",
  "EAGAIN",
  "EXDEV",
  "EINVAL",
  "EIO",
  /** The operation was interrupted before it completed. */
  "Interrupted",
  /** A scratch-file suffix that is not a plain extension. */
  "InvalidSuffix",
  /** A file the store had just written was gone when it looked again. */
  "Vanished",
  /** A record could not be encoded or is not a record of this backend. */
  "InvalidRecord",
  /** The database backend failed (connection, query, migration). */
  "Database",
  /** Anything else; `detail` says what. */
  "Unknown"
)
export type StoreIOReason = typeof StoreIOReason.Type

const isStoreIOReason = Schema.is(StoreIOReason)

/** The reason of a thrown error: its errno code when the store knows it, else `Unknown`. */
export const storeIOReasonOf = (cause: unknown): StoreIOReason => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : cause
  return isStoreIOReason(code) ? code : "Unknown"
}

/** A thrown error's text, kept as the detail when its code is not a known reason. */
const detailOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

export class StoreIOError extends Schema.TaggedError<StoreIOError>()("StoreIOError", {
  operation: Schema.String,
  path: Schema.String,
  reason: StoreIOReason,
  /** What the reason alone does not say (the underlying message), when anything. */
  detail: Schema.optional(Schema.String)
}) {
  override get message() {
    return `store ${this.operation} failed on ${this.path}: ${this.reason}${this.detail === undefined ? "" : ` (${this.detail})`}`
  }

  /** From an errno code (or a message when there is none). */
  static fromCode(operation: string, path: string, code: string): StoreIOError {
    return isStoreIOReason(code)
      ? new StoreIOError({ operation, path, reason: code })
      : new StoreIOError({ operation, path, reason: "Unknown", detail: code })
  }

  /** From anything thrown by an fs or database call. */
  static fromCause(operation: string, path: string, cause: unknown): StoreIOError {
    if (cause instanceof StoreIOError) return cause
    const reason = storeIOReasonOf(cause)
    return reason === "Unknown"
      ? new StoreIOError({ operation, path, reason, detail: detailOf(cause) })
      : new StoreIOError({ operation, path, reason })
  }
}

export class ObjectNotFound extends Schema.TaggedError<ObjectNotFound>()("ObjectNotFound", {
  digest: Schema.String,
  /** Why, when known (e.g. a gc removed it). */
  reason: Schema.optional(Schema.String)
}) {
  override get message() {
    return `object ${this.digest} is not in the store${this.reason === undefined ? "" : `: ${this.reason}`}`
  }
}

/** The bytes stored under `digest` no longer hash to it. */
export class ObjectCorrupt extends Schema.TaggedError<ObjectCorrupt>()("ObjectCorrupt", {
  digest: Schema.String,
  actual: Schema.String
}) {
  override get message() {
    return `object ${this.digest} is corrupt: its bytes hash to ${this.actual}`
  }
}

/** No usable manifest for `artifactId`; `reason` says why when one is on record but cannot be trusted. */
export class ArtifactNotFound extends Schema.TaggedError<ArtifactNotFound>()("ArtifactNotFound", {
  artifactId: Schema.String,
  reason: Schema.optional(Schema.String)
}) {
  override get message() {
    return this.reason === undefined
      ? `unknown artifact ${this.artifactId}`
      : `artifact ${this.artifactId} is unusable: ${this.reason}`
  }
}

/** A JSON record in the store (manifest, action entry, experiment record) failed to decode. */
export class RecordDecodeError extends Schema.TaggedError<RecordDecodeError>()("RecordDecodeError", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `store record ${this.path} is malformed: ${this.detail}`
  }
}

export class ExperimentNotFound extends Schema.TaggedError<ExperimentNotFound>()("ExperimentNotFound", {
  experimentId: Schema.String
}) {
  override get message() {
    return `unknown experiment ${this.experimentId}`
  }
}

/** A prefix given to `resolve` matches more than one experiment (`candidates`: every match, sorted). */
export class AmbiguousExperimentId extends Schema.TaggedError<AmbiguousExperimentId>()("AmbiguousExperimentId", {
  prefix: Schema.String,
  candidates: Schema.Array(Schema.String)
}) {
  override get message() {
    const listed = this.candidates.slice(0, 10).join(", ")
    const more = this.candidates.length - 10
    return `experiment id prefix ${this.prefix} is ambiguous: it matches ${this.candidates.length} experiments (${listed}${
      more > 0 ? `, and ${more} more` : ""
    }); give more characters`
  }
}

export class IllegalTransition extends Schema.TaggedError<IllegalTransition>()("IllegalTransition", {
  experimentId: Schema.String,
  runId: Schema.String,
  from: Schema.String,
  to: Schema.String
}) {
  override get message() {
    return `run ${this.runId} of experiment ${this.experimentId} cannot go from ${this.from} to ${this.to}`
  }
}

/**
 * `path` exists, is not a store (no marker file, none of the store's directories) and is not empty:
 * it is never turned into one, so a user's files there are never mixed with the store's.
 * `entries` names a few of what it holds.
 */
export class NotAStore extends Schema.TaggedError<NotAStore>()("NotAStore", {
  path: Schema.String,
  entries: Schema.Array(Schema.String)
}) {
  override get message() {
    const shown = this.entries.slice(0, 3).join(", ")
    const more = this.entries.length > 3 ? ", …" : ""
    return `${this.path} is not a store and not empty (it holds ${shown}${more}): a store is only created in a new or empty directory`
  }
}

export type StoreError =
  | StoreIOError
  | ObjectNotFound
  | ObjectCorrupt
  | ArtifactNotFound
  | RecordDecodeError
  | ExperimentNotFound
  | IllegalTransition
  | NotAStore
