/**
 * Benchmark child: the sweep and the kernel, on artifacts already in a store.
 *
 * - Sweep (when `count` > 0): validate → one project node → `count` simulate nodes with distinct
 *   strategies (stop-loss 0.051, 0.056, …), run by `execute` with the given concurrency. Reports the
 *   wall time, the projection's acquire time and each simulate body's time.
 * - Kernel: the projection is opened once more (`openProjection`) and one strategy's simulation
 *   (`runSimulationSync`, the simulate node's body minus publishing) is timed — the "single-run
 *   kernel time" the sweep is compared with; then bench/kernel.ts's kernel and plain Float64Array
 *   loop over the same (real) candles, and over its own generated candles of the same size.
 */
import { Chunk, Effect, Stream } from "effect"
import { engineVersions } from "../nodes/runtime/index.js"
import { projectNode } from "../nodes/project/index.js"
import { openProjection } from "../nodes/project/Projection.js"
import type { MintSeries, SimAlert } from "../nodes/simulate/index.js"
import { makeStrategy, runSimulationSync, type StrategyEncoded } from "../nodes/simulate/index.js"
import { publishSimulation, simulateNode } from "../nodes/simulate/SimulateNode.js"
import { validateNode } from "../nodes/validate/index.js"
import { execute, type ExecutorEvent } from "../pipeline/index.js"
import { ArtifactCatalog, type ArtifactId, ObjectStore } from "../store/index.js"
import { type Dataset, kernelScan, plainScan, runKernelBench, strategy as kernelStrategy, timeInterleaved } from "./kernel.js"
import { childMain, DATE_RANGE, median, round, storeLayer, strategyFor, timed } from "./support.js"

export interface SweepArgs {
  readonly store: string
  readonly alertsId: string
  readonly ohlcvId: string
  /** Simulate nodes in each sweep; 0 for the kernel measurements only. */
  readonly count: number
  /** One sweep per entry, at that concurrency; the faster one is `sweep`. */
  readonly concurrency: ReadonlyArray<number>
  readonly repeats: number
}

export interface KernelRates {
  readonly candles: number
  readonly visits: number
  readonly kernelMs: number
  readonly plainMs: number
  /** Candle visits (entry → exit, summed over alerts) per second. */
  readonly kernelVisitsPerSecond: number
  readonly plainVisitsPerSecond: number
  /** Candles in the data / time. */
  readonly kernelCandlesPerSecond: number
  readonly plainCandlesPerSecond: number
  readonly ratio: number
}

export interface SweepRun {
  readonly strategies: number
  readonly concurrency: number
  readonly wallMs: number
  readonly projectionAcquireMs: number | null
  readonly simulateBodyMs: { readonly median: number; readonly total: number }
  readonly strategiesPerSecond: number
  readonly misses: number
}

export interface SweepResult {
  /** The faster of `sweeps`. */
  readonly sweep: SweepRun | null
  readonly sweeps: ReadonlyArray<SweepRun>
  readonly singleRun: {
    readonly candles: number
    readonly mints: number
    readonly alerts: number
    /** Median ms of one strategy's `runSimulationSync` over the projection. */
    readonly simulationMs: number
    /** Median ms of publishing one strategy's trades, fills and skips (`publishSimulation`). */
    readonly publishMs: number
    readonly strategiesPerSecond: number
    readonly trades: number
  }
  readonly kernelOnProjection: KernelRates
  readonly kernelOnGenerated: KernelRates
}

/**
 * Stop-loss of sweep strategy `i` (0.051 … 0.946 in steps of 0.005; more than 180 strategies repeat)
 * in sweep `round` of `rounds`: each round is shifted by a fraction of a step, so no two rounds share
 * a strategy (a shared one would be a cache hit) and every stop stays below 1.
 */
const stopFor = (i: number, round_ = 0, rounds = 1) => round(0.051 + (i % 180) * 0.005 + (round_ * 0.005) / rounds, 6)

const datasetOf = (series: ReadonlyArray<MintSeries>, alerts: ReadonlyArray<SimAlert>): Dataset => {
  const byMint = new Map<string, Array<SimAlert>>()
  for (const a of alerts) {
    const key = `${a.chain}\u0000${a.mint}`
    const list = byMint.get(key) ?? []
    list.push(a)
    byMint.set(key, list)
  }
  let candles = 0
  for (const m of series) candles += m.series.length
  return {
    mints: series,
    alerts,
    alertsByMint: series.map((m) => byMint.get(`${m.chain}\u0000${m.mint}`) ?? []),
    candles
  }
}

const ratesOf = (candles: number, k: { seconds: number; result: { visits: number } }, p: { seconds: number; result: { visits: number } }): KernelRates => ({
  candles,
  visits: k.result.visits,
  kernelMs: round(k.seconds * 1000, 2),
  plainMs: round(p.seconds * 1000, 2),
  kernelVisitsPerSecond: round(k.result.visits / k.seconds, 0),
  plainVisitsPerSecond: round(p.result.visits / p.seconds, 0),
  kernelCandlesPerSecond: round(candles / k.seconds, 0),
  plainCandlesPerSecond: round(candles / p.seconds, 0),
  ratio: round(p.seconds / k.seconds, 3)
})

