/**
 * What a report is built from: the experiment record and the rows of its latest completed run's
 * outputs, plus the lineage of those outputs. The row Schemas decode what `readRows` returns
 * (timestamps as epoch ms), keeping only the columns the report shows.
 */
import { Schema } from "effect"
import { type ContractRow, DIAGNOSTIC_CODES, DIAGNOSTIC_LEVELS, EXIT_REASONS, type ExperimentDiagnostics, type ExperimentEquity, type ExperimentMetrics } from "../contracts/index.js"
import type { TradeRow } from "../simulate/index.js"
import type { RankMetric } from "../sweep/SweepSpec.js"
import type { SweepTrials } from "../trials/index.js"
import type { MarkToMarketPoint } from "./MarkToMarket.js"
import type { ReportWalkForward } from "./WalkForwardSection.js"

const Finite = Schema.Number.pipe(Schema.finite())
const NullableFinite = Schema.NullOr(Finite)

/**
 * The columns of `experiment_trades` the report uses. Each view below is declared against its
 * contract's row type, so a column the contract renames or retypes is a compile error here.
 */
export const ReportTrade: Schema.Schema<Pick<TradeRow, ReportTradeColumn>> = Schema.Struct({
  trade_id: Schema.String,
  alert_id: Schema.String,
  chain: Schema.String,
  mint: Schema.String,
  caller: Schema.NullOr(Schema.String),
  entry_ts: Finite,
  exit_ts: Finite,
  entry_price: Finite,
  exit_price: Finite,
  exit_reason: Schema.Literal(...EXIT_REASONS),
  net_pnl: Finite,
  return: Finite,
  peak_multiple: Finite,
  hold_candles: Finite
})
type ReportTradeColumn =
  | "trade_id"
  | "alert_id"
  | "chain"
  | "mint"
  | "caller"
  | "entry_ts"
  | "exit_ts"
  | "entry_price"
  | "exit_price"
  | "exit_reason"
  | "net_pnl"
  | "return"
  | "peak_multiple"
  | "hold_candles"
export type ReportTrade = typeof ReportTrade.Type

/** The columns of `experiment_equity` the report uses. */
export const ReportEquityPoint: Schema.Schema<
  Pick<ContractRow<typeof ExperimentEquity>, "seq" | "ts" | "equity" | "drawdown" | "open_positions">
> = Schema.Struct({
  seq: Finite,
  ts: Finite,
  equity: Finite,
  drawdown: Finite,
  open_positions: Finite
})
export type ReportEquityPoint = typeof ReportEquityPoint.Type

/** One row of `experiment_diagnostics`. */
export const ReportDiagnostic: Schema.Schema<ContractRow<typeof ExperimentDiagnostics>> = Schema.Struct({
  alert_id: Schema.String,
  level: Schema.Literal(...DIAGNOSTIC_LEVELS),
  code: Schema.Literal(...DIAGNOSTIC_CODES),
  message: Schema.String
})
export type ReportDiagnostic = typeof ReportDiagnostic.Type

/** The row of `experiment_metrics`. */
export const ReportMetrics: Schema.Schema<ContractRow<typeof ExperimentMetrics>> = Schema.Struct({
  trades: Finite,
  wins: Finite,
  losses: Finite,
  win_rate: NullableFinite,
  mean_return: NullableFinite,
  median_return: NullableFinite,
  total_net_pnl: Finite,
  profit_factor: NullableFinite,
  expectancy: NullableFinite,
  max_drawdown: Finite,
  sharpe: NullableFinite,
  sortino: NullableFinite,
  mean_hold_candles: NullableFinite,
  mean_return_ci_low: NullableFinite,
  mean_return_ci_high: NullableFinite,
  sharpe_ci_low: NullableFinite,
  sharpe_ci_high: NullableFinite,
  bootstrap_resamples: Finite,
  initial_capital: Finite,
  final_equity: Finite
})
export type ReportMetrics = typeof ReportMetrics.Type

