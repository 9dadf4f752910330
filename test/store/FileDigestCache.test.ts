/**
 * The persisted stat cache: an unchanged file is never re-hashed (also by a fresh instance, as a
 * new process would be), a modified one always is.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { hashFile } from "../../store/Digest.js"
import { FileDigestCache, statCacheEntryPath } from "../../store/FileDigestCache.js"
import { ObjectStore } from "../../store/ObjectStore.js"
import { StoreLive } from "../../store/StoreLive.js"
import { makeLayout, StoreRoot } from "../../store/StoreLayout.js"
import { flipFirstByte, tempDir } from "./suites/support.js"

/** A fresh FileDigestCache instance (fresh counters) on `root`: what a new process would get. */
const cacheAt = (root: string) => FileDigestCache.layerFileSystem.pipe(Layer.provide(StoreRoot.layer(root)))

const hashed = Effect.map(
  Effect.flatMap(FileDigestCache, (cache) => cache.stats),
  (stats) => stats.filesHashed
)

/** Writes a file and dates it an hour back (older than any cache entry written from now on). */
const writeAged = (file: string, content: string, secondsAgo = 3600) =>
  Effect.promise(async () => {
    await fs.writeFile(file, content)
    const when = Date.now() / 1000 - secondsAgo
    await fs.utimes(file, when, when)
  })

