/**
 * Benchmark child: one experiment on a store, cold once, then `reruns` cached reruns, through the
 * library (no CLI start-up in the numbers), on the filesystem store or, with `catalog`, on a
 * PostgreSQL catalog (objects in the store). Returns the cold and the cached wall times.
 * The parent side (server, both backends, the table row) is bench/catalogRow.ts.
 */
import { Effect } from "effect"
import { experimentLayer } from "../nodes/runtime/index.js"
import { decodeDefinition, runExperiment } from "../nodes/experiment/index.js"
import { childMain, definitionFor, round, type SizeConfig, syntheticInputs, timed } from "./support.js"

export interface CatalogChildResult {
  readonly coldMs: number
  readonly cachedMs: ReadonlyArray<number>
  /** Nodes that were not hits in the last rerun (should be none). */
  readonly missesInLastRerun: ReadonlyArray<string>
}

const run = (args: { store: string; catalog?: string; size: SizeConfig; reruns: number }) =>
  Effect.gen(function*() {
    const encoded = definitionFor(`bench-${args.size.name}-catalog`, syntheticInputs(args.size))
    const definition = yield* decodeDefinition(encoded, "bench catalog")
    const cold = yield* timed(runExperiment(definition, encoded))
    const cachedMs: Array<number> = []
    let misses: ReadonlyArray<string> = []
    for (let i = 0; i < args.reruns; i++) {
      const rerun = yield* timed(runExperiment(definition, encoded))
      cachedMs.push(round(rerun.ms))
      misses = rerun.value.nodes.filter((node) => node.cache === "miss").map((node) => node.node.name)
    }
    return { coldMs: round(cold.ms), cachedMs, missesInLastRerun: misses } satisfies CatalogChildResult
  }).pipe(Effect.provide(experimentLayer(args.store, args.catalog === undefined ? {} : { catalog: args.catalog })))

await childMain((args) => Effect.runPromise(run(args)))
