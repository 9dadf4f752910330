/**
 * The report's "Walk-forward" section of a sweep that declares one: the fold table (training and
 * test windows, the variant each fold selected, its in-sample and out-of-sample statistics) and the
 * stitched out-of-sample equity beside the in-sample best variant's whole-range equity, with both
 * metrics side by side. Loaded from the run's recorded walk-forward outputs
 * (`walkForward`, `walkForwardEquity`, `walkForwardMetrics`; nodes/sweep/SweepWalkForward.ts).
 */
import { Effect, Schema } from "effect"
import { ArtifactCatalog, type ArtifactId, type OutputRef } from "../../store/index.js"
import { type ColumnDef, type Contract, ExperimentEquity, ExperimentMetrics, ExperimentWalkForward } from "../contracts/index.js"
import { readRows } from "../parquet/index.js"
import { escapeHtml, formatFixed, formatInt, formatTimestamp, NO_VALUE } from "./Format.js"
import { equityChart } from "./internal/charts.js"
import { ReportEquityPoint, ReportMetrics } from "./ReportData.js"
import { ReportDataError } from "./ReportError.js"

const Finite = Schema.Number.pipe(Schema.finite())
const NullableFinite = Schema.NullOr(Finite)

/** One row of `experiment_walk_forward` (times in epoch ms). */
export const ReportWalkForwardFold = Schema.Struct({
  fold: Finite,
  train_from: Finite,
  train_to: Finite,
  test_from: Finite,
  test_to: Finite,
  variant_id: Schema.String,
  is_trades: Finite,
  is_sharpe: NullableFinite,
  is_mean_return: NullableFinite,
  is_net_pnl: Finite,
  oos_trades: Finite,
  oos_sharpe: NullableFinite,
  oos_mean_return: NullableFinite,
  oos_net_pnl: Finite
})
export type ReportWalkForwardFold = typeof ReportWalkForwardFold.Type

export interface ReportWalkForward {
  readonly folds: ReadonlyArray<ReportWalkForwardFold>
  /** The stitched out-of-sample equity curve, in curve order. */
  readonly equity: ReadonlyArray<ReportEquityPoint>
  readonly metrics: ReportMetrics | undefined
}

const read = <Cols extends ReadonlyArray<ColumnDef>, A, I>(
  artifactId: ArtifactId,
  contract: Contract<Cols>,
  schema: Schema.Schema<A, I>
) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const rows = yield* readRows(contract, yield* catalog.dataPath(artifactId))
    return yield* Schema.decodeUnknown(Schema.Array(schema))(rows).pipe(
      Effect.mapError((error) => new ReportDataError({ artifactId, type: contract.type, detail: error.message }))
    )
  })

/** The walk-forward of a run's recorded outputs; undefined when the run has none. */
export const loadWalkForward = (outputs: Readonly<Record<string, OutputRef>>) =>
  Effect.gen(function*() {
    const folds = outputs.walkForward
    const equity = outputs.walkForwardEquity
    const metrics = outputs.walkForwardMetrics
    if (folds === undefined || equity === undefined || metrics === undefined) return undefined
    const [foldRows, equityRows, metricsRows] = yield* Effect.all([
      read(folds.artifactId, ExperimentWalkForward, ReportWalkForwardFold),
      read(equity.artifactId, ExperimentEquity, ReportEquityPoint),
      read(metrics.artifactId, ExperimentMetrics, ReportMetrics)
    ])
    return { folds: foldRows, equity: equityRows, metrics: metricsRows[0] } satisfies ReportWalkForward
  })

const cell = (x: number | null, decimals: number): string =>
  `<td class="num">${escapeHtml(x === null ? NO_VALUE : formatFixed(x, decimals))}</td>`

const window = (from: number, to: number) => `${formatTimestamp(from)} → ${formatTimestamp(to)}`

/** What the section puts the walk-forward beside: the in-sample best variant's whole-range run. */
export interface InSampleBest {
  readonly equity: ReadonlyArray<ReportEquityPoint>
  readonly metrics: ReportMetrics | undefined
}

/** The section's HTML; empty when the report has no walk-forward. */
export const walkForwardSection = (walkForward: ReportWalkForward | undefined, input: InSampleBest): string => {
  if (walkForward === undefined) return ""
  const head = ["fold", "training (alert_ts)", "test (alert_ts)", "selected", "IS trades", "IS Sharpe", "IS net pnl", "OOS trades", "OOS Sharpe", "OOS net pnl"]
    .map((h, i) => `<th${i >= 4 ? ` class="num"` : ""}>${escapeHtml(h)}</th>`).join("")
  const body = walkForward.folds.map((f) =>
    `<tr><td>${formatInt(f.fold)}</td><td>${escapeHtml(window(f.train_from, f.train_to))}</td><td>${
      escapeHtml(window(f.test_from, f.test_to))
    }</td><td>${escapeHtml(f.variant_id)}</td><td class="num">${formatInt(f.is_trades)}</td>${cell(f.is_sharpe, 4)}${
      cell(f.is_net_pnl, 2)
    }<td class="num">${formatInt(f.oos_trades)}</td>${cell(f.oos_sharpe, 4)}${cell(f.oos_net_pnl, 2)}</tr>`
  ).join("")
  const chart = equityChart([
    { label: "in-sample best, whole range (realised)", experiment: 0, kind: "realised", points: input.equity },
    { label: "walk-forward out-of-sample, stitched (realised)", experiment: 1, kind: "realised", points: walkForward.equity }
  ], input.metrics?.initial_capital ?? walkForward.metrics?.initial_capital)
  const side = (label: string, metrics: ReportMetrics | undefined) =>
    `${label}: ${metrics === undefined ? NO_VALUE : `${formatInt(metrics.trades)} trades, net pnl ${
      formatFixed(metrics.total_net_pnl, 2)
    }, Sharpe ${metrics.sharpe === null ? NO_VALUE : formatFixed(metrics.sharpe, 4)}`}`
  const note = `Each fold selects on its training window(s) and is scored on the next window, using the whole-range ` +
    `simulation's trades whose alert_ts falls in each window. ${side("Out-of-sample (stitched)", walkForward.metrics)}; ${
      side("in-sample best", input.metrics)
    }.`
  return `<section><h2>Walk-forward: ${walkForward.folds.length} folds</h2><p class="note">${escapeHtml(note)}</p>${chart}` +
    `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></section>`
}
