/**
 * The ActionCache contract, run against every backend (memory and filesystem).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import { type ActionEntry, ActionCache, type GroupEntry } from "../../../store/ActionCache.js"
import { ArtifactCatalog } from "../../../store/ArtifactCatalog.js"
import { canonicalDigest } from "../../../store/Canonical.js"
import type { Digest } from "../../../store/Digest.js"
import { ObjectStore } from "../../../store/ObjectStore.js"
import { type MakeStore, requestFor, stage, type StoreUnderTest } from "./support.js"

/** Publishes one artifact per output and returns an entry naming them. */
export const entryWithOutputs = (node: string, outputs: Record<string, string>) =>
  Effect.gen(function* () {
    const catalog = yield* ArtifactCatalog
    const material = { node, nodeVersion: 1, config: { stop: 0.1 }, seed: 42, inputs: [] }
    const key = yield* canonicalDigest(material)
    const refs: Record<string, { artifactId: (typeof ActionEntry.Type)["outputs"][string]["artifactId"]; digest: (typeof ActionEntry.Type)["outputs"][string]["digest"] }> = {}
    for (const [name, content] of Object.entries(outputs)) {
      const manifest = yield* catalog.publish(
        requestFor(yield* stage(content), { logicalKey: `${node}/${name}`, producedBy: { node, key } })
      )
      refs[name] = { artifactId: manifest.artifactId, digest: manifest.digest }
    }
    const entry: ActionEntry = { key, node, material, outputs: refs, ranAt: "2026-11-26T00:00:00.000Z", durationMs: 12 }
    return entry
  })

