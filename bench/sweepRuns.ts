/**
 * Benchmark child: first-class sweeps (`executeSweep`, a definition's `sweep` block) on artifacts
 * already in a store, against the kernel's own rate on the same projection.
 *
 * - kernel: median ms of one variant's `runSimulationSync` (the simulate node's body minus
 *   publishing) and of `evaluateVariant` (simulation + equity + metrics with the bootstrap: what a
 *   sweep computes per variant), over the projection's candles;
 * - a cold sweep of `count` seeded random variants with 1 worker, another (other variants, so no
 *   hit) with 2 workers, then the 2-worker sweep again (cached: one lookup).
 *
 * A small untimed sweep (its own variants) runs first: the process's one-time costs — loading the
 * sweep's modules, and from the TypeScript sources bundling the worker script, which the CLI ships
 * built — would otherwise be charged to the 1-worker sweep alone.
 */
import { Chunk, Effect, Schema, Stream } from "effect"
import { decodeDefinition, isSweep } from "../nodes/experiment/index.js"
import { openProjection } from "../nodes/project/Projection.js"
import { BootstrapIndexCache } from "../nodes/metrics/index.js"
import { makeStrategy, runSimulationSync, type StrategyEncoded } from "../nodes/simulate/index.js"
import { evaluateVariant, executeSweep } from "../nodes/sweep/index.js"
import { ArtifactCatalog, ArtifactId, ObjectStore } from "../store/index.js"
import { childMain, DATE_RANGE, definitionFor, median, round, storeLayer, strategyFor, timed } from "./support.js"

export interface SweepRunsArgs {
  readonly store: string
  readonly alertsId: string
  readonly ohlcvId: string
  readonly count: number
  readonly repeats: number
}

export interface SweepTiming {
  readonly workers: number
  readonly variants: number
  readonly simulated: number
  readonly wallMs: number
  readonly variantsPerSecond: number
}

export interface SweepRunsResult {
  readonly kernel: {
    readonly simulationMs: number
    readonly evaluateMs: number
    readonly variantsPerSecond: number
    readonly evaluatedPerSecond: number
    readonly trades: number
  }
  readonly oneWorker: SweepTiming
  readonly twoWorkers: SweepTiming
  readonly cached: SweepTiming
}

const sweepDefinition = (args: SweepRunsArgs, seed: number, count = args.count) => ({
  ...definitionFor(`bench-sweep-${seed}`, { alerts: [args.alertsId], ohlcv: [args.ohlcvId] }),
  sweep: {
    random: {
      count,
      seed,
      ranges: { "stopLoss.pct": { min: 0.05, max: 0.6 }, "trailing.pct": { min: 0.05, max: 0.5 } }
    },
    rank: "sharpe",
    keep: 10
  }
})

const program = (args: SweepRunsArgs) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const objects = yield* ObjectStore
    const range = { from: Date.parse(DATE_RANGE.from), to: Date.parse(DATE_RANGE.to) }

    const kernel = yield* Effect.scoped(
      Effect.gen(function*() {
        const projection = yield* openProjection({
          databasePath: yield* objects.scratchPath("-projection.duckdb"),
          alertFiles: [yield* catalog.dataPath(Schema.decodeSync(ArtifactId)(args.alertsId))],
          ohlcvFiles: [yield* catalog.dataPath(Schema.decodeSync(ArtifactId)(args.ohlcvId))],
          from: range.from,
          to: range.to
        })
        const series = Chunk.toReadonlyArray(yield* Stream.runCollect(projection.candles))
        const strategies = Array.from({ length: 5 }, (_, i) => makeStrategy(strategyFor(0.1 + i * 0.07) as StrategyEncoded))
        // As a sweep's worker evaluates: the bootstrap's indices shared across variants.
        const context = {
          alerts: projection.alerts,
          series,
          seed: 42,
          dateRange: range,
          bootstrapResamples: 1000,
          bootstrapIndexCache: new BootstrapIndexCache()
        }
        const simulate = (i: number) =>
          runSimulationSync({ alerts: projection.alerts, strategy: strategies[i % 5]!, seed: 42, dateRange: range }, series)
        simulate(0)
        evaluateVariant(context, strategies[0]!)
        const simTimes: Array<number> = []
        const evalTimes: Array<number> = []
        let trades = 0
        for (let r = 0; r < Math.max(5, args.repeats * 2); r++) {
          let start = performance.now()
          trades = simulate(r).trades.length
          simTimes.push(performance.now() - start)
          start = performance.now()
          evaluateVariant(context, strategies[r % 5]!)
          evalTimes.push(performance.now() - start)
        }
        const simulationMs = median(simTimes)
        const evaluateMs = median(evalTimes)
        return {
          simulationMs: round(simulationMs, 2),
          evaluateMs: round(evaluateMs, 2),
          variantsPerSecond: round(1000 / simulationMs, 1),
          evaluatedPerSecond: round(1000 / evaluateMs, 1),
          trades
        }
      })
    )

    const sweep = (encoded: ReturnType<typeof sweepDefinition>, workers: number) =>
      Effect.gen(function*() {
        const decoded = yield* decodeDefinition(encoded, "bench")
        if (!isSweep(decoded)) return yield* Effect.dieMessage("not a sweep")
        const { ms, value } = yield* timed(executeSweep(decoded, encoded, { workers }))
        const timing: SweepTiming = {
          workers,
          variants: value.sweep.variants,
          simulated: value.sweep.simulated,
          wallMs: round(ms),
          variantsPerSecond: round(value.sweep.variants / (ms / 1000), 1)
        }
        return timing
      })
    yield* sweep(sweepDefinition(args, 0, Math.min(args.count, 20)), 1)
    const oneWorker = yield* sweep(sweepDefinition(args, 1), 1)
    const twoWorkers = yield* sweep(sweepDefinition(args, 2), 2)
    const cached = yield* sweep(sweepDefinition(args, 2), 2)
    const result: SweepRunsResult = { kernel, oneWorker, twoWorkers, cached }
    return result
  }).pipe(Effect.provide(storeLayer(args.store)))

await childMain((args: SweepRunsArgs) => Effect.runPromise(program(args)))