/** An artifact in the report's lineage section. */
export interface ReportArtifact {
  readonly artifactId: string
  readonly type: string
  readonly logicalKey: string
  readonly rowCount: number
  readonly bytes: number
}

export interface ReportLineage {
  /** Every artifact reachable from the outputs through their inputs (outputs included). */
  readonly nodes: ReadonlyArray<ReportArtifact>
  /** `from` consumed `to`. */
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string }>
}

export interface ReportProvenance {
  readonly engineVersion: string
  readonly duckdbVersion: string
  readonly gitCommit: string | null
  readonly gitDirty: boolean
}

/** A swept parameter's value in one variant (null where the strategy has none). */
export type ReportParameterValue = number | string | boolean | null

/** A swept strategy path: a parameter column of the leaderboard. */
export interface ReportSweepParameter {
  readonly path: string
  readonly duckdbType: "DOUBLE" | "VARCHAR" | "BOOLEAN"
}

/** One row of the `experiment_sweep` leaderboard. */
export interface ReportSweepRow {
  readonly variantId: string
  /** Swept path → the variant's value. */
  readonly parameters: Readonly<Record<string, ReportParameterValue>>
  readonly metrics: ReportMetrics
}

/** What a sweep experiment's report adds: its leaderboard and how it is ranked. */
export interface ReportSweep {
  readonly leaderboardId: string
  /** The metric of the definition's `sweep.rank` (default `sharpe`). */
  readonly rank: RankMetric
  /** In the leaderboard's column order. */
  readonly parameters: ReadonlyArray<ReportSweepParameter>
  /** One per variant, in any order (the report ranks them). */
  readonly rows: ReadonlyArray<ReportSweepRow>
  /**
   * The variant whose trades, metrics, equity and diagnostics the run recorded (the best by rank);
   * undefined when the sweep kept none (`keep: 0`): the report then shows no single-variant sections.
   */
  readonly best: string | undefined
}

/** Another experiment shown beside the report's own (`pipeline report A --compare B`). */
export interface ReportComparison {
  readonly experimentId: string
  readonly name: string
  readonly runId: string
  readonly metrics: ReportMetrics | undefined
  /** Its realised curve, in curve order. */
  readonly equity: ReadonlyArray<ReportEquityPoint>
  /** Its mark-to-market curve; undefined when it could not be computed. */
  readonly markToMarket?: ReadonlyArray<MarkToMarketPoint>
}

export interface ReportInput {
  readonly experiment: {
    readonly experimentId: string
    readonly name: string
    readonly seed: number
    /** The definition as recorded (a JSON value). */
    readonly definition: unknown
    /** Input group → artifact ids. */
    readonly inputs: Readonly<Record<string, ReadonlyArray<string>>>
  }
  /** Output name (trades, metrics, equity, diagnostics) → artifact id. */
  readonly outputs: Readonly<Record<string, string>>
  /** Of the metrics artifact, when known. */
  readonly provenance?: ReportProvenance
  readonly metrics: ReportMetrics | undefined
  /** In output order (entry_ts, trade_id). */
  readonly trades: ReadonlyArray<ReportTrade>
  /** In curve order (ts, seq). */
  readonly equity: ReadonlyArray<ReportEquityPoint>
  /**
   * The mark-to-market curve (`MarkToMarket.ts`), computed when the report is loaded from the
   * trades, fills and input candles; undefined when it could not be (the chart then shows the
   * realised curve alone).
   */
  readonly markToMarket?: ReadonlyArray<MarkToMarketPoint>
  readonly diagnostics: ReadonlyArray<ReportDiagnostic>
  readonly lineage: ReportLineage
  /** Present for a sweep experiment only. */
  readonly sweep?: ReportSweep
  /** Present when another experiment is compared with this one. */
  readonly compare?: ReportComparison
  /** A sweep's walk-forward folds and stitched out-of-sample run (WalkForwardSection.ts). */
  readonly walkForward?: ReportWalkForward
  /** A sweep's Deflated Sharpe with its own N and with the trial ledger's (TrialsSection.ts). */
  readonly trials?: SweepTrials
}
