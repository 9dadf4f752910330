/**
 * The sweep's walk-forward: each variant's trade statistics per window (computed by the variant
 * evaluation, kept per batch in an `experiment_sweep_windows` artifact), fold selection
 * (nodes/stats/WalkForward.ts), then the few selected variants' whole-range trades (their simulate
 * nodes, cached like any experiment's) filtered to each fold's test window and stitched into one
 * out-of-sample result. Published: `experiment_walk_forward` (one row per fold) and the stitched
 * trades, equity and metrics (the experiment's own types).
 */
import { Effect } from "effect"
import type { ArtifactCatalog, ArtifactId, Digest, OutputRef } from "../../store/index.js"
import { ExperimentEquity, ExperimentFills, ExperimentMetrics, ExperimentSweepWindows, ExperimentTrades, ExperimentWalkForward } from "../contracts/index.js"
import { publishRows, readRows } from "../parquet/index.js"
import { type OutputArtifact, withPath } from "../experiment/ExecuteExperiment.js"
import { computeMetrics, equityCurve } from "../metrics/index.js"
import { type Fill, type Trade, toTradeRow } from "../simulate/index.js"
import {
  stitchOutOfSample,
  type TimeWindow,
  type WalkForwardFold,
  walkForwardWindows,
  windowMeanReturn,
  windowSharpe,
  type WindowStats
} from "../stats/index.js"
import { batchArtifactReader } from "./internal/artifactRows.js"
import type { WalkForwardSpec } from "./SweepSpec.js"

export interface WalkForwardSummary {
  readonly folds: number
  readonly scheme: WalkForwardSpec["scheme"]
  readonly select: WalkForwardSpec["select"]
  /** One row per fold (`experiment_walk_forward`). */
  readonly selection: OutputArtifact
  /** The stitched out-of-sample trades, equity and metrics. */
  readonly trades: OutputArtifact
  readonly equity: OutputArtifact
  readonly metrics: OutputArtifact
}

/** The sweep's windows (epoch ms date range). */
export const sweepWindows = (spec: WalkForwardSpec, dateRange: TimeWindow): ReadonlyArray<TimeWindow> =>
  walkForwardWindows(dateRange, spec.folds)

/** The rows of a variant's `experiment_sweep_windows` entries. */
export const windowRows = (variantKeyHex: string, stats: ReadonlyArray<WindowStats>) =>
  stats.map((s, window) => ({
    variant_key: variantKeyHex,
    window,
    trades: s.trades,
    wins: s.wins,
    sum_return: s.sumReturn,
    m2_return: s.m2Return,
    net_pnl: s.netPnl
  }))

/** Window statistics of batch artifacts, each read once: variant key hex → one entry per window. */
export const cachedWindowsReader = (catalog: typeof ArtifactCatalog.Service) =>
  batchArtifactReader(catalog, ExperimentSweepWindows, (stats: Map<string, Array<WindowStats>>, rows) => {
    for (const row of rows) {
      const key = row.variant_key
      const list = stats.get(key) ?? []
      list[row.window] = {
        trades: row.trades,
        wins: row.wins,
        sumReturn: row.sum_return,
        m2Return: row.m2_return,
        netPnl: row.net_pnl
      }
      stats.set(key, list)
    }
  })

/** A simulation's trades with their fills, read back from its `trades` and `fills` artifacts. */
export const readSimulatedTrades = (trades: OutputRef, fills: OutputRef) =>
  Effect.gen(function*() {
    const [tradeRows, fillRows] = yield* Effect.all([
      Effect.flatMap(withPath(trades), (artifact) => readRows(ExperimentTrades, artifact.path)),
      Effect.flatMap(withPath(fills), (artifact) => readRows(ExperimentFills, artifact.path))
    ])
    const fillsByTrade = new Map<string, Array<Fill>>()
    for (const { trade_id, ...fill } of fillRows) {
      const list = fillsByTrade.get(trade_id) ?? []
      list.push(fill)
      fillsByTrade.set(trade_id, list)
    }
    return tradeRows.map((row): Trade => ({ ...row, fills: fillsByTrade.get(row.trade_id) ?? [] }))
  })

