/**
 * The sweep's artifact types: `experiment_sweep_batch` (the metrics rows of one batch of variants,
 * keyed by each variant's cache key: what per-variant cache entries point into) and
 * `experiment_sweep` (the leaderboard: one row per variant, its parameters, its metrics).
 */
import { type ColumnDef, defineContract } from "./Contract.js"
import { ExperimentMetrics } from "./ExperimentOutputs.js"

export const ExperimentSweepBatch = defineContract({
  type: "experiment_sweep_batch",
  schemaVersion: 1,
  description:
    "The metrics rows of one batch of sweep variants (intermediate: the leaderboard is assembled from these). " +
    "Sorted by variant_key.",
  columns: [
    { name: "variant_key", duckdbType: "VARCHAR", nullable: false, description: "The variant's cache key (64 hex digits)." },
    ...ExperimentMetrics.columns
  ],
  sortKeys: ["variant_key"],
  uniqueKeys: [["variant_key"]]
})

const VARIANT_ID: ColumnDef = {
  name: "variant_id",
  duckdbType: "VARCHAR",
  nullable: false,
  description: "var_ + 16 hex digits of the BLAKE3 hash of the variant's overrides (canonical JSON)."
}

/** The leaderboard as registered: its parameter columns (one per swept path) vary by sweep. */
export const ExperimentSweep = defineContract({
  type: "experiment_sweep",
  schemaVersion: 1,
  description:
    "The sweep leaderboard: one row per variant — variant_id, one column per swept strategy path (named by the path, " +
    "the variant's value after defaults), then every column of experiment_metrics. Sorted by variant_id.",
  columns: [VARIANT_ID, ...ExperimentMetrics.columns],
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
      ...ExperimentMetrics.columns
    ],
    sortKeys: ["variant_id"],
    uniqueKeys: [["variant_id"]],
    pathColumns: true
  })
