/** Writing downloaded bytes to a scratch path of the local store, BLAKE3-hashing them on the way. */
import { Effect, Stream } from "effect"
import * as fsp from "node:fs/promises"
import { type Digest, makeScopedHasher } from "../Digest.js"
import type { StoreIOError } from "../StoreError.js"
import { attempt } from "../internal/fsOps.js"

/** How many bytes of chunks are gathered into one write. */
const WRITE_BYTES = 1024 * 1024

/**
 * Writes `chunks` to `path` (created or truncated) as they arrive and returns their BLAKE3 digest:
 * memory holds about 1 MiB of chunks at a time (one write of them), whatever the object's size.
 * The file is closed and the hasher freed whatever the exit; a failed or interrupted write leaves a
 * partial file for the caller's scope to remove.
 */
export const writeStreamHashed = <E>(path: string, chunks: Stream.Stream<Uint8Array, E>): Effect.Effect<Digest, E | StoreIOError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const hasher = yield* makeScopedHasher
      const handle = yield* Effect.acquireRelease(
        attempt("open", path, () => fsp.open(path, "w")),
        (handle) => Effect.ignore(attempt("close", path, () => handle.close()))
      )
      // Chunks (64 KiB from an HTTP response) are gathered into writes of WRITE_BYTES: a write per
      // chunk took about as long as the download itself (37 MB from s3rver: 60-170 ms more).
      let pending: Array<Uint8Array> = []
      let pendingBytes = 0
      const flush = attempt("write", path, async () => {
        const buffers = pending
        pending = []
        pendingBytes = 0
        let left = buffers
        while (left.length > 0) {
          let written = (await handle.writev(left)).bytesWritten
          // A short write: the rest of the buffers, from where it stopped.
          const rest: Array<Uint8Array> = []
          for (const buffer of left) {
            if (written >= buffer.byteLength) written -= buffer.byteLength
            else {
              rest.push(written === 0 ? buffer : buffer.subarray(written))
              written = 0
            }
          }
          left = rest
        }
      })
      yield* Stream.runForEach(chunks, (chunk) =>
        Effect.suspend(() => {
          hasher.update(chunk)
          pending.push(chunk)
          pendingBytes += chunk.byteLength
          return pendingBytes >= WRITE_BYTES ? flush : Effect.void
        }))
      yield* flush
      // Closed before it is answered: a failed close is a failed write.
      yield* attempt("close", path, () => handle.close())
      return hasher.digest()
    })
  )
