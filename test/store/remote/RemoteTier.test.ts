/**
 * The remote tier over memory stores and the in-memory RemoteStorage: upload order, read-through
 * with verification (here with `download: "all"`, every object at the hit; the default `outputs`
 * is RemoteLazy.test.ts), read-only mode, an interrupted upload, hostile keys.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, type Scope } from "effect"
import { ActionCache } from "../../../store/ActionCache.js"
import { ArtifactCatalog } from "../../../store/ArtifactCatalog.js"
import { hexOf } from "../../../store/Digest.js"
import { ObjectStore } from "../../../store/ObjectStore.js"
import { StoreMemory } from "../../../store/StoreLive.js"
import {
  actionKey,
  makeMemoryRemote,
  manifestKey,
  objectKey,
  parseS3Url,
  RemoteEvents,
  RemoteStorage,
  remoteStorageMemory,
  RemoteTransfer,
  type RemoteDownload,
  type RemoteMode,
  type RemoteWarning,
  withRemoteTier
} from "../../../store/remote/index.js"
import { entryWithOutputs } from "../suites/actionCacheSuite.js"

type Services = ActionCache | ArtifactCatalog | ObjectStore | RemoteTransfer

/**
 * A fake remote (in memory) and stores over it: each `run` is a fresh, empty memory store in `mode`
 * over the one remote, downloading what `download` says; the warnings of every run collect in `warnings`.
 */
const fakeRemote = (download: RemoteDownload = "all") => {
  const remote = makeMemoryRemote()
  const warnings: Array<RemoteWarning> = []
  const events = Layer.merge(remoteStorageMemory(remote), RemoteEvents.layer((w) => warnings.push(w)))
  const run = <A, E>(mode: RemoteMode, effect: Effect.Effect<A, E, Services | Scope.Scope>) =>
    effect.pipe(Effect.scoped, Effect.provide(withRemoteTier(StoreMemory.layer, events, mode, { download })))
  return {
    remote,
    warnings,
    run,
    /** A node's entry with `outputs` (name → bytes), put by a read-write store: so uploaded. */
    putEntry: (outputs: Record<string, string>) =>
      run(
        "read-write",
        Effect.gen(function* () {
          const entry = yield* entryWithOutputs("simulate", outputs)
          yield* (yield* ActionCache).put(entry)
          return entry
        })
      ),
    /** A laptop-side check: a second, empty store reads `key` through the remote. */
    lookupElsewhere: (key: Parameters<ActionCache["Type"]["lookup"]>[0]) =>
      run(
        "read",
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const found = yield* cache.lookup(key)
          const local = yield* cache.get(key)
          const objects = yield* ObjectStore
          return { found, local, objectCount: (yield* objects.list()).length }
        })
      )
  }
}

