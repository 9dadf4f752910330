/**
 * The persisted value memo: a value recorded for a key is answered for that key (also by a fresh
 * instance, as a new process would be) without computing it; another key, a missing or a garbled
 * entry computes it again and records it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Ref } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { makeLayout, StoreRoot } from "../../store/StoreLayout.js"
import { ValueCache, valueCacheEntryPath } from "../../store/ValueCache.js"
import { tempDir } from "./suites/support.js"

/** A fresh ValueCache instance on `root`: what a new process would get. */
const cacheAt = (root: string) => ValueCache.layerFileSystem.pipe(Layer.provide(StoreRoot.layer(root)))

/** `get` with a compute step that counts its runs. */
const getCounted = (root: string, key: string, value: string, runs: Ref.Ref<number>) =>
  Effect.flatMap(ValueCache, (cache) => cache.get("a name/with.odd chars", key, Effect.as(Ref.update(runs, (n) => n + 1), value))).pipe(
    Effect.provide(cacheAt(root))
  )

describe("ValueCache (filesystem)", () => {
  it.scoped("answers a recorded key without computing, also in a fresh instance; another key computes and replaces it", () =>
    Effect.gen(function* () {
      const root = path.join(yield* tempDir("value-cache-"), "store")
      const runs = yield* Ref.make(0)
      expect(yield* getCounted(root, "k1", "first", runs)).toBe("first")
      expect(yield* Ref.get(runs)).toBe(1)
      // A fresh instance reads the entry: the recorded value, not the one compute would give.
      expect(yield* getCounted(root, "k1", "second", runs)).toBe("first")
      expect(yield* Ref.get(runs)).toBe(1)
      // Another key: computed, and recorded in place of the old entry.
      expect(yield* getCounted(root, "k2", "third", runs)).toBe("third")
      expect(yield* Ref.get(runs)).toBe(2)
      expect(yield* getCounted(root, "k2", "fourth", runs)).toBe("third")
      expect(yield* getCounted(root, "k1", "fifth", runs)).toBe("fifth")
      expect(yield* Ref.get(runs)).toBe(3)
      // The entry is one file under cache/values/, its name one path segment.
      const file = valueCacheEntryPath(makeLayout(root), "a name/with.odd chars")
      expect(path.dirname(file)).toBe(path.join(root, "cache", "values"))
      expect(JSON.parse(yield* Effect.promise(() => fs.readFile(file, "utf8")))).toEqual({ key: "k1", value: "fifth" })
    }))

  it.scoped("computes when the entry is garbled, and rewrites it", () =>
    Effect.gen(function* () {
      const root = path.join(yield* tempDir("value-cache-"), "store")
      const runs = yield* Ref.make(0)
      yield* getCounted(root, "k", "v", runs)
      const file = valueCacheEntryPath(makeLayout(root), "a name/with.odd chars")
      yield* Effect.promise(() => fs.writeFile(file, "{\"key\":\"k\""))
      expect(yield* getCounted(root, "k", "again", runs)).toBe("again")
      expect(yield* Ref.get(runs)).toBe(2)
      expect(JSON.parse(yield* Effect.promise(() => fs.readFile(file, "utf8")))).toEqual({ key: "k", value: "again" })
    }))

  it.scoped("within one instance, computes once per key", () =>
    Effect.gen(function* () {
      const root = path.join(yield* tempDir("value-cache-"), "store")
      const runs = yield* Ref.make(0)
      const values = yield* Effect.flatMap(ValueCache, (cache) =>
        Effect.forEach(["a", "b", "c"], (value) => cache.get("n", "k", Effect.as(Ref.update(runs, (n) => n + 1), value)))
      ).pipe(Effect.provide(cacheAt(root)))
      expect(values).toEqual(["a", "a", "a"])
      expect(yield* Ref.get(runs)).toBe(1)
    }))
})
