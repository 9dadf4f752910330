/**
 * The filesystem object store: `objects/ab/<hex>`, files read-only (0444) with a fixed mtime
 * (1 s after the epoch, as in the Nix store) so that any later write to an object changes its stat
 * key and the digest cache re-hashes it.
 *
 * putFile streams: one pass reads the source in 4 MiB blocks, hashes (in ≤ 1 MiB updates, through
 * `DigestHasher`) and writes to a temp file in tmp/ (with `move`, the source is renamed there and
 * hashed in place: one read for a small file); the temp file is fsynced and hard-linked into
 * objects/ (first writer wins). Memory stays flat whatever the file size, and a crash leaves at most
 * a temp file in tmp/, never a partial object. `stageFile` is the same in two steps (hash, then
 * `commit`), so the catalog can write a manifest's bytes while the object is made durable.
 *
 * An object is a regular file. Whatever else sits at an object's path (a symbolic link someone put
 * there, a directory, a FIFO) is never followed, read, chmodded or served: it reads as absent, and a
 * put of those bytes replaces it with a real file (a rename replaces the link, not its target).
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { constants as fsConstants } from "node:fs"
import * as fsp from "node:fs/promises"
import { type Digest, digestFromHex, hashBytes, hashFile, makeHasher } from "../Digest.js"
import type { FileDigestCacheShape } from "../FileDigestCache.js"
import type { ObjectStoreShape, PromisedObject, StoredObject, VerifyResult } from "../ObjectStore.js"
import { type ObjectCorrupt, ObjectNotFound, StoreIOError } from "../StoreError.js"
import type { StoreLayout } from "../StoreLayout.js"
import { commitOnce, commitReplace, withTempPath, writeAtomic, writeNewFile } from "./atomicWrite.js"
import {
  attempt,
  attemptSync,
  errnoOf,
  fsyncFd,
  lstatBig,
  readDir,
  readText,
  removeRecursive,
  toStoreIOError,
  unlinkIfExists
} from "./fsOps.js"
import { TEMP_SUFFIX, tempName } from "../TempName.js"
import { findGcRemoval, removalReason } from "./gcLog.js"
import { notDownloadedReason } from "./promised.js"
import { requireIntact } from "./verifyResult.js"

/** mtime and atime of every object, in seconds. */
export const OBJECT_MTIME_SECONDS = 1
export const OBJECT_MODE = 0o444
const COPY_BLOCK_BYTES = 4 * 1024 * 1024

/** Copies `src` to a new file `dst`, hashing on the way; interruption stops between blocks. */
const copyHashing = (src: string, dst: string): Effect.Effect<StoredObject, StoreIOError> =>
  Effect.flatMap(makeHasher, (hasher) =>
    attempt("copy", src, async (signal) => {
      const input = await fsp.open(src, "r")
      try {
        const output = await fsp.open(dst, "wx", 0o644).catch((error: unknown) => {
          throw toStoreIOError("write", dst)(error)
        })
        try {
          const buffer = Buffer.allocUnsafe(COPY_BLOCK_BYTES)
          let bytes = 0
          for (;;) {
            if (signal.aborted) throw new StoreIOError({ operation: "copy", path: src, reason: "Interrupted" })
            const { bytesRead } = await input.read(buffer, 0, buffer.length, null)
            if (bytesRead === 0) break
            const chunk = buffer.subarray(0, bytesRead)
            hasher.update(chunk)
            let written = 0
            while (written < bytesRead) {
              const { bytesWritten } = await output.write(chunk, written, bytesRead - written).catch((error: unknown) => {
                throw toStoreIOError("write", dst)(error)
              })
              written += bytesWritten
            }
            bytes += bytesRead
          }
          return { digest: hasher.digest(), bytes }
        } finally {
          await output.close()
        }
      } finally {
        await input.close()
      }
    })
  )

/** Files up to this size are hashed in place with one synchronous read (a table of a few rows). */
const SMALL_FILE_BYTES = 1024 * 1024

/**
 * Hashes a file already in tmp/ (after a same-filesystem move): a small file in one synchronous
 * read, a larger one through `hashFile`'s overlapped reads.
 */
