/**
 * BLAKE3 digests: `blake3:` + 64 lowercase hex (docs/DESIGN.md §3).
 *
 * Every byte that is hashed anywhere in the project goes through `DigestHasher`, which feeds
 * blake3-wasm in chunks of at most 1 MiB: blake3-wasm 3.0.0 silently returns a wrong digest for a
 * single update larger than 1 MiB (and throws from about 15 MiB), so no other module may call
 * blake3-wasm directly.
 */
import type * as Blake3 from "blake3-wasm"
import { Effect, Schema, type Scope } from "effect"
import { read } from "node:fs"
import { open } from "node:fs/promises"

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

let blake3: typeof Blake3 | undefined
let loading: Promise<void> | undefined
/**
 * Loads blake3-wasm and its wasm module once per process, on first use: commands that hash nothing
 * (`--help`, listings) never load it.
 */
export const ensureBlake3 = Effect.promise(() =>
  (loading ??= import("blake3-wasm").then(async (module) => {
    await module.load()
    blake3 = module
  }))
)

export const digestFromHex = (hex: string): Digest => `${DIGEST_PREFIX}${hex}` as Digest
export const hexOf = (digest: Digest): string => digest.slice(DIGEST_PREFIX.length)

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
  if (blake3 === undefined) throw new Error("unsafeMakeHasher before ensureBlake3")
  const hasher = blake3.createHash()
  return {
    update: (bytes) => {
      for (let offset = 0; offset < bytes.byteLength; offset += MAX_UPDATE_BYTES) {
        hasher.update(bytes.subarray(offset, Math.min(offset + MAX_UPDATE_BYTES, bytes.byteLength)))
      }
    },
    digest: () => {
      // digest("hex") returns a string although it is typed as Buffer.
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

/** Bytes asked of each file read in `hashFile` (fed to the hasher in ≤ 1 MiB updates). */
export const FILE_READ_BYTES = 2 * 1024 * 1024

const readInto = (fd: number, buffer: Buffer, position: number) =>
  new Promise<number>((resolve, reject) =>
    read(fd, buffer, 0, buffer.byteLength, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)))
  )

const readErrorOf = (path: string, error: unknown) =>
  new FileReadError({
    path,
    reason:
      typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
        ? error.code
        : String(error)
  })

/**
 * Streams a file through the hasher with two buffers: while the hasher works on one block (the
 * main thread), the next block is read into the other (the thread pool), so hashing speed is the
 * hasher's own instead of hashing + reading. Memory stays flat whatever the file size (two
 * buffers, at most 2 × `FILE_READ_BYTES`). Interruption stops the loop at the next block; the file
 * is closed and the hasher freed once the read in flight has returned.
 */
export const hashFile = (path: string): Effect.Effect<Digest, FileReadError> =>
  Effect.flatMap(ensureBlake3, () =>
    Effect.tryPromise({
      try: async (signal) => {
        const handle = await open(path, "r")
        const hasher = unsafeMakeHasher()
        try {
          const size = (await handle.stat()).size
          const length = Math.max(1, Math.min(FILE_READ_BYTES, size + 1))
          const buffers = [Buffer.allocUnsafe(length), Buffer.allocUnsafe(length)] as const
          let position = 0
          let current = 0
          let pending: Promise<number> | undefined = readInto(handle.fd, buffers[0], 0)
          try {
            for (;;) {
              const bytesRead: number = await pending
              pending = undefined
              if (signal.aborted) throw new Error("interrupted")
              if (bytesRead === 0) break
              position += bytesRead
              const block = buffers[current]!.subarray(0, bytesRead)
              current ^= 1
              pending = readInto(handle.fd, buffers[current]!, position)
              hasher.update(block)
            }
          } finally {
            // Never close the file under a read still in flight (interruption, a failed update).
            if (pending !== undefined) await pending.catch(() => 0)
          }
          return hasher.digest()
        } finally {
          hasher.dispose()
          await handle.close()
        }
      },
      catch: (error) => readErrorOf(path, error)
    })
  )
