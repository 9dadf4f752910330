/**
 * Remote hits without the bytes (`download: "outputs"`, the default) over memory stores and the
 * in-memory RemoteStorage: a hit records the lineage's manifests and promises of their objects,
 * downloads nothing; a read brings one object (verified); a corrupt remote object fails that read
 * with ObjectNotFound naming it and a warning, stores nothing and is no longer promised;
 * `download: "all"` and `pull` complete a remote-backed hit. Catalog `record`'s own rules too.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, type Scope } from "effect"
import * as fs from "node:fs/promises"
import { ActionCache, type ActionEntry } from "../../../store/ActionCache.js"
import { ArtifactCatalog, type ArtifactManifest } from "../../../store/ArtifactCatalog.js"
import { canonicalDigest } from "../../../store/Canonical.js"
import { ObjectStore } from "../../../store/ObjectStore.js"
import { StoreMemory } from "../../../store/StoreLive.js"
import {
  makeMemoryRemote,
  objectKey,
  RemoteEvents,
  type RemoteDownload,
  type RemoteMode,
  remoteStorageMemory,
  RemoteTransfer,
  type RemoteWarning,
  withRemoteTier
} from "../../../store/remote/index.js"
import { requestFor, stage } from "../suites/support.js"

type Services = ActionCache | ArtifactCatalog | ObjectStore | RemoteTransfer

const setup = () => {
  const remote = makeMemoryRemote()
  const warnings: Array<RemoteWarning> = []
  const events = Layer.merge(remoteStorageMemory(remote), RemoteEvents.layer((w) => warnings.push(w)))
  /** A fresh, empty memory store over the one remote. */
  const run = <A, E>(mode: RemoteMode, effect: Effect.Effect<A, E, Services | Scope.Scope>, download?: RemoteDownload) =>
    effect.pipe(
      Effect.scoped,
      Effect.provide(withRemoteTier(StoreMemory.layer, events, mode, download === undefined ? {} : { download }))
    )
  return { remote, warnings, run }
}

/** candles → trades (trades' input is the candles): an entry whose output has a lineage. */
const publishChain = Effect.gen(function* () {
  const catalog = yield* ArtifactCatalog
  const candles = yield* catalog.publish(
    requestFor(yield* stage("candle-bytes"), { type: "ohlcv", logicalKey: "synthetic/ohlcv", producedBy: { node: "synthetic", key: "blake3:k" } })
  )
  const trades = yield* catalog.publish(requestFor(yield* stage("trade-bytes"), { inputs: [candles.artifactId] }))
  const material = { node: "simulate", nodeVersion: 1, config: {}, seed: 1, inputs: [candles.digest] }
  const key = yield* canonicalDigest(material)
  const entry: ActionEntry = {
    key,
    node: "simulate",
    material,
    outputs: { trades: { artifactId: trades.artifactId, digest: trades.digest } },
    ranAt: "2026-12-03T00:00:00.000Z",
    durationMs: 1
  }
  yield* (yield* ActionCache).put(entry)
  return { candles, trades, entry }
})

const stored = Effect.flatMap(ObjectStore, (objects) => Effect.map(objects.list(), (list) => list.map((o) => o.digest).sort()))