const program = (args: SweepArgs) =>
  Effect.gen(function*() {
    const engine = yield* engineVersions
    const catalog = yield* ArtifactCatalog
    const objects = yield* ObjectStore
    const alerts = [args.alertsId as ArtifactId]
    const ohlcv = [args.ohlcvId as ArtifactId]
    const scope = { alerts, ohlcv, dateRange: DATE_RANGE }

    // One sweep per concurrency, each with its own strategies (a repeated strategy would be a hit).
    const sweeps: Array<SweepRun> = []
    for (const [round_, concurrency] of (args.count > 0 ? args.concurrency : []).entries()) {
      const validate = validateNode(scope, "sweep/validate")
      const project = projectNode(scope, validate, "sweep/project")
      const simulations = Array.from({ length: args.count }, (_, i) =>
        simulateNode(
          {
            strategy: makeStrategy(strategyFor(stopFor(i, round_, args.concurrency.length)) as StrategyEncoded),
            dateRange: DATE_RANGE,
            inputs: [...alerts, ...ohlcv]
          },
          project,
          `sweep/simulate-${i}`
        ))
      let acquireMs: number | null = null
      const onEvent = (event: ExecutorEvent) =>
        Effect.sync(() => {
          if (event._tag === "ResourceAcquired") acquireMs = event.durationMs
        })
      const { value: report, ms } = yield* timed(
        execute(simulations, { engine, seed: 42, concurrency, onEvent })
      )
      const bodies = simulations.map((node) => report.of(node)).filter((r) => r.cache === "miss").map((r) => r.durationMs)
      sweeps.push({
        strategies: args.count,
        concurrency,
        wallMs: round(ms),
        projectionAcquireMs: acquireMs,
        simulateBodyMs: { median: round(median(bodies)), total: round(bodies.reduce((a, b) => a + b, 0)) },
        strategiesPerSecond: round(args.count / (ms / 1000), 2),
        misses: bodies.length
      })
    }
    const sweep = sweeps.length === 0 ? null : sweeps.reduce((a, b) => (b.strategiesPerSecond > a.strategiesPerSecond ? b : a))

    // The same projection, opened directly, for the in-memory kernel timings.
    const measured = yield* Effect.scoped(
      Effect.gen(function*() {
        const projection = yield* openProjection({
          databasePath: yield* objects.scratchPath("-projection.duckdb"),
          alertFiles: [yield* catalog.dataPath(alerts[0]!)],
          ohlcvFiles: [yield* catalog.dataPath(ohlcv[0]!)],
          from: Date.parse(DATE_RANGE.from),
          to: Date.parse(DATE_RANGE.to)
        })
        const series = Chunk.toReadonlyArray(yield* Stream.runCollect(projection.candles))
        const strategies = Array.from({ length: 5 }, (_, i) => makeStrategy(strategyFor(stopFor(i * 20)) as StrategyEncoded))
        const runOnce = (i: number) =>
          runSimulationSync({ alerts: projection.alerts, strategy: strategies[i % strategies.length]!, seed: 42, dateRange: { from: Date.parse(DATE_RANGE.from), to: Date.parse(DATE_RANGE.to) } }, series)
        runOnce(0) // warm-up
        const times: Array<number> = []
        let trades = 0
        for (let r = 0; r < Math.max(5, args.repeats * 2); r++) {
          const start = performance.now()
          trades = runOnce(r).trades.length
          times.push(performance.now() - start)
        }
        const simulationMs = median(times)

        // Where the rest of a simulate body goes: publishing one strategy's three tables, as the
        // node does (fresh outputs each time: distinct strategies), timed on its own.
        const publishTimes: Array<number> = []
        for (let i = 0; i < strategies.length; i++) {
          const output = runOnce(i)
          const start = performance.now()
          yield* publishSimulation(output, {
            inputs: [...alerts, ...ohlcv],
            producedBy: { node: "bench/publish-only", key: `blake3:${i.toString(16).padStart(64, "0")}` }
          })
          publishTimes.push(performance.now() - start)
        }
        const dataset = datasetOf(series, projection.alerts)
        const [k, p] = timeInterleaved(args.repeats, [() => kernelScan(dataset, kernelStrategy), () => plainScan(dataset)])
        return {
          singleRun: {
            candles: projection.candleCount,
            mints: projection.mints.length,
            alerts: projection.alerts.length,
            simulationMs: round(simulationMs, 2),
            publishMs: round(median(publishTimes), 2),
            strategiesPerSecond: round(1000 / simulationMs, 1),
            trades
          },
          kernelOnProjection: ratesOf(dataset.candles, k!, p!),
          alertsCount: projection.alerts.length
        }
      })
    )
    const generated = runKernelBench({
      candles: measured.singleRun.candles,
      mints: Math.max(1, measured.singleRun.mints),
      alertsPerMint: Math.max(1, Math.round(measured.alertsCount / Math.max(1, measured.singleRun.mints))),
      repeats: args.repeats
    })
    const result: SweepResult = {
      sweep,
      sweeps,
      singleRun: measured.singleRun,
      kernelOnProjection: measured.kernelOnProjection,
      kernelOnGenerated: ratesOf(
        generated.candles,
        { seconds: generated.kernel.seconds, result: { visits: generated.kernel.visits } },
        { seconds: generated.plain.seconds, result: { visits: generated.plain.visits } }
      )
    }
    return result
  }).pipe(Effect.provide(storeLayer(args.store)))

await childMain((args: SweepArgs) => Effect.runPromise(program(args)))