const hashInPlace = (path: string): Effect.Effect<StoredObject, StoreIOError> =>
  Effect.flatMap(
    attemptSync("hash", path, () => {
      const fd = fs.openSync(path, "r")
      try {
        const size = fs.fstatSync(fd).size
        if (size > SMALL_FILE_BYTES) return { size, bytes: undefined }
        const bytes = Buffer.allocUnsafe(size + 1)
        let length = 0
        for (;;) {
          const n = fs.readSync(fd, bytes, length, bytes.byteLength - length, null)
          if (n === 0) break
          length += n
          if (length === bytes.byteLength) return { size: length, bytes: undefined } // grew: stream it
        }
        return { size: length, bytes: bytes.subarray(0, length) }
      } finally {
        fs.closeSync(fd)
      }
    }),
    ({ bytes }) =>
      bytes !== undefined
        ? Effect.map(hashBytes(bytes), (digest): StoredObject => ({ digest, bytes: bytes.byteLength }))
        : Effect.flatMap(
          Effect.mapError(hashFile(path), (error) => StoreIOError.fromCode("hash", path, error.reason)),
          (digest) => Effect.map(attemptSync("stat", path, () => fs.statSync(path).size), (size): StoredObject => ({ digest, bytes: size }))
        )
  )

/**
 * Read-only, fixed mtime, fsynced; returns the inode (so the digest cache records this very file).
 * The metadata calls are synchronous; the fsync goes through the thread pool.
 */
const seal = (path: string): Effect.Effect<bigint, StoreIOError> =>
  attempt("seal", path, async () => {
    const fd = fs.openSync(path, "r")
    try {
      fs.fchmodSync(fd, OBJECT_MODE)
      fs.futimesSync(fd, OBJECT_MTIME_SECONDS, OBJECT_MTIME_SECONDS)
      await fsyncFd(fd)
      return fs.fstatSync(fd, { bigint: true }).ino
    } finally {
      fs.closeSync(fd)
    }
  })

/**
 * Re-using an existing object refreshes its ctime (chmod to the same mode), so gc's grace period —
 * which reads max(mtime, ctime), objects having a fixed mtime — protects an object a concurrent
 * publish has just re-referenced. The chmod goes through a handle opened with O_NOFOLLOW, so a
 * symbolic link put there since the object was verified is never followed: `false` then (and when
 * the object vanished), and the caller stores the bytes afresh.
 */
const refresh = (path: string): Effect.Effect<boolean, StoreIOError> =>
  attemptSync("refresh", path, () => {
    let fd: number
    try {
      fd = fs.openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW)
    } catch (error) {
      const code = errnoOf(error)
      if (code === "ELOOP" || code === "ENOENT") return false
      throw error
    }
    try {
      if (!fs.fstatSync(fd).isFile()) return false
      fs.fchmodSync(fd, OBJECT_MODE)
      return true
    } finally {
      fs.closeSync(fd)
    }
  })

/** The object's own entry when it is a regular file; `undefined` when absent or anything else (a link is not followed). */
const objectStat = (path: string) =>
  Effect.map(lstatBig(path), (stats) => (stats?.isFile() ? stats : undefined))