describe("remote tier", () => {
  it.effect("put uploads objects, verifies them (HEAD), then manifests, then the entry last", () =>
    Effect.gen(function* () {
      const { lookupElsewhere, putEntry, remote, warnings } = fakeRemote()
      const entry = yield* putEntry({ trades: "t-bytes", equity: "e-bytes" })
      const puts = remote.log.filter((line) => line.startsWith("put "))
      const entryKey = `put ${yield* actionKey(entry.key)}`
      expect(puts[puts.length - 1]).toBe(entryKey)
      const lastObject = Math.max(...puts.map((line, i) => (line.startsWith("put cas/") ? i : -1)))
      const firstManifest = puts.findIndex((line) => line.startsWith("put artifacts/"))
      expect(puts.filter((line) => line.startsWith("put cas/"))).toHaveLength(2)
      expect(puts.filter((line) => line.startsWith("put artifacts/"))).toHaveLength(2)
      expect(lastObject).toBeLessThan(firstManifest)
      // Every object is HEAD-checked after its put and before any manifest is written.
      for (const output of Object.values(entry.outputs)) {
        const key = yield* objectKey(output.digest)
        const putAt = remote.log.indexOf(`put ${key}`)
        const verifiedAt = remote.log.indexOf(`head ${key}`, putAt)
        expect(verifiedAt).toBeGreaterThan(putAt)
        expect(verifiedAt).toBeLessThan(remote.log.indexOf(`put ${yield* manifestKey(output.artifactId)}`))
      }

      // An empty store elsewhere hits, downloads the outputs, and writes nothing to the remote.
      const before = remote.log.filter((line) => line.startsWith("put ")).length
      const elsewhere = yield* lookupElsewhere(entry.key)
      expect(elsewhere.found).toEqual({ _tag: "Hit", entry })
      expect(elsewhere.local).toEqual(entry)
      expect(elsewhere.objectCount).toBe(2)
      expect(warnings).toEqual([])
      expect(remote.log.filter((line) => line.startsWith("put ")).length).toBe(before)
    }))

  it.effect("a corrupted remote object is a miss with a warning, and nothing of it lands locally", () =>
    Effect.gen(function* () {
      const { lookupElsewhere, putEntry, remote, warnings } = fakeRemote()
      const entry = yield* putEntry({ trades: "t-bytes" })
      const key = yield* objectKey(entry.outputs.trades.digest)
      const bytes = remote.objects.get(key)!
      bytes[0] ^= 0xff
      const elsewhere = yield* lookupElsewhere(entry.key)
      expect(elsewhere.found._tag).toBe("Miss")
      expect(elsewhere.local).toBeUndefined()
      expect(elsewhere.objectCount).toBe(0)
      expect(warnings).toHaveLength(1)
      expect(warnings[0].kind).toBe("corrupt")
      expect(warnings[0].subject).toBe(key)
    }))

  it.effect("in read-write mode a node recomputed over a corrupt remote object uploads the object again", () =>
    Effect.gen(function* () {
      const { putEntry, remote, run, warnings } = fakeRemote()
      const entry = yield* putEntry({ trades: "t-bytes" })
      const key = yield* objectKey(entry.outputs.trades.digest)
      remote.objects.set(key, new TextEncoder().encode("garbage"))
      yield* run(
        "read-write",
        Effect.gen(function* () {
          const cache = yield* ActionCache
          expect((yield* cache.lookup(entry.key))._tag).toBe("Miss")
          // The node recomputes (same bytes) and puts its entry.
          yield* cache.put(yield* entryWithOutputs("simulate", { trades: "t-bytes" }))
        })
      )
      expect(warnings.map((w) => w.kind)).toEqual(["corrupt"])
      expect(new TextDecoder().decode(remote.objects.get(key))).toBe("t-bytes")
    }))

  it.effect("a manifest altered on the remote (another object's digest) is a miss with a warning", () =>
    Effect.gen(function* () {
      const { lookupElsewhere, putEntry, remote, warnings } = fakeRemote()
      const entry = yield* putEntry({ trades: "t-bytes", equity: "e-bytes" })
      const mKey = yield* manifestKey(entry.outputs.trades.artifactId)
      const text = new TextDecoder().decode(remote.objects.get(mKey)!)
      remote.objects.set(mKey, new TextEncoder().encode(text.replace(hexOf(entry.outputs.trades.digest), hexOf(entry.outputs.equity.digest))))
      const elsewhere = yield* lookupElsewhere(entry.key)
      expect(elsewhere.found._tag).toBe("Miss")
      expect(elsewhere.local).toBeUndefined()
      expect(warnings.map((w) => [w.kind, w.subject])).toEqual([["corrupt", mKey]])
    }))

  it.effect("read-only mode writes nothing to the remote (put stays local; push fails)", () =>
    Effect.gen(function* () {
      const { remote, run } = fakeRemote()
      const result = yield* run(
        "read",
        Effect.gen(function* () {
          const entry = yield* entryWithOutputs("simulate", { trades: "t-bytes" })
          const cache = yield* ActionCache
          yield* cache.put(entry)
          const push = yield* Effect.flip((yield* RemoteTransfer).push())
          return { local: yield* cache.lookup(entry.key), push }
        })
      )
      expect(result.local._tag).toBe("Hit")
      expect(result.push._tag).toBe("RemoteReadOnly")
      expect(remote.log.filter((line) => line.startsWith("put "))).toEqual([])
      expect(remote.objects.size).toBe(0)
    }))

  it.effect("an upload that fails on an object writes no manifest or entry; the run's local put stands", () =>
    Effect.gen(function* () {
      const { remote, run, warnings } = fakeRemote()
      remote.failWhen = (operation, key) => operation === "put" && key.startsWith("cas/")
      const entry = yield* run(
        "read-write",
        Effect.gen(function* () {
          const entry = yield* entryWithOutputs("simulate", { trades: "t-bytes" })
          const cache = yield* ActionCache
          yield* cache.put(entry)
          expect((yield* cache.lookup(entry.key))._tag).toBe("Hit")
          return entry
        })
      )
      expect([...remote.objects.keys()]).toEqual([])
      expect(warnings.map((w) => w.kind)).toEqual(["incomplete"])
      // Pushing later, with the remote back, completes it.
      remote.failWhen = undefined
      const summary = yield* run("read-write", Effect.gen(function* () {
        const cache = yield* ActionCache
        // A fresh memory store: republish the same outputs, then push.
        const again = yield* entryWithOutputs("simulate", { trades: "t-bytes" })
        yield* cache.put(again)
        return yield* (yield* RemoteTransfer).push()
      }))
      expect(summary.failed).toBe(0)
      expect(remote.objects.has(yield* actionKey(entry.key))).toBe(true)
    }))

  it.effect("an object being uploaded (write-behind) is not sent again by a push of the same artifacts at the same time", () =>
    Effect.gen(function* () {
      const remote = makeMemoryRemote()
      // Object puts wait at a gate: the write-behind upload is in flight when the push starts.
      const gate = yield* Deferred.make<void>()
      const gated = Layer.succeed(RemoteStorage, {
        ...remote,
        put: (key: string, bytes: Uint8Array) =>
          key.startsWith("cas/") ? Effect.zipRight(Deferred.await(gate), remote.put(key, bytes)) : remote.put(key, bytes)
      })
      const events = Layer.merge(gated, RemoteEvents.layer(() => undefined))
      const entry = yield* Effect.gen(function* () {
        const entry = yield* entryWithOutputs("simulate", { trades: "t-bytes" })
        yield* (yield* ActionCache).put(entry)
        const push = yield* Effect.fork((yield* RemoteTransfer).pushArtifacts([entry.outputs.trades!.artifactId]))
        // Both uploads get as far as they can before the gate opens.
        for (let i = 0; i < 50; i++) yield* Effect.yieldNow()
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(push)
        return entry
      }).pipe(Effect.scoped, Effect.provide(withRemoteTier(StoreMemory.layer, events, "read-write")))
      const objectPut = `put ${yield* objectKey(entry.outputs.trades!.digest)}`
      expect(remote.log.filter((line) => line === objectPut)).toHaveLength(1)
      // The write-behind upload still finished with its entry.
      expect(remote.objects.has(yield* actionKey(entry.key))).toBe(true)
    }))

  it.effect("hostile digests and ids never become keys", () =>
    Effect.gen(function* () {
      for (const bad of ["blake3:../../etc/passwd", "blake3:" + "a".repeat(63) + "/", "../x", "blake3:" + "A".repeat(64)]) {
        expect((yield* Effect.flip(objectKey(bad)))._tag).toBe("InvalidRemoteKey")
        expect((yield* Effect.flip(actionKey(bad)))._tag).toBe("InvalidRemoteKey")
      }
      expect((yield* Effect.flip(manifestKey("art_../../x")))._tag).toBe("InvalidRemoteKey")
      expect(yield* objectKey("blake3:" + "a".repeat(64))).toBe("cas/" + "a".repeat(64))
    }))

  it.effect("a remote URL is s3://bucket[/prefix] with plain prefix segments", () =>
    Effect.gen(function* () {
      expect(yield* parseS3Url("s3://team-bucket/pipeline/ci/")).toEqual({ bucket: "team-bucket", prefix: "pipeline/ci" })
      expect(yield* parseS3Url("s3://team-bucket")).toEqual({ bucket: "team-bucket", prefix: "" })
      for (const bad of ["s3://b/../x", "s3://bucket/a//b", "s3://bucket/a/./b", "http://bucket/p", "s3://Bad_Bucket/p", "s3://bucket/a b"]) {
        expect((yield* Effect.flip(parseS3Url(bad)))._tag, bad).toBe("InvalidRemoteUrl")
      }
    }))
})