describe("remote hits without the bytes", () => {
  it.effect("a hit records the lineage's manifests and downloads no object; a read brings that one object, verified", () =>
    Effect.gen(function* () {
      const { remote, run, warnings } = setup()
      const { candles, entry, trades } = yield* run("read-write", publishChain)
      yield* run(
        "read",
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const catalog = yield* ArtifactCatalog
          const objects = yield* ObjectStore
          expect(yield* cache.lookup(entry.key)).toEqual({ _tag: "Hit", entry })
          expect(yield* stored).toEqual([])
          expect((yield* catalog.get(candles.artifactId)).digest).toBe(candles.digest)
          expect(yield* objects.promisedBy(candles.digest)).toBe(remote.location)
          expect(yield* objects.promisedBy(trades.digest)).toBe(remote.location)
          // verify and has answer for the local copy only.
          expect((yield* objects.verify(trades.digest))._tag).toBe("Missing")
          expect(yield* objects.has(trades.digest)).toBe(false)
          // The local cache alone (no tier) hits too: the output is remote-backed, not lost.
          expect((yield* cache.lookup(entry.key))._tag).toBe("Hit")

          const path = yield* catalog.dataPath(trades.artifactId)
          expect(yield* Effect.promise(() => fs.readFile(path, "utf8"))).toBe("trade-bytes")
          expect(yield* stored).toEqual([trades.digest])
          expect(new TextDecoder().decode(yield* objects.read(candles.digest))).toBe("candle-bytes")
          expect(yield* stored).toEqual([candles.digest, trades.digest].sort())
        })
      )
      expect(warnings).toEqual([])
    }))

  it.effect("a corrupt remote object fails its read with ObjectNotFound naming it and a warning; nothing is stored and it is no longer promised", () =>
    Effect.gen(function* () {
      const { remote, run, warnings } = setup()
      const { candles, entry } = yield* run("read-write", publishChain)
      const key = yield* objectKey(candles.digest)
      remote.objects.set(key, new TextEncoder().encode("not the candles"))
      yield* run(
        "read",
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const catalog = yield* ArtifactCatalog
          const objects = yield* ObjectStore
          expect((yield* cache.lookup(entry.key))._tag).toBe("Hit")
          const read = yield* Effect.either(catalog.dataPath(candles.artifactId))
          expect(Either.isLeft(read) && read.left._tag).toBe("ObjectNotFound")
          if (Either.isLeft(read) && read.left._tag === "ObjectNotFound") {
            expect(read.left.digest).toBe(candles.digest)
            expect(read.left.message).toMatch(/corrupt/)
          }
          expect(yield* stored).toEqual([])
          expect(yield* objects.promisedBy(candles.digest)).toBeUndefined()
        })
      )
      expect(warnings.map((w) => [w.kind, w.subject])).toEqual([["corrupt", key]])
    }))

  it.effect("download all brings every object of the hit's lineage", () =>
    Effect.gen(function* () {
      const { run, warnings } = setup()
      const { candles, entry, trades } = yield* run("read-write", publishChain)
      yield* run(
        "read",
        Effect.gen(function* () {
          expect((yield* (yield* ActionCache).lookup(entry.key))._tag).toBe("Hit")
          expect(yield* stored).toEqual([candles.digest, trades.digest].sort())
        }),
        "all"
      )
      expect(warnings).toEqual([])
    }))

  it.effect("pull completes a remote-backed hit: its lineage's objects come down", () =>
    Effect.gen(function* () {
      const { run, warnings } = setup()
      const { candles, entry, trades } = yield* run("read-write", publishChain)
      yield* run(
        "read",
        Effect.gen(function* () {
          expect((yield* (yield* ActionCache).lookup(entry.key))._tag).toBe("Hit")
          expect(yield* stored).toEqual([])
          const transfer = yield* RemoteTransfer
          expect(yield* transfer.pull([entry.key])).toEqual({ fetched: 1, local: 0, missing: 0 })
          expect(yield* stored).toEqual([candles.digest, trades.digest].sort())
          expect(yield* transfer.pull([entry.key])).toEqual({ fetched: 0, local: 1, missing: 0 })
        })
      )
      expect(warnings).toEqual([])
    }))

  it.effect("record takes a manifest that hashes to its id, with its inputs on record and its object stored or promised", () =>
    Effect.gen(function* () {
      const { trades, candles } = yield* publishChain
      const elsewhere = yield* Effect.gen(function* () {
        const catalog = yield* ArtifactCatalog
        const objects = yield* ObjectStore
        const noObject = yield* Effect.either(catalog.record(candles))
        expect(Either.isLeft(noObject) && noObject.left._tag).toBe("ObjectNotFound")
        yield* objects.promise(candles.digest, "memory://there")
        const tampered: ArtifactManifest = { ...candles, logicalKey: "synthetic/other" }
        const mismatch = yield* Effect.either(catalog.record(tampered))
        expect(Either.isLeft(mismatch) && mismatch.left._tag).toBe("ArtifactNotFound")
        yield* objects.promise(trades.digest, "memory://there")
        const inputFirst = yield* Effect.either(catalog.record(trades))
        expect(Either.isLeft(inputFirst) && inputFirst.left._tag).toBe("ArtifactNotFound")
        yield* catalog.record(candles)
        yield* catalog.record(trades)
        expect((yield* catalog.lineage(trades.artifactId)).nodes.map((m) => m.artifactId).sort()).toEqual(
          [candles.artifactId, trades.artifactId].sort()
        )
        const path = yield* Effect.either(catalog.dataPath(trades.artifactId))
        expect(Either.isLeft(path) && path.left.message).toMatch(/on the remote memory:\/\/there .*pipeline pull/)
        return (yield* objects.list()).length
      }).pipe(Effect.provide(StoreMemory.layer))
      expect(elsewhere).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(StoreMemory.layer)))
})
