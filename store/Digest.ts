/**
 * BLAKE3 digests: `blake3:` + 64 lowercase hex (DESIGN.md §3).
 *
 * Every byte that is hashed anywhere in the project goes through `DigestHasher`, which feeds
 * blake3-wasm in chunks of at most 1 MiB: blake3-wasm 3.0.0 silently returns a wrong digest for a
 * single update larger than 1 MiB (STACK.md), so no other module may call blake3-wasm directly.
 */
import { createHash, load } from "blake3-wasm"
import { Effect, Schema, type Scope } from "effect"
import { createReadStream } from "node:fs"

export const DIGEST_PREFIX = "blake3:"

export const Digest = Schema.String.pipe(
  Schema.pattern(/^blake3:[0-9a-f]{64}$/, {
    message: () => "expected a digest of the form blake3:<64 lowercase hex>"
  }),
  Schema.brand("Digest")
)
export type Digest = typeof Digest.Type

/** Largest single update blake3-wasm 3.0.0 hashes correctly. */
export const MAX_UPDATE_BYTES = 1024 * 1024

let loading: Promise<void> | undefined
/** Loads the wasm module once per process. */
export const ensureBlake3 = Effect.promise(() => (loading ??= load()))

export const digestFromHex = (hex: string): Digest => `${DIGEST_PREFIX}${hex}` as Digest
export const hexOf = (digest: Digest): string => digest.slice(DIGEST_PREFIX.length)
export const isDigest = Schema.is(Digest)

/**
 * An incremental hasher that never hands blake3-wasm more than 1 MiB at once. Single use: `digest`
 * frees the hasher's wasm memory, so `update`/`digest` after it throw. blake3-wasm frees a hasher
 * only when V8 collects it, and its wasm heap cannot grow: without explicit freeing, a few thousand
 * hashes in a tight loop abort the process with "Aborted(OOM)" (measured: ~6,000).
 */
export interface DigestHasher {
  readonly update: (bytes: Uint8Array) => void
  /** Finishes the hash and frees the hasher. */
  readonly digest: () => Digest
  /** Frees the hasher without a digest (on failure or interruption); idempotent. */
  readonly dispose: () => void
}

/** Requires `ensureBlake3` to have run (every Effect below does it). */
export const unsafeMakeHasher = (): DigestHasher => {
  const hasher = createHash()
  return {
    update: (bytes) => {
      for (let offset = 0; offset < bytes.byteLength; offset += MAX_UPDATE_BYTES) {
        hasher.update(bytes.subarray(offset, Math.min(offset + MAX_UPDATE_BYTES, bytes.byteLength)))
      }
    },
    digest: () => {
      // digest("hex") returns a string although it is typed as Buffer (STACK.md).
      const hex = String(hasher.digest("hex"))
      hasher.dispose()
      return digestFromHex(hex)
    },
    dispose: () => hasher.dispose()
  }
}

export const makeHasher: Effect.Effect<DigestHasher> = Effect.map(ensureBlake3, unsafeMakeHasher)

/** A hasher freed when the scope closes, whatever the exit (digest or not). */
export const makeScopedHasher: Effect.Effect<DigestHasher, never, Scope.Scope> = Effect.acquireRelease(
  makeHasher,
  (hasher) => Effect.sync(() => hasher.dispose())
)

export const hashBytes = (bytes: Uint8Array): Effect.Effect<Digest> =>
  Effect.map(makeHasher, (hasher) => {
    hasher.update(bytes)
    return hasher.digest()
  })

export const hashString = (text: string): Effect.Effect<Digest> => hashBytes(new TextEncoder().encode(text))

/** Read failure while hashing a file; `reason` is the errno code when there is one. */
export class FileReadError extends Schema.TaggedError<FileReadError>()("FileReadError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot read ${this.path}: ${this.reason}`
  }
}

/**
 * Streams a file through the hasher in 1 MiB reads: memory stays flat whatever the file size.
 * Interruption destroys the stream.
 */
export const hashFile = (path: string): Effect.Effect<Digest, FileReadError> =>
  Effect.flatMap(makeHasher, (hasher) =>
    Effect.async<Digest, FileReadError>((resume) => {
      const stream = createReadStream(path, { highWaterMark: MAX_UPDATE_BYTES })
      stream.on("data", (chunk) => hasher.update(chunk as Buffer))
      stream.on("error", (error: NodeJS.ErrnoException) => {
        hasher.dispose()
        resume(Effect.fail(new FileReadError({ path, reason: error.code ?? error.message })))
      })
      stream.on("end", () => resume(Effect.succeed(hasher.digest())))
      return Effect.sync(() => {
        stream.destroy()
        hasher.dispose()
      })
    })
  )
