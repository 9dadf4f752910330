/**
 * BLAKE3 digests: `blake3:` + 64 lowercase hex (docs/DESIGN.md §3).
 *
 * Every byte that is hashed anywhere in the project goes through `DigestHasher`: the native
 * BLAKE3 where its binding loads, else blake3-wasm fed in updates of at most 1 MiB (its bug above
 * that size), store/internal/blake3.ts. No other module may call either library directly.
 */
import { Effect, Schema, type Scope } from "effect"
import { read } from "node:fs"
import { open } from "node:fs/promises"
import { type Blake3Backend, type Blake3Implementation, loadBlake3 } from "./internal/blake3.js"

export type { Blake3Backend } from "./internal/blake3.js"

export const DIGEST_PREFIX = "blake3:"

export const Digest = Schema.String.pipe(
  Schema.pattern(/^blake3:[0-9a-f]{64}$/, {
    message: () => "expected a digest of the form blake3:<64 lowercase hex>"
  }),
  Schema.brand("Digest")
)
export type Digest = typeof Digest.Type

let blake3: Blake3Implementation | undefined
let loading: Promise<Blake3Implementation> | undefined
/**
 * Loads the BLAKE3 implementation once per process, on first use: commands that hash nothing
 * (`--help`, listings) never load it.
 */
const loaded: Effect.Effect<Blake3Implementation> = Effect.promise(() =>
  (loading ??= loadBlake3().then((implementation) => (blake3 = implementation)))
)
export const ensureBlake3: Effect.Effect<void> = Effect.asVoid(loaded)

/** Which BLAKE3 implementation this process hashes with (loading it first). */
export const blake3Backend: Effect.Effect<Blake3Backend> = Effect.map(loaded, (implementation) => implementation.backend)

export const digestFromHex = (hex: string): Digest => `${DIGEST_PREFIX}${hex}` as Digest
export const hexOf = (digest: Digest): string => digest.slice(DIGEST_PREFIX.length)

/**
 * An incremental hasher. Single use: `digest` frees the hasher, so `update`/`digest` after it
 * throw. A blake3-wasm hasher lives in a wasm heap that cannot grow and is freed only here: without
 * explicit freeing, a few thousand hashes in a tight loop abort the process with "Aborted(OOM)"
 * (measured: ~6,000), so every hasher is freed by `digest` or `dispose`.
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
  const hasher = blake3.create()
  let finished = false
  return {
    update: (bytes) => {
      if (finished) throw new Error("DigestHasher used after digest or dispose")
      hasher.update(bytes)
    },
    digest: () => {
      if (finished) throw new Error("DigestHasher used after digest or dispose")
      finished = true
      return digestFromHex(hasher.digestHex())
    },
    dispose: () => {
      finished = true
      hasher.dispose()
    }
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

/** Bytes asked of each file read in `hashFile`. */
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
