/**
 * A gc stopped at any point (here: its k-th removal fails, for every k) leaves a store that fsck
 * calls clean: dependents (identity pointers, action entries, experiment records, derived
 * artifacts' manifests) go before what they depend on (inputs' manifests, objects).
 * The same with a real SIGKILL is in gcInterrupted.process.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { ActionCache, ArtifactCatalog, fsck, gc, ObjectStore, StoreIOError } from "../../store/index.js"
import { definitionJson, runDefinition, storeAt, tempDir } from "./support.js"

/** Runs `effect` with the removals of the action cache, the catalog and the object store failing from the k-th on. */
const failingFrom = (k: number) => <A, E, R>(effect: Effect.Effect<A, E, R>) => {
  let calls = 0
  const cut = <X>(op: Effect.Effect<X, StoreIOError>) =>
    Effect.suspend(() =>
      calls++ >= k ? Effect.fail(new StoreIOError({ operation: "remove", path: "(injected)", reason: "EIO" })) : op
    )
  return effect.pipe(
    Effect.updateService(ActionCache, (s) => ({ ...s, remove: (key) => cut(s.remove(key)) })),
    Effect.updateService(ArtifactCatalog, (s) => ({ ...s, remove: (id) => cut(s.remove(id)) })),
    Effect.updateService(ObjectStore, (s) => ({ ...s, remove: (digest) => cut(s.remove(digest)) }))
  )
}

describe("gc interrupted", () => {
  it.live(
    "fails at its k-th removal, for every k: fsck finds no problem, and a later gc finishes the job",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const dir = yield* tempDir("gc-interrupted-")
          const root = path.join(dir, "store")
          // One experiment: chains synthetic → validate → simulate → publish, all unreachable with keepLast 0.
          yield* Effect.provide(runDefinition(definitionJson("cut", 20, 7)), storeAt(root))
          const options = { keepLast: 0, grace: 0 }
          const plan = yield* Effect.provide(gc({ ...options, dryRun: true }), storeAt(root))
          const removals = plan.removed.filter((item) => ["action", "artifact", "object"].includes(item.kind)).length
          expect(plan.summary.find((row) => row.kind === "artifact")!.count).toBeGreaterThan(5)

          for (let k = 0; k < removals; k++) {
            const copy = path.join(dir, `copy-${k}`)
            yield* Effect.promise(() => fs.cp(root, copy, { recursive: true }))
            const stopped = yield* Effect.provide(Effect.either(failingFrom(k)(gc(options))), storeAt(copy))
            expect(stopped._tag, `cut ${k}`).toBe("Left")
            const report = yield* Effect.provide(fsck(), storeAt(copy))
            expect(report.problems, `after a gc stopped at removal ${k} of ${removals}`).toEqual([])
            if (k === Math.floor(removals / 2)) {
              const finished = yield* Effect.provide(gc(options), storeAt(copy))
              expect(finished.summary.find((row) => row.kind === "artifact")!.count).toBeGreaterThan(0)
              expect((yield* Effect.provide(fsck(), storeAt(copy))).problems).toEqual([])
              expect((yield* Effect.provide(gc({ ...options, dryRun: true }), storeAt(copy))).removed).toEqual([])
            }
            yield* Effect.promise(() => fs.rm(copy, { recursive: true, force: true }))
          }
        })
      ),
    180_000
  )
})
