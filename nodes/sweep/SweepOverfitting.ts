/**
 * The sweep's probability of backtest overfitting: each variant's daily net pnl (computed by the
 * variant evaluation, kept per batch in an `experiment_sweep_daily` artifact so a cached variant
 * is never simulated again) assembled into the D × N matrix in variant id order, then CSCV
 * (nodes/stats/Overfitting.ts), published as one `experiment_overfitting` artifact.
 */
import { Effect } from "effect"
import { type ArtifactCatalog, type ArtifactId, type Digest, type OutputRef } from "../../store/index.js"
import { ExperimentOverfitting, ExperimentSweepDaily } from "../contracts/index.js"
import { readRows } from "../parquet/index.js"
import { publishRows } from "../parquet/index.js"
import { type OutputArtifact, withPath } from "../experiment/ExecuteExperiment.js"
import { batchArtifactReader } from "./internal/artifactRows.js"
import {
  type DailyPnl,
  denseDaily,
  lastExitDay,
  overfittingDays,
  type OverfittingCombination,
  overfittingSummary,
  probabilityOfOverfitting,
  sharpeBenchmark
} from "../stats/index.js"

const DAY_MS = 86_400_000

/** What `run --json` reports of a sweep's overfitting. */
export interface OverfittingSummary {
  /** Share of CSCV combinations whose in-sample best ranks in the lower half out of sample. */
  readonly pbo: number | null
  /** Least-squares slope of out-of-sample on in-sample Sharpe over combinations (performance degradation). */
  readonly degradationSlope: number | null
  /** The Deflated Sharpe's SR0 and N over the sweep's variants (as the leaderboard's columns). */
  readonly sr0: number | null
  readonly trials: number
  readonly blocks: number
  readonly combinations: number
  readonly artifact: OutputArtifact
}

/** The rows of a variant's `experiment_sweep_daily` entries. */
export const dailyRows = (variantKeyHex: string, daily: DailyPnl) =>
  Array.from(daily.day, (day, k) => ({ variant_key: variantKeyHex, day: day * DAY_MS, net_pnl: daily.netPnl[k]! }))

/** Daily pnl of batch artifacts, each read once: variant key hex → series. */
export const cachedDailyReader = (catalog: typeof ArtifactCatalog.Service) =>
  batchArtifactReader(catalog, ExperimentSweepDaily, (series: Map<string, DailyPnl>, rows) => {
    // Rows come sorted by variant_key, day: cut them into runs.
    for (let start = 0; start < rows.length;) {
      const key = rows[start]!.variant_key
      let end = start
      while (end < rows.length && rows[end]!.variant_key === key) end++
      series.set(key, {
        day: Int32Array.from(rows.slice(start, end), (row) => Math.floor(row.day / DAY_MS)),
        netPnl: Float64Array.from(rows.slice(start, end), (row) => row.net_pnl)
      })
      start = end
    }
  })

const NO_EXITS: DailyPnl = { day: new Int32Array(0), netPnl: new Float64Array(0) }

/**
 * CSCV over `columns` (daily pnl per variant, in variant id order, `variantIds` alike), published
 * as `experiment_overfitting`; `sharpes` (the leaderboard's, same order) give SR0 and N.
 */
export const publishOverfitting = (options: {
  readonly variantIds: ReadonlyArray<string>
  readonly columns: ReadonlyArray<DailyPnl | undefined>
  readonly sharpes: ReadonlyArray<number | null>
  readonly dateRange: { readonly from: number; readonly to: number }
  readonly blocks: number
  readonly logicalKey: string
  readonly inputs: ReadonlyArray<ArtifactId>
  readonly producedBy: { readonly node: string; readonly key: Digest }
}) =>
  Effect.gen(function*() {
    const columns = options.columns.map((column) => column ?? NO_EXITS)
    const range = overfittingDays(options.dateRange, lastExitDay(columns))
    const matrix = columns.map((column) => denseDaily(column, range.first, range.days))
    const result = probabilityOfOverfitting(matrix, options.blocks)
    const manifest = yield* publishRows({
      contract: ExperimentOverfitting,
      rows: result.combinations.map((c, i) => ({
        combination: i,
        in_sample_mask: c.inSampleMask,
        best_variant_id: options.variantIds[c.best]!,
        is_sharpe: c.isSharpe,
        oos_sharpe: c.oosSharpe,
        oos_rank: c.oosRank,
        lambda: c.logit
      })),
      logicalKey: options.logicalKey,
      inputs: options.inputs,
      producedBy: options.producedBy
    })
    const artifact = yield* withPath({ artifactId: manifest.artifactId, digest: manifest.digest })
    return summaryOf(result.combinations, options.sharpes, options.blocks, artifact)
  })

const summaryOf = (
  combinations: ReadonlyArray<Pick<OverfittingCombination, "isSharpe" | "oosSharpe" | "logit">>,
  sharpes: ReadonlyArray<number | null>,
  blocks: number,
  artifact: OutputArtifact
): OverfittingSummary => {
  const { pbo, degradationSlope } = overfittingSummary(combinations)
  const benchmark = sharpeBenchmark(sharpes)
  return {
    pbo: Number.isNaN(pbo) ? null : pbo,
    degradationSlope,
    sr0: benchmark.sr0,
    trials: benchmark.trials,
    blocks,
    combinations: combinations.length,
    artifact
  }
}

/** The summary of a published `experiment_overfitting` (a cached sweep): the same numbers the run computed. */
export const readOverfitting = (
  ref: OutputRef,
  sharpes: ReadonlyArray<number | null>,
  blocks: number
) =>
  Effect.gen(function*() {
    const artifact = yield* withPath(ref)
    const rows = yield* readRows(ExperimentOverfitting, artifact.path)
    const combinations = rows.map((row) => ({ isSharpe: row.is_sharpe, oosSharpe: row.oos_sharpe, logit: row.lambda }))
    return summaryOf(combinations, sharpes, blocks, artifact)
  })
