/**
 * A gc with a grace of 0 that runs while an experiment is running removes the run's fresh,
 * not yet referenced intermediate artifacts. The run then fails with an error that says gc
 * removed the artifact and names it — never a bare "unknown artifact" — and a second run recomputes
 * what gc removed. (Through the CLI: gcSafety.process.test.ts.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import { ArtifactCatalog, type Digest, type GcServices, gc, ObjectStore } from "../../store/index.js"
import { definitionJson, runDefinition, storeAt, tempDir } from "./support.js"

describe("gc during a run", () => {
  it.live("grace 0: the run fails saying gc removed the artifact, naming it", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = path.join(yield* tempDir("gc-concurrent-"), "store")
        const removed: Array<string> = []
        const body = Effect.gen(function* () {
          const context = yield* Effect.context<GcServices>()
          let fired = false
          // Right after the run publishes its first artifact, a gc with no grace sweeps the store.
          return yield* Effect.either(
            runDefinition(definitionJson("concurrent", 20, 7)).pipe(
              Effect.updateService(ArtifactCatalog, (catalog) => ({
                ...catalog,
                publish: (request: Parameters<typeof catalog.publish>[0]) =>
                  Effect.tap(catalog.publish(request), () => {
                    if (fired) return Effect.void
                    fired = true
                    return Effect.map(Effect.provide(gc({ grace: 0 }), context), (report) => {
                      for (const item of report.removed) if (item.kind === "artifact") removed.push(item.id)
                    })
                  })
              }))
            )
          )
        })
        const outcome = yield* Effect.provide(body, storeAt(root))
        expect(removed.length).toBeGreaterThan(0)
        expect(outcome._tag).toBe("Left")
        if (outcome._tag === "Left") {
          const message = String((outcome.left as { message?: string }).message)
          expect(message).toMatch(/removed by .*gc/)
          expect(removed.some((id) => message.includes(id))).toBe(true)
        }
        // Run again: what gc removed is a miss and is recomputed.
        const again = yield* Effect.provide(runDefinition(definitionJson("concurrent", 20, 7)), storeAt(root))
        expect(Object.keys(again.outputs ?? {}).sort()).toEqual(["diagnostics", "equity", "metrics", "trades"])
        expect(again.cache.misses).toBeGreaterThan(0)
      })
    ), 120_000)

  it.live("an object gc removed is not found with the reason, by path, read and ensureIntact", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = path.join(yield* tempDir("gc-object-"), "store")
        yield* Effect.provide(
          Effect.gen(function* () {
            const result = yield* runDefinition(definitionJson("objects", 20, 7))
            const report = yield* gc({ keepLast: 0, grace: 0 })
            const digest = result.outputs!.metrics.digest as Digest
            expect(report.removed.map((item) => item.id)).toContain(digest)
            const objects = yield* ObjectStore
            for (const attempt of [objects.path(digest), objects.read(digest), objects.ensureIntact(digest)]) {
              const error = yield* Effect.flip(attempt)
              expect(error._tag).toBe("ObjectNotFound")
              expect(error.message).toContain(digest)
              expect(error.message).toMatch(/removed by pipeline gc \(pid \d+\) at .*grace 0 min/)
            }
          }),
          storeAt(root)
        )
      })
    ), 120_000)
})
