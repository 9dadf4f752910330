/**
 * Filesystem-only behaviour: the on-disk layout, damaged files (corrupt, deleted, malformed), errno
 * mapping, and the write primitives.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { ActionCache } from "../../store/ActionCache.js"
import { ArtifactCatalog } from "../../store/ArtifactCatalog.js"
import { hexOf } from "../../store/Digest.js"
import { ObjectStore } from "../../store/ObjectStore.js"
import { StoreLive, type StoreServices } from "../../store/StoreLive.js"
import { makeLayout } from "../../store/StoreLayout.js"
import { writeAtomic, writeOnce } from "../../store/internal/atomicWrite.js"
import { entryWithOutputs } from "./suites/actionCacheSuite.js"
import { flipFirstByte, requestFor, stage, tempDir } from "./suites/support.js"

/** Runs `body` against a fresh filesystem store and hands it the root. */
const withStore = <A, E>(body: (root: string) => Effect.Effect<A, E, StoreServices | Scope.Scope>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const root = path.join(yield* tempDir("store-fs-"), "store")
      return yield* body(root).pipe(Effect.provide(StoreLive.layer(root)))
    })
  )

const listTmp = (root: string) => Effect.promise(() => fs.readdir(path.join(root, "tmp")))

/** Publishes a one-output action (artifact + entry) and returns what a test needs to damage it. */
const publishAction = Effect.gen(function* () {
  const cache = yield* ActionCache
  const objects = yield* ObjectStore
  const entry = yield* entryWithOutputs("simulate", { trades: "trade rows\n" })
  yield* cache.put(entry)
  const { artifactId, digest } = entry.outputs.trades
  return { entry, artifactId, digest, objectFile: yield* objects.path(digest) }
})

