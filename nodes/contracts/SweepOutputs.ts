/**
 * The sweep's artifact types: `experiment_sweep_batch` (the metrics rows of one batch of variants,
 * keyed by each variant's cache key: what per-variant cache entries point into) and
 * `experiment_sweep` (the leaderboard: one row per variant, its parameters, its metrics).
 */
import { column, type ColumnDef, defineContract, nullableColumn } from "./Contract.js"
import { ExperimentMetrics } from "./ExperimentOutputs.js"

/** Per variant, beside its metrics: the moments of its trades' returns (what the Deflated Sharpe needs). */
export const RETURN_MOMENT_COLUMNS = [
  nullableColumn(
    "return_skew",
    "DOUBLE",
    "Skewness of the trades' returns from population moments, m3 / m2^1.5; null with no trade or zero variance."
  ),
  nullableColumn("return_kurtosis", "DOUBLE", "Kurtosis (not excess) of the trades' returns, m4 / m2²; null with no trade or zero variance.")
] as const

/** The leaderboard's Deflated Sharpe columns (nodes/stats/DeflatedSharpe.ts has the formulas). */
export const DEFLATED_SHARPE_COLUMNS = [
  nullableColumn(
    "psr0",
    "DOUBLE",
    "Probabilistic Sharpe against 0: Φ(SR·√(T−1) / √(1 − skew·SR + (kurtosis−1)/4·SR²)), T = trades; null when T < 2, " +
      "SR is undefined or the root's argument ≤ 0."
  ),
  nullableColumn("dsr", "DOUBLE", "Deflated Sharpe: as psr0 with SR − sr0 in place of SR; null also when sr0 is."),
  nullableColumn(
    "sr0",
    "DOUBLE",
    "Expected maximum Sharpe of `trials` unskilled variants: √V·((1−γ)·Φ⁻¹(1−1/N) + γ·Φ⁻¹(1−1/(N·e))), V the sample " +
      "variance of the defined Sharpes; the same in every row; null when N < 2."
  ),
  column("trials", "INTEGER", "N: variants of the sweep with a defined Sharpe; the same in every row.")
] as const

export const ExperimentSweepBatch = defineContract({
  type: "experiment_sweep_batch",
  schemaVersion: 2,
  description:
    "The metrics rows of one batch of sweep variants, with their return moments (intermediate: the leaderboard is " +
    "assembled from these). Sorted by variant_key.",
  columns: [
    { name: "variant_key", duckdbType: "VARCHAR", nullable: false, description: "The variant's cache key (64 hex digits)." },
    ...ExperimentMetrics.columns,
    ...RETURN_MOMENT_COLUMNS
  ],
  sortKeys: ["variant_key"],
  uniqueKeys: [["variant_key"]]
})

const VARIANT_ID = column(
  "variant_id",
  "VARCHAR",
  "var_ + 16 hex digits of the BLAKE3 hash of the variant's overrides (canonical JSON)."
)

/** The leaderboard as registered: its parameter columns (one per swept path) vary by sweep. */
export const ExperimentSweep = defineContract({
  type: "experiment_sweep",
  schemaVersion: 2,
  description:
    "The sweep leaderboard: one row per variant — variant_id, one column per swept strategy path (named by the path, " +
    "the variant's value after defaults), then every column of experiment_metrics, the return moments and the " +
    "Deflated Sharpe columns. Sorted by variant_id.",
  columns: [VARIANT_ID, ...ExperimentMetrics.columns, ...RETURN_MOMENT_COLUMNS, ...DEFLATED_SHARPE_COLUMNS],
  sortKeys: ["variant_id"],
  uniqueKeys: [["variant_id"]]
})

/** The leaderboard contract of one sweep, with a column per swept path between the id and the metrics. */
export const sweepLeaderboardContract = (
  parameters: ReadonlyArray<{ readonly path: string; readonly duckdbType: "DOUBLE" | "VARCHAR" | "BOOLEAN" }>
) =>
  defineContract({
    type: ExperimentSweep.type,
    schemaVersion: ExperimentSweep.schemaVersion,
    description: ExperimentSweep.description,
    columns: [
      VARIANT_ID,
      ...parameters.map((parameter): ColumnDef => ({
        name: parameter.path,
        duckdbType: parameter.duckdbType,
        nullable: true,
        description: `The variant's strategy.${parameter.path}.`
      })),
      ...ExperimentMetrics.columns,
      ...RETURN_MOMENT_COLUMNS,
      ...DEFLATED_SHARPE_COLUMNS
    ],
    sortKeys: ["variant_id"],
    uniqueKeys: [["variant_id"]],
    pathColumns: true
  })