export const make = (layout: StoreLayout, digests: FileDigestCacheShape) =>
  Effect.sync((): ObjectStoreShape => {
    const promisedBy: ObjectStoreShape["promisedBy"] = (digest) =>
      Effect.map(readText(layout.promisedPath(digest)), (text) => (text === undefined ? undefined : text.trim()))

    /** Absent: saying so, and that a remote holds it or gc removed it when its records say so. */
    const notFound = (digest: Digest): Effect.Effect<never, ObjectNotFound | StoreIOError> =>
      Effect.flatMap(promisedBy(digest), (location) =>
        location !== undefined
          ? Effect.fail(new ObjectNotFound({ digest, reason: notDownloadedReason(location) }))
          : Effect.flatMap(findGcRemoval(layout, digest), (record) =>
            Effect.fail(new ObjectNotFound(record === undefined ? { digest } : { digest, reason: removalReason(record) }))))

    const listPromised: ObjectStoreShape["listPromised"] = Effect.fn("ObjectStore.listPromised")(function* () {
      const found: Array<PromisedObject> = []
      for (const name of yield* readDir(layout.promised)) {
        if (!/^[0-9a-f]{64}$/.test(name)) continue
        const digest = digestFromHex(name)
        const location = yield* promisedBy(digest)
        if (location !== undefined) found.push({ digest, location })
      }
      return found.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0))
    })

    const verify: ObjectStoreShape["verify"] = Effect.fn("ObjectStore.verify")(function* (digest, options) {
      const path = layout.objectPath(digest)
      // A symbolic link (or a directory, a FIFO) is not an object: absent, and never opened.
      if ((yield* objectStat(path)) === undefined) return { _tag: "Missing", digest } satisfies VerifyResult
      const actual = yield* digests.digest(path, { trust: options?.trustStatCache ?? false }).pipe(
        Effect.map((actual) => actual as Digest | undefined),
        Effect.catchIf(
          (error) => error.reason === "ENOENT",
          () => Effect.succeed(undefined)
        )
      )
      if (actual === undefined) return { _tag: "Missing", digest } satisfies VerifyResult
      if (actual !== digest) return { _tag: "Corrupt", digest, actual } satisfies VerifyResult
      return { _tag: "Intact", digest } satisfies VerifyResult
    })

    /**
     * Moves a sealed temp file into objects/; an existing object is kept unless it is corrupt or not
     * a regular file. The digest is recorded after the last change to the object's inode (the temp
     * name's unlink and a refresh's chmod move its ctime, which the stat cache compares).
     */
    const commitObject = (tempPath: string, stored: StoredObject) =>
      Effect.gen(function* () {
        const ino = yield* seal(tempPath)
        const dest = layout.objectPath(stored.digest)
        for (let attemptNo = 0; attemptNo < 3; attemptNo++) {
          const outcome = yield* commitOnce(tempPath, dest)
          if (outcome === "written") {
            yield* unlinkIfExists(tempPath)
            yield* digests.record(dest, stored.digest, ino)
            return stored
          }
          const existing = yield* verify(stored.digest, { trustStatCache: true })
          if (existing._tag === "Intact" && (yield* refresh(dest))) {
            yield* digests.record(dest, stored.digest)
            return stored
          }
          const there = yield* lstatBig(dest)
          if (existing._tag === "Corrupt" || (there !== undefined && !there.isFile())) {
            // Self-repair: good bytes replace bad ones (or a link, which is replaced, not followed) atomically.
            yield* commitReplace(tempPath, dest)
            yield* digests.record(dest, stored.digest, ino)
            return stored
          }
          // Missing: removed between link and verify (gc); try again.
        }
        return yield* new StoreIOError({ operation: "put", path: dest, reason: "Vanished", detail: "object vanished while it was stored" })
      })

    /** Moves (or copies) `path` into a temp file at `tempPath` and hashes it. */
    const stageAt = (path: string, tempPath: string, move: boolean) =>
      Effect.gen(function* () {
        let moved = false
        if (move) {
          moved = yield* attemptSync("move", path, () => {
            try {
              fs.renameSync(path, tempPath)
              return true
            } catch (error) {
              if (errnoOf(error) === "EXDEV") return false
              throw error
            }
          })
        }
        const stored = moved ? yield* hashInPlace(tempPath) : yield* copyHashing(path, tempPath)
        return { stored, moved }
      })

    const stageFile: NonNullable<ObjectStoreShape["stageFile"]> = (path, options) =>
      Effect.gen(function* () {
        const tempPath = yield* Effect.acquireRelease(
          Effect.sync(() => layout.tmpPath(tempName("put"))),
          (temp) => Effect.ignore(unlinkIfExists(temp))
        )
        const move = options?.move === true
        const { stored, moved } = yield* stageAt(path, tempPath, move)
        const commit = Effect.tap(commitObject(tempPath, stored), () =>
          move && !moved ? unlinkIfExists(path) : Effect.void)
        return { ...stored, commit }
      })

    const putFile: ObjectStoreShape["putFile"] = Effect.fn("ObjectStore.putFile")(function* (path, options) {
      return yield* Effect.scoped(Effect.flatMap(stageFile(path, options), (staged) => staged.commit))
    })

    const putBytes: ObjectStoreShape["putBytes"] = Effect.fn("ObjectStore.putBytes")(function* (bytes) {
      const digest = yield* hashBytes(bytes)
      const stored: StoredObject = { digest, bytes: bytes.byteLength }
      if ((yield* verify(digest, { trustStatCache: true }))._tag === "Intact" && (yield* refresh(layout.objectPath(digest)))) {
        yield* digests.record(layout.objectPath(digest), digest)
        return stored
      }
      return yield* withTempPath(layout, "put", (tempPath) =>
        Effect.zipRight(writeNewFile(tempPath, bytes, { durable: false }), commitObject(tempPath, stored))
      )
    })

    const has: ObjectStoreShape["has"] = (digest) =>
      Effect.map(objectStat(layout.objectPath(digest)), (stats) => stats !== undefined)

    const read: ObjectStoreShape["read"] = (digest) => {
      const file = layout.objectPath(digest)
      return Effect.flatMap(
        attempt("read", file, async () => {
          let handle: fsp.FileHandle
          try {
            handle = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW)
          } catch (error) {
            const code = errnoOf(error)
            if (code === "ENOENT" || code === "ELOOP") return undefined
            throw error
          }
          try {
            return (await handle.stat()).isFile() ? await handle.readFile() : undefined
          } finally {
            await handle.close()
          }
        }),
        (bytes) => (bytes === undefined ? notFound(digest) : Effect.succeed(bytes))
      )
    }

    const path: ObjectStoreShape["path"] = (digest) => {
      const file = layout.objectPath(digest)
      return Effect.flatMap(objectStat(file), (stats) =>
        stats !== undefined ? Effect.succeed(file) : notFound(digest)
      )
    }

    const ensureIntact: ObjectStoreShape["ensureIntact"] = (digest) =>
      Effect.flatMap(
        verify(digest, { trustStatCache: true }),
        (result): Effect.Effect<void, ObjectNotFound | ObjectCorrupt | StoreIOError> =>
          result._tag === "Missing" ? notFound(digest) : requireIntact(result)
      )

    const list: ObjectStoreShape["list"] = Effect.fn("ObjectStore.list")(function* () {
      const objects: Array<StoredObject> = []
      for (const fan of yield* readDir(layout.objects)) {
        if (!/^[0-9a-f]{2}$/.test(fan)) continue
        for (const name of yield* readDir(`${layout.objects}/${fan}`)) {
          if (!/^[0-9a-f]{64}$/.test(name) || !name.startsWith(fan)) continue
          const stats = yield* lstatBig(`${layout.objects}/${fan}/${name}`)
          if (stats?.isFile()) objects.push({ digest: digestFromHex(name), bytes: Number(stats.size) })
        }
      }
      return objects
    })

    const remove: ObjectStoreShape["remove"] = (digest) => {
      const file = layout.objectPath(digest)
      return Effect.zipRight(unlinkIfExists(file), digests.forget(file))
    }

    const scratchPath: ObjectStoreShape["scratchPath"] = (suffix) =>
      !TEMP_SUFFIX.test(suffix)
        ? Effect.fail(new StoreIOError({ operation: "scratchPath", path: suffix, reason: "InvalidSuffix" }))
        : Effect.acquireRelease(
            Effect.sync(() => layout.tmpPath(tempName("scratch", suffix))),
            (scratch) => Effect.ignore(removeRecursive(scratch))
          )

    return {
      putFile,
      stageFile,
      putBytes,
      has,
      read,
      path,
      verify,
      ensureIntact,
      list,
      remove,
      scratchPath,
      promise: (digest, location) => writeAtomic(layout, layout.promisedPath(digest), `${location}\n`),
      promisedBy,
      listPromised,
      forgetPromise: (digest) => unlinkIfExists(layout.promisedPath(digest)),
      root: layout.root
    }
  })