describe("filesystem store on disk", () => {
  it.effect("layout: objects/ab/<hex> read-only with a fixed mtime, manifests, indexes, overlay; tmp/ left empty", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const catalog = yield* ArtifactCatalog
        const layout = makeLayout(root)
        const a = yield* catalog.publish(requestFor(yield* stage("a"), { type: "candles", logicalKey: "a" }))
        const b = yield* catalog.publish(requestFor(yield* stage("b"), { logicalKey: "b", inputs: [a.artifactId] }))
        const objectFile = path.join(root, "objects", hexOf(a.digest).slice(0, 2), hexOf(a.digest))
        const stats = yield* Effect.promise(() => fs.stat(objectFile))
        expect(stats.mode & 0o777).toBe(0o444)
        expect(stats.mtimeMs).toBe(1000)
        const onDisk = JSON.parse(yield* Effect.promise(() => fs.readFile(layout.manifestPath(a.artifactId), "utf8")))
        expect(onDisk).toEqual(a)
        expect(yield* Effect.promise(() => fs.readdir(layout.typeIndexDir("candles")))).toEqual([a.artifactId])
        expect(yield* Effect.promise(() => fs.readdir(layout.inputIndexDir(a.artifactId)))).toEqual([b.artifactId])
        yield* catalog.supersede(a.artifactId)
        const overlay = JSON.parse(yield* Effect.promise(() => fs.readFile(layout.statusPath(a.artifactId), "utf8")))
        expect(overlay.status).toBe("superseded")
        // The manifest itself is never rewritten.
        expect(JSON.parse(yield* Effect.promise(() => fs.readFile(layout.manifestPath(a.artifactId), "utf8")))).toEqual(a)
        yield* publishAction
        // Only this test's own scratch files (still in scope) remain: no write or put temp files.
        expect((yield* listTmp(root)).filter((name) => !name.startsWith("scratch-"))).toEqual([])
      })
    )
  )

  it.effect("a flipped byte: verify Corrupt, ensureIntact ObjectCorrupt, lookup Miss ObjectCorrupt, dataPath fails", () =>
    withStore(() =>
      Effect.gen(function* () {
        const objects = yield* ObjectStore
        const catalog = yield* ArtifactCatalog
        const cache = yield* ActionCache
        const { entry, artifactId, digest, objectFile } = yield* publishAction
        expect((yield* cache.lookup(entry.key))._tag).toBe("Hit")
        // Prime the stat cache: the flip must still be noticed through it.
        expect((yield* objects.verify(digest, { trustStatCache: true }))._tag).toBe("Intact")
        yield* flipFirstByte(objectFile)

        for (const trustStatCache of [true, false]) {
          const result = yield* objects.verify(digest, { trustStatCache })
          expect(result._tag).toBe("Corrupt")
          expect(result._tag === "Corrupt" && result.actual).not.toBe(digest)
        }
        expect(yield* Effect.flip(objects.ensureIntact(digest))).toMatchObject({ _tag: "ObjectCorrupt", digest })
        expect(yield* cache.lookup(entry.key)).toEqual({
          _tag: "Miss",
          reason: { _tag: "ObjectCorrupt", output: "trades", digest }
        })
        expect(yield* Effect.flip(catalog.dataPath(artifactId))).toMatchObject({ _tag: "ObjectCorrupt", digest })

        // Putting the good bytes again repairs the object; the entry is a hit again.
        yield* objects.putBytes(new TextEncoder().encode("trade rows\n"))
        expect(yield* objects.verify(digest)).toEqual({ _tag: "Intact", digest })
        expect((yield* cache.lookup(entry.key))._tag).toBe("Hit")
      })
    )
  )

  it.effect("a deleted object: verify Missing, ensureIntact/dataPath ObjectNotFound, lookup Miss ObjectMissing", () =>
    withStore(() =>
      Effect.gen(function* () {
        const objects = yield* ObjectStore
        const catalog = yield* ArtifactCatalog
        const cache = yield* ActionCache
        const { entry, artifactId, digest, objectFile } = yield* publishAction
        yield* Effect.promise(() => fs.unlink(objectFile))
        expect(yield* objects.verify(digest, { trustStatCache: true })).toEqual({ _tag: "Missing", digest })
        expect(yield* Effect.flip(objects.ensureIntact(digest))).toMatchObject({ _tag: "ObjectNotFound", digest })
        expect(yield* Effect.flip(catalog.dataPath(artifactId))).toMatchObject({ _tag: "ObjectNotFound", digest })
        expect(yield* cache.lookup(entry.key)).toEqual({
          _tag: "Miss",
          reason: { _tag: "ObjectMissing", output: "trades", digest }
        })
      })
    )
  )

  it.effect("a symlinked object is absent (never followed); a put of its bytes replaces the link, the target untouched", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const objects = yield* ObjectStore
        const cache = yield* ActionCache
        const { entry, digest, objectFile } = yield* publishAction
        const outside = path.join(path.dirname(root), "outside")
        const bytes = yield* objects.read(digest)
        yield* Effect.promise(async () => {
          await fs.writeFile(outside, bytes, { mode: 0o644 })
          await fs.chmod(outside, 0o644)
          await fs.unlink(objectFile)
          await fs.symlink(outside, objectFile)
        })
        expect(yield* objects.verify(digest, { trustStatCache: true })).toEqual({ _tag: "Missing", digest })
        expect(yield* objects.verify(digest)).toEqual({ _tag: "Missing", digest })
        expect(yield* objects.has(digest)).toBe(false)
        expect(yield* Effect.flip(objects.path(digest))).toMatchObject({ _tag: "ObjectNotFound", digest })
        expect(yield* Effect.flip(objects.read(digest))).toMatchObject({ _tag: "ObjectNotFound", digest })
        expect((yield* objects.list()).map((o) => o.digest)).not.toContain(digest)
        expect(yield* cache.lookup(entry.key)).toEqual({ _tag: "Miss", reason: { _tag: "ObjectMissing", output: "trades", digest } })

        yield* objects.putBytes(bytes)
        const after = yield* Effect.promise(() => fs.lstat(objectFile))
        expect(after.isFile()).toBe(true)
        expect(after.mode & 0o777).toBe(0o444)
        expect((yield* Effect.promise(() => fs.stat(outside))).mode & 0o777).toBe(0o644)
        expect(yield* objects.verify(digest)).toEqual({ _tag: "Intact", digest })
        expect((yield* cache.lookup(entry.key))._tag).toBe("Hit")
      })
    )
  )

  it.effect("malformed records: a manifest fails RecordDecodeError naming its path; an entry is a Miss EntryMalformed", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const catalog = yield* ArtifactCatalog
        const cache = yield* ActionCache
        const layout = makeLayout(root)
        const { entry, artifactId } = yield* publishAction
        const manifestPath = layout.manifestPath(artifactId)
        yield* Effect.promise(() => fs.writeFile(manifestPath, '{"artifactId": "art_nope"}'))
        expect(yield* Effect.flip(catalog.get(artifactId))).toMatchObject({ _tag: "RecordDecodeError", path: manifestPath })
        const looked = yield* cache.lookup(entry.key)
        expect(looked._tag === "Miss" && looked.reason._tag).toBe("EntryMalformed")

        const actionPath = layout.actionPath(entry.key)
        yield* Effect.promise(() => fs.writeFile(actionPath, "{ not json"))
        const miss = yield* cache.lookup(entry.key)
        expect(miss._tag === "Miss" && miss.reason._tag).toBe("EntryMalformed")
        expect(yield* Effect.flip(cache.get(entry.key))).toMatchObject({ _tag: "RecordDecodeError", path: actionPath })
      })
    )
  )

  it.effect("a dangling index marker (manifest gone) is skipped by list", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const catalog = yield* ArtifactCatalog
        const layout = makeLayout(root)
        const a = yield* catalog.publish(requestFor(yield* stage("a"), { type: "candles", logicalKey: "a" }))
        const b = yield* catalog.publish(requestFor(yield* stage("b"), { type: "candles", logicalKey: "b" }))
        yield* Effect.promise(() => fs.unlink(layout.manifestPath(a.artifactId)))
        expect((yield* catalog.list({ type: "candles" })).map((m) => m.artifactId)).toEqual([b.artifactId])
      })
    )
  )

  it.effect("filesystem failures surface as StoreIOError with the errno code", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir("store-errno-")
        const blocker = path.join(dir, "file")
        yield* Effect.promise(() => fs.writeFile(blocker, "not a directory"))
        const error = yield* Effect.flip(Effect.provide(ObjectStore, StoreLive.layer(path.join(blocker, "store"))))
        expect(error).toMatchObject({ _tag: "StoreIOError", operation: "mkdir", reason: "ENOTDIR" })
      })
    )
  )

  it.effect("an identity pointer that already says the same is not rewritten (same file); a new key replaces it", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const cache = yield* ActionCache
        const first = yield* entryWithOutputs("simulate", { trades: "first\n" })
        const second = yield* entryWithOutputs("simulate-changed", { trades: "second\n" })
        expect(second.key).not.toBe(first.key)
        const identity = "experiment pointer / simulate"
        yield* cache.rememberIdentity({ identity, key: first.key, material: first.material })
        const [file] = yield* Effect.promise(() => fs.readdir(path.join(root, "actions", "identity")))
        const pointerFile = path.join(root, "actions", "identity", file!)
        const written = yield* Effect.promise(() => fs.stat(pointerFile))
        yield* cache.rememberIdentity({ identity, key: first.key, material: first.material })
        // A replacement would be a new file renamed over it: another inode.
        expect((yield* Effect.promise(() => fs.stat(pointerFile))).ino).toBe(written.ino)
        yield* cache.rememberIdentity({ identity, key: second.key, material: second.material })
        expect((yield* Effect.promise(() => fs.stat(pointerFile))).ino).not.toBe(written.ino)
        expect(yield* cache.lastForIdentity(identity)).toEqual({ identity, key: second.key, material: second.material })
      })
    )
  )

  it.effect("writeOnce keeps the first writer (also under 16 concurrent writers); writeAtomic replaces", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = yield* tempDir("store-write-")
        const layout = makeLayout(root)
        yield* Effect.promise(() => fs.mkdir(layout.tmp, { recursive: true }))
        const dest = path.join(root, "records", "r.json")
        expect(yield* writeOnce(layout, dest, "first")).toBe("written")
        expect(yield* writeOnce(layout, dest, "second")).toBe("exists")
        expect(yield* Effect.promise(() => fs.readFile(dest, "utf8"))).toBe("first")

        const raced = path.join(root, "records", "raced.json")
        const outcomes = yield* Effect.forEach(
          Array.from({ length: 16 }, (_, i) => i),
          (i) => writeOnce(layout, raced, `writer ${i}`),
          { concurrency: "unbounded" }
        )
        expect(outcomes.filter((o) => o === "written")).toHaveLength(1)
        const winner = outcomes.indexOf("written")
        expect(yield* Effect.promise(() => fs.readFile(raced, "utf8"))).toBe(`writer ${winner}`)

        yield* writeAtomic(layout, dest, "replaced")
        expect(yield* Effect.promise(() => fs.readFile(dest, "utf8"))).toBe("replaced")
        expect(yield* Effect.promise(() => fs.readdir(layout.tmp))).toEqual([])
      })
    )
  )
})