/**
 * Publishes the fold table and the stitched out-of-sample trades, equity and metrics. `tradesOf`
 * gives a selected variant's whole-range trades (by column).
 */
export const publishWalkForward = (options: {
  readonly spec: WalkForwardSpec
  readonly windows: ReadonlyArray<TimeWindow>
  readonly folds: ReadonlyArray<WalkForwardFold>
  readonly variantIds: ReadonlyArray<string>
  readonly tradesOf: ReadonlyMap<number, ReadonlyArray<Trade>>
  readonly initialCapital: number
  readonly seed: number
  readonly bootstrapResamples: number
  readonly shortKey: string
  readonly inputs: ReadonlyArray<ArtifactId>
  readonly producedBy: { readonly node: string; readonly key: Digest }
}) =>
  Effect.gen(function*() {
    const { folds, windows } = options
    const common = { inputs: options.inputs, producedBy: options.producedBy }
    const foldRows = folds.map((fold) => ({
      fold: fold.fold,
      train_from: windows[fold.trainFirst]!.from,
      train_to: windows[fold.trainLast]!.to,
      test_from: windows[fold.test]!.from,
      test_to: windows[fold.test]!.to,
      variant_id: options.variantIds[fold.selected]!,
      is_trades: fold.inSample.trades,
      is_sharpe: windowSharpe(fold.inSample),
      is_mean_return: windowMeanReturn(fold.inSample),
      is_net_pnl: fold.inSample.netPnl,
      oos_trades: fold.outOfSample.trades,
      oos_sharpe: windowSharpe(fold.outOfSample),
      oos_mean_return: windowMeanReturn(fold.outOfSample),
      oos_net_pnl: fold.outOfSample.netPnl
    }))
    const stitched = stitchOutOfSample(folds, windows, (column) => options.tradesOf.get(column) ?? [])
    const equity = equityCurve(stitched, options.initialCapital)
    const metrics = computeMetrics(stitched, equity, {
      seed: options.seed,
      initialCapital: options.initialCapital,
      bootstrapResamples: options.bootstrapResamples
    })
    const [selection, trades, equityArtifact, metricsArtifact] = yield* Effect.all([
      publishRows({ ...common, contract: ExperimentWalkForward, rows: foldRows, logicalKey: `walk-forward/${options.shortKey}` }),
      publishRows({
        ...common,
        contract: ExperimentTrades,
        rows: stitched.map(toTradeRow),
        logicalKey: `walk-forward-trades/${options.shortKey}`,
        timeColumn: "entry_ts"
      }),
      publishRows({ ...common, contract: ExperimentEquity, rows: equity, logicalKey: `walk-forward-equity/${options.shortKey}`, timeColumn: "ts" }),
      publishRows({ ...common, contract: ExperimentMetrics, rows: [metrics], logicalKey: `walk-forward-metrics/${options.shortKey}` })
    ])
    return yield* walkForwardSummaryOf(options.spec, {
      walkForward: selection,
      walkForwardTrades: trades,
      walkForwardEquity: equityArtifact,
      walkForwardMetrics: metricsArtifact
    })
  })

/** The names under which a sweep's cache entry records its walk-forward outputs. */
export const WALK_FORWARD_OUTPUTS = ["walkForward", "walkForwardTrades", "walkForwardEquity", "walkForwardMetrics"] as const

/** The summary from the recorded outputs (a fresh run's or a cached sweep's). */
export const walkForwardSummaryOf = (
  spec: WalkForwardSpec,
  refs: { readonly [K in (typeof WALK_FORWARD_OUTPUTS)[number]]: OutputRef }
) =>
  Effect.map(
    Effect.all({
      selection: withPath(refs.walkForward),
      trades: withPath(refs.walkForwardTrades),
      equity: withPath(refs.walkForwardEquity),
      metrics: withPath(refs.walkForwardMetrics)
    }),
    (artifacts): WalkForwardSummary => ({ folds: spec.folds, scheme: spec.scheme, select: spec.select, ...artifacts })
  )