export const actionCacheSuite = (name: string, makeStore: MakeStore) =>
  describe(`ActionCache contract (${name})`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, StoreUnderTest | Scope.Scope>) =>
      effect.pipe(Effect.scoped, Effect.provide(makeStore()))

    it.effect("an unknown key is a Miss Absent; get returns undefined", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const key = yield* canonicalDigest({ node: "nothing" })
          expect(yield* cache.lookup(key)).toEqual({ _tag: "Miss", reason: { _tag: "Absent" } })
          expect(yield* cache.get(key)).toBeUndefined()
        })
      )
    )

    it.effect("put then lookup is a Hit carrying the entry and its material", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const entry = yield* entryWithOutputs("simulate", { trades: "t", equity: "e" })
          yield* cache.put(entry)
          expect(yield* cache.lookup(entry.key)).toEqual({ _tag: "Hit", entry })
          expect(yield* cache.get(entry.key)).toEqual(entry)
          expect(yield* cache.list()).toEqual([entry])
        })
      )
    )

    it.effect("put is write-once: a second put of the same key keeps the first entry", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const entry = yield* entryWithOutputs("simulate", { trades: "t" })
          yield* cache.put(entry)
          yield* cache.put({ ...entry, ranAt: "2030-01-01T00:00:00.000Z", durationMs: 99 })
          expect(yield* cache.get(entry.key)).toEqual(entry)
          expect(yield* cache.list()).toHaveLength(1)
        })
      )
    )

    it.effect("a missing output manifest is a Miss ArtifactMissing naming the output and id", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const catalog = yield* ArtifactCatalog
          const entry = yield* entryWithOutputs("simulate", { equity: "e", trades: "t" })
          yield* cache.put(entry)
          yield* catalog.remove(entry.outputs.trades.artifactId)
          expect(yield* cache.lookup(entry.key)).toEqual({
            _tag: "Miss",
            reason: { _tag: "ArtifactMissing", output: "trades", artifactId: entry.outputs.trades.artifactId }
          })
        })
      )
    )

    it.effect("a missing output object is a Miss ObjectMissing naming the output and digest", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const objects = yield* ObjectStore
          const entry = yield* entryWithOutputs("simulate", { trades: "t" })
          yield* cache.put(entry)
          yield* objects.remove(entry.outputs.trades.digest)
          expect(yield* cache.lookup(entry.key)).toEqual({
            _tag: "Miss",
            reason: { _tag: "ObjectMissing", output: "trades", digest: entry.outputs.trades.digest }
          })
        })
      )
    )

    it.effect("an entry whose output digest disagrees with the manifest is a Miss EntryMalformed", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const entry = yield* entryWithOutputs("simulate", { trades: "t", other: "o" })
          const bad: ActionEntry = {
            ...entry,
            outputs: { trades: { ...entry.outputs.trades, digest: entry.outputs.other.digest } }
          }
          yield* cache.put(bad)
          const result = yield* cache.lookup(entry.key)
          expect(result._tag).toBe("Miss")
          expect(result._tag === "Miss" && result.reason._tag).toBe("EntryMalformed")
        })
      )
    )

    it.effect("remove makes a key absent again", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const entry = yield* entryWithOutputs("simulate", { trades: "t" })
          yield* cache.put(entry)
          yield* cache.remove(entry.key)
          expect(yield* cache.lookup(entry.key)).toEqual({ _tag: "Miss", reason: { _tag: "Absent" } })
        })
      )
    )

    it.effect("rememberIdentity replaces the pointer; lastForIdentity reads the latest", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const identity = "experiment ladder-baseline / simulate"
          expect(yield* cache.lastForIdentity(identity)).toBeUndefined()
          const k1 = yield* canonicalDigest({ v: 1 })
          const k2 = yield* canonicalDigest({ v: 2 })
          yield* cache.rememberIdentity({ identity, key: k1, material: { v: 1 } })
          yield* cache.rememberIdentity({ identity, key: k2, material: { v: 2 } })
          expect(yield* cache.lastForIdentity(identity)).toEqual({ identity, key: k2, material: { v: 2 } })
          expect(yield* cache.lastForIdentity(`${identity} `)).toBeUndefined()
        })
      )
    )

    /** A group entry for `count` member keys sharing the outputs of `entry` (a sweep batch). */
    const groupOf = (entry: ActionEntry, count: number, tag: string) =>
      Effect.gen(function* () {
        const members: Array<Digest> = []
        for (let i = 0; i < count; i++) members.push(yield* canonicalDigest({ variant: i, tag }))
        const group: GroupEntry = {
          key: yield* canonicalDigest({ batch: tag }),
          node: "sweep-batch",
          members,
          outputs: entry.outputs,
          ranAt: "2026-11-26T00:00:00.000Z",
          durationMs: 5
        }
        return group
      })

    it.effect("putGroup then lookupMembers returns the group for each member asked for, and nothing for others", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const group = yield* groupOf(yield* entryWithOutputs("batch", { metrics: "m" }), 3, "a")
          yield* cache.putGroup(group)
          const stranger = yield* canonicalDigest({ variant: "none" })
          const found = yield* cache.lookupMembers([group.members[0], group.members[2], stranger])
          expect([...found.keys()].sort()).toEqual([group.members[0], group.members[2]].sort())
          expect(found.get(group.members[0])).toEqual(group)
          expect((yield* cache.lookupMembers([])).size).toBe(0)
          // A member key is not an action entry of its own.
          expect(yield* cache.lookup(group.members[1])).toEqual({ _tag: "Miss", reason: { _tag: "Absent" } })
        })
      )
    )

    it.effect("putGroup is write-once: a second group under the same key keeps the first members", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const entry = yield* entryWithOutputs("batch", { metrics: "m" })
          const first = yield* groupOf(entry, 2, "b")
          const other = yield* groupOf(entry, 4, "other")
          yield* cache.putGroup(first)
          yield* cache.putGroup({ ...other, key: first.key })
          const found = yield* cache.lookupMembers([...first.members, ...other.members])
          expect([...found.keys()].sort()).toEqual([...first.members].sort())
          expect(found.get(first.members[1])).toEqual(first)
        })
      )
    )

    it.effect("a group whose output object is gone is skipped, unless sound outputs are not required", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const objects = yield* ObjectStore
          const entry = yield* entryWithOutputs("batch", { metrics: "gone" })
          const group = yield* groupOf(entry, 2, "c")
          yield* cache.putGroup(group)
          yield* objects.remove(entry.outputs.metrics.digest)
          expect((yield* cache.lookupMembers(group.members)).size).toBe(0)
          const unchecked = yield* cache.lookupMembers(group.members, { requireSoundOutputs: false })
          expect(unchecked.get(group.members[0])).toEqual(group)
        })
      )
    )

    it.effect("a member of two groups gets one of them; each group answers for its own members", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* ActionCache
          const entry = yield* entryWithOutputs("batch", { metrics: "m" })
          const one = yield* groupOf(entry, 2, "d")
          const two = { ...(yield* groupOf(entry, 1, "e")), members: [one.members[0], (yield* groupOf(entry, 1, "e")).members[0]] }
          yield* cache.putGroup(one)
          yield* cache.putGroup(two)
          const found = yield* cache.lookupMembers([...one.members, two.members[1]])
          expect(found.size).toBe(3)
          expect([one, two]).toContainEqual(found.get(one.members[0]))
          expect(found.get(one.members[1])).toEqual(one)
          expect(found.get(two.members[1])).toEqual(two)
        })
      )
    )
  })
