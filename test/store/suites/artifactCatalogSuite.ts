/**
 * The ArtifactCatalog contract, run against every backend (memory, filesystem and PostgreSQL).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Scope, TestClock } from "effect"
import * as fs from "node:fs/promises"
import { type ArtifactId, ArtifactCatalog, type PublishRequest } from "../../../store/ArtifactCatalog.js"
import { canonicalDigest } from "../../../store/Canonical.js"
import { hexOf } from "../../../store/Digest.js"
import { ObjectStore } from "../../../store/ObjectStore.js"
import { type MakeStore, requestFor, stage, type StoreUnderTest } from "./support.js"

export const artifactCatalogSuite = (name: string, makeStore: MakeStore) =>
  describe(`ArtifactCatalog contract (${name})`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, StoreUnderTest | Scope.Scope>) =>
      effect.pipe(Effect.scoped, Effect.provide(makeStore()))

    /** Publishes `content` with the request fields given. */
    const publish = (content: string, overrides: Partial<PublishRequest> = {}) =>
      Effect.gen(function* () {
        const catalog = yield* ArtifactCatalog
        return yield* catalog.publish(requestFor(yield* stage(content), overrides))
      })

    it.effect("publish writes the object then a manifest with every field; get and dataPath read it back", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const objects = yield* ObjectStore
          yield* TestClock.adjust("90 minutes")
          const manifest = yield* publish("ts,price\n1,2\n", {
            rowCount: 1,
            minTs: "2023-03-01T00:00:00.000000Z",
            maxTs: "2023-03-01T00:00:00.000000Z",
            tags: ["baseline"],
            metadata: { quality: { gaps: 0 } }
          })
          expect(manifest.artifactId).toMatch(/^art_[0-9a-f]{64}$/)
          expect(manifest).toMatchObject({
            type: "trades",
            schemaVersion: 1,
            logicalKey: "experiment/a/trades",
            bytes: 13,
            rowCount: 1,
            inputs: [],
            status: "active",
            tags: ["baseline"],
            createdAt: "1970-01-01T01:30:00.000Z",
            metadata: { quality: { gaps: 0 } }
          })
          expect(yield* objects.has(manifest.digest)).toBe(true)
          expect(yield* catalog.get(manifest.artifactId)).toEqual(manifest)
          const data = yield* catalog.dataPath(manifest.artifactId)
          expect(yield* Effect.promise(() => fs.readFile(data, "utf8"))).toBe("ts,price\n1,2\n")
        })
      )
    )

    it.effect("record takes a manifest made elsewhere without its object: inputs first, object stored or promised, hashing to its id", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const objects = yield* ObjectStore
          const candles = yield* publish("candles", { type: "ohlcv", logicalKey: "synthetic/ohlcv" })
          const trades = yield* publish("trades", { inputs: [candles.artifactId] })
          // As if made elsewhere: neither manifest nor object here any more.
          for (const manifest of [trades, candles]) {
            yield* catalog.remove(manifest.artifactId)
            yield* objects.remove(manifest.digest)
          }
          const unbacked = yield* Effect.flip(catalog.record(candles))
          expect(unbacked._tag).toBe("ObjectNotFound")
          yield* objects.promise(candles.digest, "s3://team/p")
          yield* objects.promise(trades.digest, "s3://team/p")
          const inputFirst = yield* Effect.flip(catalog.record(trades))
          expect(inputFirst._tag === "ArtifactNotFound" && inputFirst.artifactId).toBe(candles.artifactId)
          const tampered = yield* Effect.flip(catalog.record({ ...candles, logicalKey: "synthetic/other" }))
          expect(tampered._tag).toBe("ArtifactNotFound")
          expect(yield* catalog.record(candles)).toEqual(candles)
          expect(yield* catalog.record(trades)).toEqual(trades)
          expect(yield* catalog.record(trades)).toEqual(trades) // idempotent
          expect(yield* catalog.get(trades.artifactId)).toEqual(trades)
          expect((yield* catalog.list({ type: "ohlcv" })).map((m) => m.artifactId)).toEqual([candles.artifactId])
          expect((yield* catalog.downstream(candles.artifactId)).nodes.map((m) => m.artifactId)).toContain(trades.artifactId)
          const notHere = yield* Effect.flip(catalog.dataPath(trades.artifactId))
          expect(notHere._tag).toBe("ObjectNotFound")
          expect(notHere.message).toMatch(/on the remote s3:\/\/team\/p .*--remote s3:\/\/team\/p/)
        })
      )
    )

    it.effect("artifactId = art_ + hex(canonicalDigest({digest, type, schemaVersion, logicalKey, sorted inputs}))", () =>
      run(
        Effect.gen(function* () {
          const a = yield* publish("input a", { logicalKey: "a" })
          const b = yield* publish("input b", { logicalKey: "b" })
          const c = yield* publish("output", { logicalKey: "c", inputs: [b.artifactId, a.artifactId] })
          const expected = yield* canonicalDigest({
            digest: c.digest,
            type: "trades",
            schemaVersion: 1,
            logicalKey: "c",
            inputs: [a.artifactId, b.artifactId].sort()
          })
          expect(c.artifactId).toBe(`art_${hexOf(expected)}`)
          expect(c.inputs).toEqual([a.artifactId, b.artifactId].sort())
        })
      )
    )

    it.effect("publishing the same thing twice returns the first manifest (idempotent, createdAt kept)", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const first = yield* publish("same")
          yield* TestClock.adjust("1 hour")
          const second = yield* publish("same")
          expect(second).toEqual(first)
          expect(yield* catalog.list()).toHaveLength(1)
        })
      )
    )

    it.effect("same content under a different type, logicalKey, schemaVersion or inputs: distinct ids, one object", () =>
      run(
        Effect.gen(function* () {
          const objects = yield* ObjectStore
          const upstream = yield* publish("upstream", { type: "candles", logicalKey: "up" })
          const variants = [
            yield* publish(""),
            yield* publish("", { type: "equity" }),
            yield* publish("", { logicalKey: "experiment/b/trades" }),
            yield* publish("", { schemaVersion: 2 }),
            yield* publish("", { inputs: [upstream.artifactId] })
          ]
          const ids = new Set(variants.map((m) => m.artifactId))
          expect(ids.size).toBe(variants.length)
          expect(new Set(variants.map((m) => m.digest)).size).toBe(1)
          expect(yield* objects.list()).toHaveLength(2)
          // Input order does not matter; duplicates neither.
          const again = yield* publish("", { inputs: [upstream.artifactId, upstream.artifactId] })
          expect(again.artifactId).toBe(variants[4].artifactId)
        })
      )
    )

    it.effect("an unknown input id fails ArtifactNotFound naming it, and nothing is written", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const objects = yield* ObjectStore
          const known = yield* publish("known", { type: "candles" })
          const unknown = `art_${"ab".repeat(32)}` as ArtifactId
          const error = yield* Effect.flip(publish("orphan", { inputs: [known.artifactId, unknown] }))
          expect(error._tag).toBe("ArtifactNotFound")
          expect(error).toMatchObject({ artifactId: unknown })
          expect(yield* catalog.list()).toEqual([known])
          expect(yield* objects.list()).toHaveLength(1)
          expect((yield* catalog.downstream(known.artifactId)).nodes).toEqual([known])
        })
      )
    )

    it.effect("an invalid request (negative rowCount) fails before anything is written", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const objects = yield* ObjectStore
          const error = yield* Effect.flip(publish("bad", { rowCount: -1 }))
          expect(error._tag).toBe("RecordDecodeError")
          expect(yield* catalog.list()).toEqual([])
          expect(yield* objects.list()).toEqual([])
        })
      )
    )

    it.effect("get, resolve and dataPath of an unknown id fail ArtifactNotFound with the id", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const id = `art_${"cd".repeat(32)}` as ArtifactId
          const attempts: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
            catalog.get(id),
            catalog.resolve(id),
            catalog.dataPath(id),
            catalog.lineage(id),
            catalog.downstream(id)
          ]
          for (const attempt of attempts) {
            const error = yield* Effect.flip(attempt)
            expect(error).toMatchObject({ _tag: "ArtifactNotFound", artifactId: id })
          }
          const short = yield* Effect.flip(catalog.resolve("art_cdcd"))
          expect(short).toMatchObject({ _tag: "ArtifactNotFound", artifactId: "art_cdcd" })
        })
      )
    )

    it.effect("resolve accepts a full id or any unique prefix, with or without art_; a shared one is ambiguous", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const a = yield* publish("resolve me")
          const b = yield* publish("someone else")
          const hex = a.artifactId.slice(4)
          const other = b.artifactId.slice(4)
          let shared = 0
          while (hex[shared] === other[shared]) shared++
          // The shortest prefix that tells a from b, however short (often a single hex digit).
          const unique = hex.slice(0, shared + 1)
          expect((yield* catalog.resolve(a.artifactId)).artifactId).toBe(a.artifactId)
          expect((yield* catalog.resolve(`art_${unique}`)).artifactId).toBe(a.artifactId)
          expect((yield* catalog.resolve(unique.toUpperCase())).artifactId).toBe(a.artifactId)
          expect((yield* catalog.resolve(hex.slice(0, 12))).artifactId).toBe(a.artifactId)
          const ambiguous = yield* Effect.flip(catalog.resolve(`art_${hex.slice(0, shared)}`))
          expect(ambiguous).toMatchObject({
            _tag: "AmbiguousArtifactId",
            candidates: [a.artifactId, b.artifactId].sort()
          })
          // Not a prefix of any id: not hex, or longer than an id.
          expect((yield* Effect.flip(catalog.resolve(`art_${unique}z`)))._tag).toBe("ArtifactNotFound")
          expect((yield* Effect.flip(catalog.resolve(`${a.artifactId}0`)))._tag).toBe("ArtifactNotFound")
          expect((yield* Effect.flip(catalog.resolve("")))._tag).toBe("ArtifactNotFound")
        })
      )
    )

    it.effect("list filters by type, logicalKey prefix, status and tag, in (type, logicalKey, createdAt, id) order", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const c2 = yield* publish("c2", { type: "candles", logicalKey: "btc/2023-03" })
          yield* TestClock.adjust("1 minute")
          const t1 = yield* publish("t1", { type: "trades", logicalKey: "exp/a", tags: ["x"] })
          yield* TestClock.adjust("1 minute")
          const c1 = yield* publish("c1", { type: "candles", logicalKey: "btc/2023-02", tags: ["x", "y"] })
          yield* TestClock.adjust("1 minute")
          const c3 = yield* publish("c3", { type: "candles", logicalKey: "eth/2023-03" })
          yield* TestClock.adjust("1 minute")
          const c2later = yield* publish("c2 again", { type: "candles", logicalKey: "btc/2023-03" })
          const ids = (ms: ReadonlyArray<{ readonly artifactId: ArtifactId }>) => ms.map((m) => m.artifactId)

          expect(ids(yield* catalog.list())).toEqual(ids([c1, c2, c2later, c3, t1]))
          expect(ids(yield* catalog.list({ type: "candles" }))).toEqual(ids([c1, c2, c2later, c3]))
          expect(ids(yield* catalog.list({ type: "nothing" }))).toEqual([])
          expect(ids(yield* catalog.list({ logicalKeyPrefix: "btc/" }))).toEqual(ids([c1, c2, c2later]))
          expect(ids(yield* catalog.list({ type: "candles", logicalKeyPrefix: "btc/2023-03" }))).toEqual(ids([c2, c2later]))
          expect(ids(yield* catalog.list({ tag: "x" }))).toEqual(ids([c1, t1]))
          expect(ids(yield* catalog.list({ tag: "y", type: "candles" }))).toEqual(ids([c1]))
          yield* catalog.supersede(c2.artifactId, c2later.artifactId)
          expect(ids(yield* catalog.list({ status: "active", logicalKeyPrefix: "btc/2023-03" }))).toEqual(ids([c2later]))
          expect(ids(yield* catalog.list({ status: "superseded" }))).toEqual(ids([c2]))
        })
      )
    )

    it.effect("hostile type, logicalKey and tags (quotes, SQL, NUL, backslashes) round-trip and filter exactly", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const type = `t'; DROP TABLE pipeline_artifacts; --"`
          const logicalKey = `x'); DELETE FROM pipeline_actions; --\u0000\\$1 \u{1F600}`
          const tags = ["'", '"', "\u0000", "%", "_"]
          const hostile = yield* publish("hostile", { type, logicalKey, tags })
          const plain = yield* publish("plain", { type: "t", logicalKey: "x" })
          expect(yield* catalog.get(hostile.artifactId)).toMatchObject({ type, logicalKey, tags })
          const ids = (ms: ReadonlyArray<{ readonly artifactId: ArtifactId }>) => ms.map((m) => m.artifactId)
          expect(ids(yield* catalog.list({ type }))).toEqual([hostile.artifactId])
          expect(ids(yield* catalog.list({ logicalKeyPrefix: "x'" }))).toEqual([hostile.artifactId])
          expect(ids(yield* catalog.list({ tag: "\u0000" }))).toEqual([hostile.artifactId])
          expect(ids(yield* catalog.list({ tag: "%" }))).toEqual([hostile.artifactId])
          expect(ids(yield* catalog.list({ type: "t" }))).toEqual([plain.artifactId])
          expect(ids(yield* catalog.list())).toHaveLength(2)
        })
      )
    )

    it.effect("supersede and tombstone change only the status overlay", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const old = yield* publish("v1", { logicalKey: "k" })
          const next = yield* publish("v2", { logicalKey: "k" })
          yield* catalog.supersede(old.artifactId, next.artifactId)
          const superseded = yield* catalog.get(old.artifactId)
          expect(superseded).toEqual({ ...old, status: "superseded", supersededBy: next.artifactId })
          // A republish returns the current state, not a fresh "active" manifest.
          expect((yield* publish("v1", { logicalKey: "k" })).status).toBe("superseded")
          yield* catalog.tombstone(old.artifactId)
          expect(yield* catalog.get(old.artifactId)).toMatchObject({ status: "tombstoned", supersededBy: next.artifactId })
          // A tombstone is final.
          yield* catalog.supersede(old.artifactId)
          expect((yield* catalog.get(old.artifactId)).status).toBe("tombstoned")
          expect((yield* catalog.get(next.artifactId)).status).toBe("active")
          const missing = `art_${"ef".repeat(32)}` as ArtifactId
          expect(yield* Effect.flip(catalog.supersede(missing))).toMatchObject({ artifactId: missing })
          expect(yield* Effect.flip(catalog.supersede(next.artifactId, missing))).toMatchObject({ artifactId: missing })
          expect(yield* Effect.flip(catalog.tombstone(missing))).toMatchObject({ artifactId: missing })
        })
      )
    )

    it.effect("lineage and downstream on a 3-level chain, with depth", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const a = yield* publish("a", { type: "candles", logicalKey: "a" })
          const b = yield* publish("b", { type: "projection", logicalKey: "b", inputs: [a.artifactId] })
          const c = yield* publish("c", { type: "trades", logicalKey: "c", inputs: [b.artifactId] })
          const nodeIds = (g: { readonly nodes: ReadonlyArray<{ readonly artifactId: ArtifactId }> }) =>
            g.nodes.map((n) => n.artifactId)

          const full = yield* catalog.lineage(c.artifactId)
          expect(full.root).toBe(c.artifactId)
          expect(nodeIds(full)).toEqual([c.artifactId, b.artifactId, a.artifactId])
          expect(full.edges).toEqual([
            { from: c.artifactId, to: b.artifactId },
            { from: b.artifactId, to: a.artifactId }
          ])
          const one = yield* catalog.lineage(c.artifactId, { depth: 1 })
          expect(nodeIds(one)).toEqual([c.artifactId, b.artifactId])
          expect(one.edges).toEqual([{ from: c.artifactId, to: b.artifactId }])
          const none = yield* catalog.lineage(c.artifactId, { depth: 0 })
          expect(nodeIds(none)).toEqual([c.artifactId])
          expect(none.edges).toEqual([])

          const down = yield* catalog.downstream(a.artifactId)
          expect(nodeIds(down)).toEqual([a.artifactId, b.artifactId, c.artifactId])
          expect(down.edges).toEqual([
            { from: a.artifactId, to: b.artifactId },
            { from: b.artifactId, to: c.artifactId }
          ])
          const downOne = yield* catalog.downstream(a.artifactId, { depth: 1 })
          expect(nodeIds(downOne)).toEqual([a.artifactId, b.artifactId])
          expect((yield* catalog.downstream(c.artifactId)).edges).toEqual([])
        })
      )
    )

    it.effect("lineage and downstream on a diamond visit the shared node once", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const a = yield* publish("a", { type: "candles", logicalKey: "a" })
          const b = yield* publish("b", { type: "left", logicalKey: "b", inputs: [a.artifactId] })
          const c = yield* publish("c", { type: "right", logicalKey: "c", inputs: [a.artifactId] })
          const d = yield* publish("d", { type: "join", logicalKey: "d", inputs: [b.artifactId, c.artifactId] })
          const sortEdges = (edges: ReadonlyArray<{ readonly from: string; readonly to: string }>) =>
            [...edges].map((e) => `${e.from}>${e.to}`).sort()

          const up = yield* catalog.lineage(d.artifactId)
          expect(up.nodes.map((n) => n.artifactId).sort()).toEqual([a, b, c, d].map((m) => m.artifactId).sort())
          expect(up.nodes).toHaveLength(4)
          expect(sortEdges(up.edges)).toEqual(
            sortEdges([
              { from: d.artifactId, to: b.artifactId },
              { from: d.artifactId, to: c.artifactId },
              { from: b.artifactId, to: a.artifactId },
              { from: c.artifactId, to: a.artifactId }
            ])
          )
          const down = yield* catalog.downstream(a.artifactId)
          expect(down.nodes).toHaveLength(4)
          expect(sortEdges(down.edges)).toEqual(
            sortEdges([
              { from: a.artifactId, to: b.artifactId },
              { from: a.artifactId, to: c.artifactId },
              { from: b.artifactId, to: d.artifactId },
              { from: c.artifactId, to: d.artifactId }
            ])
          )
          const downOne = yield* catalog.downstream(a.artifactId, { depth: 1 })
          expect(downOne.nodes.map((n) => n.artifactId).sort()).toEqual([a, b, c].map((m) => m.artifactId).sort())
        })
      )
    )

    it.effect("remove drops the manifest and its index entries", () =>
      run(
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const a = yield* publish("a", { type: "candles", logicalKey: "a" })
          const b = yield* publish("b", { logicalKey: "b", inputs: [a.artifactId] })
          yield* catalog.remove(b.artifactId)
          expect((yield* Effect.flip(catalog.get(b.artifactId)))._tag).toBe("ArtifactNotFound")
          expect(yield* catalog.list({ type: "trades" })).toEqual([])
          expect((yield* catalog.downstream(a.artifactId)).nodes).toEqual([a])
        })
      )
    )
  })
