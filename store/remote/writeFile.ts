/** Writing downloaded bytes to a scratch path of the local store, BLAKE3-hashing them on the way. */
import { Effect, Stream } from "effect"
import * as fsp from "node:fs/promises"
import { type Digest, makeScopedHasher } from "../Digest.js"
import type { StoreIOError } from "../StoreError.js"
import { attempt } from "../internal/fsOps.js"

/**
 * Writes `chunks` to `path` (created or truncated) as they arrive and returns their BLAKE3 digest:
 * memory holds one chunk at a time, whatever the object's size (the hasher feeds blake3-wasm at
 * most 1 MiB at once, whatever a chunk's size). The file is closed and the hasher freed whatever
 * the exit; a failed or interrupted write leaves a partial file for the caller's scope to remove.
 */
export const writeStreamHashed = <E>(path: string, chunks: Stream.Stream<Uint8Array, E>): Effect.Effect<Digest, E | StoreIOError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const hasher = yield* makeScopedHasher
      const handle = yield* Effect.acquireRelease(
        attempt("open", path, () => fsp.open(path, "w")),
        (handle) => Effect.ignore(attempt("close", path, () => handle.close()))
      )
      yield* Stream.runForEach(chunks, (chunk) =>
        Effect.zipRight(
          Effect.sync(() => hasher.update(chunk)),
          attempt("write", path, async () => {
            for (let offset = 0; offset < chunk.byteLength;) {
              offset += (await handle.write(chunk, offset, chunk.byteLength - offset)).bytesWritten
            }
          })
        ))
      // Closed before it is answered: a failed close is a failed write.
      yield* attempt("close", path, () => handle.close())
      return hasher.digest()
    })
  )
