/**
 * A sweep's Deflated Sharpe read two ways, for its report: with the sweep's own N (the
 * leaderboard's `dsr`, deterministic, in the artifact) and with the trial ledger's N (every trial
 * under the experiment's name in the store, so it grows as more is run; computed when read and
 * never written into an artifact).
 */
import { Effect } from "effect"
import { ArtifactCatalog, type ArtifactId } from "../../store/index.js"
import { probabilisticSharpe } from "../stats/index.js"
import { RANK_DIRECTIONS, type RankMetric } from "../sweep/SweepSpec.js"
import { readLedgerColumns, trialLedger } from "./TrialLedger.js"

export interface SweepTrialRow {
  readonly variantId: string
  readonly rankValue: number | null
  readonly sharpe: number | null
  readonly psr0: number | null
  /** The leaderboard's dsr (the sweep's N). */
  readonly sweepDsr: number | null
  /** Against the ledger's SR0. */
  readonly ledgerDsr: number | null
}

export interface SweepTrials {
  readonly name: string
  readonly rank: RankMetric
  readonly sweep: { readonly trials: number | null; readonly sr0: number | null }
  readonly ledger: { readonly trials: number; readonly sr0: number | null; readonly experiments: number }
  /** The best `limit` variants by the rank metric (nulls last, ties by variant id). */
  readonly rows: ReadonlyArray<SweepTrialRow>
}

const numberOrNull = (value: unknown): number | null => (typeof value === "number" ? value : null)

/** The Deflated Sharpe of the best `limit` variants of the leaderboard `leaderboardId`, both ways. */
export const sweepTrials = (
  name: string,
  leaderboardId: ArtifactId,
  rank: RankMetric,
  limit = 10
) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const ledger = yield* trialLedger(name)
    const rows = yield* readLedgerColumns(yield* catalog.dataPath(leaderboardId), rank, ["psr0", "sr0"])
    const descending = RANK_DIRECTIONS[rank] !== "asc"
    const ranked = [...rows].sort((a, b) => {
      const x = numberOrNull(a[rank])
      const y = numberOrNull(b[rank])
      if (x !== y) {
        if (x === null) return 1
        if (y === null) return -1
        return descending ? y - x : x - y
      }
      return String(a.variant_id) < String(b.variant_id) ? -1 : 1
    })
    const first = rows[0]
    return {
      name,
      rank,
      sweep: { trials: numberOrNull(first?.trials), sr0: numberOrNull(first?.sr0) },
      ledger: { trials: ledger.benchmark.trials, sr0: ledger.benchmark.sr0, experiments: ledger.experiments.length },
      rows: ranked.slice(0, limit).map((row) => ({
        variantId: String(row.variant_id),
        rankValue: numberOrNull(row[rank]),
        sharpe: numberOrNull(row.sharpe),
        psr0: numberOrNull(row.psr0),
        sweepDsr: numberOrNull(row.dsr),
        ledgerDsr: probabilisticSharpe({
          sharpe: numberOrNull(row.sharpe),
          trades: numberOrNull(row.trades) ?? 0,
          skew: numberOrNull(row.return_skew),
          kurtosis: numberOrNull(row.return_kurtosis)
        }, ledger.benchmark.sr0)
      }))
    } satisfies SweepTrials
  })
