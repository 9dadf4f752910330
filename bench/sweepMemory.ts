/**
 * Memory across repeated sweeps in one process (a notebook, a long-lived `pipeline worker`):
 *
 *   node --expose-gc --import tsx bench/sweepMemory.ts <store> <alertsId> <ohlcvId> <sweeps> <variants> <workers> <seed> [snapshotDir]
 *
 * on a store with generated inputs (bench/experiment.ts `generate`). Each sweep has its own
 * variants (seeds from `seed` on: rerun on the same store with another seed, or the sweeps hit).
 * After each: a full GC, then rss / heapUsed / external / arrayBuffers and the peak RSS, in MB. A
 * sweep that leaves anything behind shows as arrayBuffers growing by its candles (5 columns x 8
 * bytes x candles). With `snapshotDir`, heap snapshots after the first and the last sweep.
 */
import { Effect } from "effect"
import { writeHeapSnapshot } from "node:v8"
import { join } from "node:path"
import { decodeDefinition, isSweep } from "../nodes/experiment/index.js"
import { executeSweep } from "../nodes/sweep/index.js"
import { definitionFor, round, storeLayer } from "./support.js"

const [store, alertsId, ohlcvId, sweepsArg, variantsArg, workersArg, seedArg, snapshotDir] = process.argv.slice(2)
const sweeps = Number(sweepsArg ?? 4)
const variants = Number(variantsArg ?? 200)
const workers = Number(workersArg ?? 1)
const seed = Number(seedArg ?? 100)

const definition = (seed: number) => ({
  ...definitionFor(`memory-${seed}`, { alerts: [alertsId!], ohlcv: [ohlcvId!] }),
  sweep: {
    random: { count: variants, seed, ranges: { "stopLoss.pct": { min: 0.05, max: 0.6 }, "trailing.pct": { min: 0.05, max: 0.5 } } },
    rank: "sharpe",
    keep: 10
  }
})

const gc = (globalThis as { gc?: () => void }).gc
const mb = (n: number) => round(n / 1048576, 1)
const usage = (label: string) => {
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  console.log(`${label}: rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} peak ${round(process.resourceUsage().maxRSS / 1024, 0)}`)
}

const program = Effect.gen(function*() {
  usage("start")
  for (let i = 0; i < sweeps; i++) {
    const encoded = definition(seed + i)
    const decoded = yield* decodeDefinition(encoded, "memory")
    if (!isSweep(decoded)) return yield* Effect.dieMessage("not a sweep")
    const start = performance.now()
    yield* executeSweep(decoded, encoded, { workers })
    const ms = performance.now() - start
    usage(`sweep ${i + 1} (${round(ms / 1000, 1)} s)`)
    if (snapshotDir !== undefined && (i === 0 || i === sweeps - 1)) writeHeapSnapshot(join(snapshotDir, `sweep-${i + 1}.heapsnapshot`))
  }
}).pipe(Effect.provide(storeLayer(store!)))

await Effect.runPromise(program)