describe("FileDigestCache (filesystem)", () => {
  it.effect("an unchanged file is hashed once, then answered from the cache, also by a fresh instance", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir("digest-cache-")
        const root = path.join(dir, "store")
        const file = path.join(dir, "input.csv")
        yield* writeAged(file, "ts,price\n1,2\n")
        const expected = yield* hashFile(file)

        yield* Effect.gen(function* () {
          const cache = yield* FileDigestCache
          expect(yield* cache.digest(file)).toBe(expected)
          expect(yield* cache.digest(file)).toBe(expected)
          expect(yield* hashed).toBe(1)
          expect((yield* cache.stats).cacheHits).toBe(1)
        }).pipe(Effect.provide(cacheAt(root)))

        yield* Effect.gen(function* () {
          const cache = yield* FileDigestCache
          expect(yield* cache.digest(file)).toBe(expected)
          expect(yield* hashed).toBe(0)
          // trust: false always reads the file.
          expect(yield* cache.digest(file, { trust: false })).toBe(expected)
          expect(yield* hashed).toBe(1)
        }).pipe(Effect.provide(cacheAt(root)))
      })
    )
  )

  it.effect("a modified file (same size, new mtime) is re-hashed and gets its new digest", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir("digest-cache-")
        const file = path.join(dir, "input.csv")
        yield* writeAged(file, "aaaa", 7200)
        yield* Effect.gen(function* () {
          const cache = yield* FileDigestCache
          const before = yield* cache.digest(file)
          yield* writeAged(file, "bbbb", 3600)
          const after = yield* cache.digest(file)
          expect(after).not.toBe(before)
          expect(after).toBe(yield* hashFile(file))
          expect(yield* hashed).toBe(2)
        }).pipe(Effect.provide(cacheAt(path.join(dir, "store"))))
      })
    )
  )

  it.effect("a file not older than its cache entry (racy mtime) is never trusted", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir("digest-cache-")
        const file = path.join(dir, "input.csv")
        yield* writeAged(file, "racy", -3600) // mtime an hour in the future
        yield* Effect.gen(function* () {
          const cache = yield* FileDigestCache
          yield* cache.digest(file)
          yield* cache.digest(file)
          yield* cache.digest(file)
          expect(yield* hashed).toBe(3)
        }).pipe(Effect.provide(cacheAt(path.join(dir, "store"))))
      })
    )
  )

  it.effect("a same-size change with the mtime put back (touch -r) is re-hashed: the ctime moved", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir("digest-cache-")
        const root = path.join(dir, "store")
        const file = path.join(dir, "input.csv")
        yield* writeAged(file, "aaaa", 7200)
        // Whole seconds, so putting the time back is exact (a Date keeps only milliseconds).
        const aged = Math.floor(Date.now() / 1000) - 7200
        yield* Effect.promise(() => fs.utimes(file, aged, aged))
        const before = yield* Effect.flatMap(FileDigestCache, (cache) => cache.digest(file)).pipe(Effect.provide(cacheAt(root)))
        const stat = yield* Effect.promise(() => fs.stat(file, { bigint: true }))
        yield* Effect.promise(async () => {
          const handle = await fs.open(file, "r+") // in place: same inode, same size
          await handle.write("bbbb", 0)
          await handle.close()
          await fs.utimes(file, aged, aged)
        })
        const after = yield* Effect.promise(() => fs.stat(file, { bigint: true }))
        expect([after.ino, after.size, after.mtimeNs]).toEqual([stat.ino, stat.size, stat.mtimeNs])
        // A fresh instance, as the next process would be.
        yield* Effect.gen(function* () {
          const cache = yield* FileDigestCache
          const digest = yield* cache.digest(file)
          expect(digest).not.toBe(before)
          expect(digest).toBe(yield* hashFile(file))
          expect(yield* hashed).toBe(1)
          expect(yield* cache.digest(file)).toBe(digest) // and the new entry is trusted
          expect(yield* hashed).toBe(1)
        }).pipe(Effect.provide(cacheAt(root)))
      })
    )
  )

  it.effect("an entry without a ctime (an older cache) is a miss, never trusted", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir("digest-cache-")
        const root = path.join(dir, "store")
        const file = path.join(dir, "input.csv")
        yield* writeAged(file, "aaaa")
        const stat = yield* Effect.promise(() => fs.stat(file, { bigint: true }))
        const layout = makeLayout(path.resolve(root))
        const entryFile = yield* statCacheEntryPath(layout, file)
        yield* Effect.promise(async () => {
          await fs.mkdir(path.dirname(entryFile), { recursive: true })
          await fs.writeFile(
            entryFile,
            JSON.stringify({
              path: path.resolve(file),
              dev: String(stat.dev),
              ino: String(stat.ino),
              size: String(stat.size),
              mtimeNs: String(stat.mtimeNs),
              digest: `blake3:${"0".repeat(64)}`
            })
          )
        })
        yield* Effect.gen(function* () {
          expect(yield* Effect.flatMap(FileDigestCache, (cache) => cache.digest(file))).toBe(yield* hashFile(file))
          expect(yield* hashed).toBe(1)
        }).pipe(Effect.provide(cacheAt(root)))
      })
    )
  )

  it.effect("a stat cache that cannot be written is skipped: digests still answer, nothing fails", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir("digest-cache-")
        const root = path.join(dir, "store")
        const file = path.join(dir, "input.csv")
        yield* writeAged(file, "aaaa")
        // cache/ is a file: neither cache/stat/ nor an entry can be created (ENOTDIR), even as root.
        yield* Effect.promise(async () => {
          await fs.mkdir(root, { recursive: true })
          await fs.writeFile(path.join(root, "cache"), "not a directory")
        })
        yield* Effect.gen(function* () {
          const cache = yield* FileDigestCache
          expect(yield* cache.digest(file)).toBe(yield* hashFile(file))
          expect(yield* cache.digest(file)).toBe(yield* hashFile(file))
          expect(yield* hashed).toBe(2) // nothing cached, nothing failed
          yield* cache.record(file, yield* hashFile(file))
        }).pipe(Effect.provide(cacheAt(root)))
      })
    )
  )

  it.effect("a missing file fails StoreIOError ENOENT", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir("digest-cache-")
        const file = path.join(dir, "absent")
        const error = yield* Effect.flip(
          Effect.flatMap(FileDigestCache, (cache) => cache.digest(file)).pipe(Effect.provide(cacheAt(dir)))
        )
        expect(error).toMatchObject({ _tag: "StoreIOError", path: file, reason: "ENOENT" })
      })
    )
  )

  it.effect("objects: a put records the digest, so verify(trustStatCache) re-hashes nothing; a modified object is re-hashed", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = path.join(yield* tempDir("digest-cache-"), "store")
        const stored = yield* Effect.flatMap(ObjectStore, (objects) =>
          objects.putBytes(new TextEncoder().encode("object bytes"))
        ).pipe(Effect.provide(StoreLive.layer(root)))

        // A fresh store instance on the same root (a second process).
        yield* Effect.gen(function* () {
          const objects = yield* ObjectStore
          expect(yield* objects.verify(stored.digest, { trustStatCache: true })).toEqual({ _tag: "Intact", digest: stored.digest })
          yield* objects.ensureIntact(stored.digest)
          expect(yield* hashed).toBe(0)
          yield* objects.verify(stored.digest) // default: no trust
          expect(yield* hashed).toBe(1)
          yield* flipFirstByte(yield* objects.path(stored.digest))
          expect((yield* objects.verify(stored.digest, { trustStatCache: true }))._tag).toBe("Corrupt")
          expect(yield* hashed).toBe(2)
        }).pipe(Effect.provide(StoreLive.layer(root)))
      })
    )
  )
})
