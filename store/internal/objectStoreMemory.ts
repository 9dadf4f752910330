/**
 * The in-memory object store: a Map from digest to bytes. `path` materialises an object into a
 * private temp directory (so DuckDB can read it) and `scratchPath` hands out paths there; the
 * directory is removed when the layer's scope closes.
 */
import { Effect } from "effect"
import * as fsp from "node:fs/promises"
import * as os from "node:os"
import * as nodePath from "node:path"
import { type Digest, hashBytes, hexOf } from "../Digest.js"
import type { ObjectStoreShape, PromisedObject, StoredObject, VerifyResult } from "../ObjectStore.js"
import { ObjectNotFound, StoreIOError } from "../StoreError.js"
import { attempt, mkdirp, readBytes, removeRecursive, unlinkIfExists } from "./fsOps.js"
import { TEMP_SUFFIX, tempName } from "../TempName.js"
import { notDownloadedReason } from "./promised.js"
import { requireIntact } from "./verifyResult.js"

export const make = Effect.gen(function* () {
  const root = yield* Effect.acquireRelease(
    attempt("mkdtemp", os.tmpdir(), () => fsp.mkdtemp(nodePath.join(os.tmpdir(), "pipeline-memory-store-"))),
    (dir) => Effect.ignore(removeRecursive(dir))
  )
  const materialised = nodePath.join(root, "objects")
  const scratch = nodePath.join(root, "tmp")
  yield* mkdirp(materialised)
  yield* mkdirp(scratch)
  const objects = new Map<Digest, Uint8Array>()

  const putBytes: ObjectStoreShape["putBytes"] = (bytes) =>
    Effect.map(hashBytes(bytes), (digest): StoredObject => {
      if (!objects.has(digest)) objects.set(digest, Uint8Array.from(bytes))
      return { digest, bytes: bytes.byteLength }
    })

  const putFile: ObjectStoreShape["putFile"] = (path, options) =>
    Effect.flatMap(readBytes(path), (bytes) =>
      bytes === undefined
        ? Effect.fail(new StoreIOError({ operation: "read", path, reason: "ENOENT" }))
        : Effect.tap(putBytes(bytes), () => (options?.move === true ? unlinkIfExists(path) : Effect.void))
    )

  const promised = new Map<Digest, string>()

  const get = (digest: Digest) => {
    const bytes = objects.get(digest)
    const location = promised.get(digest)
    return bytes !== undefined
      ? Effect.succeed(bytes)
      : Effect.fail(new ObjectNotFound(location === undefined ? { digest } : { digest, reason: notDownloadedReason(location) }))
  }

  const verify: ObjectStoreShape["verify"] = (digest) => {
    const bytes = objects.get(digest)
    if (bytes === undefined) return Effect.succeed<VerifyResult>({ _tag: "Missing", digest })
    return Effect.map(
      hashBytes(bytes),
      (actual): VerifyResult => (actual === digest ? { _tag: "Intact", digest } : { _tag: "Corrupt", digest, actual })
    )
  }

  const path: ObjectStoreShape["path"] = (digest) =>
    Effect.flatMap(get(digest), (bytes) => {
      const file = nodePath.join(materialised, hexOf(digest))
      const temp = nodePath.join(scratch, tempName("materialise"))
      return attempt("materialise", file, async () => {
        try {
          await fsp.access(file)
        } catch {
          await fsp.writeFile(temp, bytes, { mode: 0o444 })
          await fsp.rename(temp, file)
        }
        return file
      })
    })

  return {
    putFile,
    putBytes,
    has: (digest) => Effect.succeed(objects.has(digest)),
    read: (digest) => Effect.map(get(digest), (bytes) => Uint8Array.from(bytes)),
    path,
    verify,
    ensureIntact: (digest) =>
      Effect.flatMap(verify(digest), (result) => (result._tag === "Missing" ? Effect.asVoid(get(digest)) : requireIntact(result))),
    list: () =>
      Effect.sync(() =>
        Array.from(objects, ([digest, bytes]): StoredObject => ({ digest, bytes: bytes.byteLength })).sort((a, b) =>
          a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0
        )
      ),
    remove: (digest) =>
      Effect.zipRight(
        Effect.sync(() => objects.delete(digest)),
        unlinkIfExists(nodePath.join(materialised, hexOf(digest)))
      ),
    scratchPath: (suffix) =>
      !TEMP_SUFFIX.test(suffix)
        ? Effect.fail(new StoreIOError({ operation: "scratchPath", path: suffix, reason: "InvalidSuffix" }))
        : Effect.acquireRelease(
            Effect.sync(() => nodePath.join(scratch, tempName("scratch", suffix))),
            (file) => Effect.ignore(removeRecursive(file))
          ),
    promise: (digest, location) => Effect.sync(() => void promised.set(digest, location)),
    promisedBy: (digest) => Effect.sync(() => promised.get(digest)),
    listPromised: () =>
      Effect.sync(() =>
        Array.from(promised, ([digest, location]): PromisedObject => ({ digest, location })).sort((a, b) =>
          a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0
        )
      ),
    forgetPromise: (digest) => Effect.sync(() => void promised.delete(digest)),
    root
  } satisfies ObjectStoreShape
})
