/**
 * The sweep's rank metric in the report: its direction (which way is better), the order of the
 * leaderboard, and how its values print. The order is the run's (`compareByRank` in
 * nodes/sweep/SweepSpec.ts): better first, null last, ties by variant id, so the first row is
 * the variant whose outputs the run recorded.
 */
import { compareByRank, RANK_DIRECTIONS, type RankMetric } from "../../sweep/SweepSpec.js"
import { formatFixed, formatInt, formatPercent, formatSignedPercent } from "../Format.js"
import type { ReportSweepRow } from "../ReportData.js"
import { compareStrings } from "../../../store/index.js"

export type { RankMetric }

/** `"desc"` when higher is better (every metric but max_drawdown and losses). */
export const rankDirection = (rank: RankMetric): "asc" | "desc" => RANK_DIRECTIONS[rank]

/** `rank` when `value` is one of the metrics a sweep ranks by, else `undefined`. */
export const rankMetricOf = (value: unknown): RankMetric | undefined =>
  typeof value === "string" && Object.prototype.hasOwnProperty.call(RANK_DIRECTIONS, value) ? value as RankMetric : undefined

/** Better first by `rank`'s direction; null values last; ties by variant id (the run's order). */
export const compareRows = (rank: RankMetric): (a: ReportSweepRow, b: ReportSweepRow) => number => compareByRank(rank)


/** The rows in variant id order: `rows` itself when already so (as a leaderboard is stored). */
export const byVariantId = (rows: ReadonlyArray<ReportSweepRow>): ReadonlyArray<ReportSweepRow> => {
  for (let i = 1; i < rows.length; i++) {
    if (!(rows[i - 1].variantId < rows[i].variantId)) {
      return [...rows].sort((a, b) => compareStrings(a.variantId, b.variantId))
    }
  }
  return rows
}

/** The rows best first (a new array), in the order of `compareRows`. */
export const rankRows = (rows: ReadonlyArray<ReportSweepRow>, rank: RankMetric): Array<ReportSweepRow> =>
  [...rows].sort(compareByRank(rank))

const PERCENT = new Set<RankMetric>(["win_rate", "max_drawdown"])
const SIGNED_PERCENT = new Set<RankMetric>(["mean_return", "median_return", "mean_return_ci_low"])
const MONEY = new Set<RankMetric>(["total_net_pnl", "expectancy", "final_equity"])
const COUNT = new Set<RankMetric>(["trades", "wins", "losses"])

/**
 * A value of `rank` as text: percentages for rates and returns, 2 decimals for money, whole
 * numbers for counts (1 decimal when `fractional`, e.g. a mean), `decimals` for ratios.
 */
export const formatRankValue = (
  rank: RankMetric,
  value: number | null,
  decimals = 3,
  fractional = false
): string => {
  if (PERCENT.has(rank)) return formatPercent(value, Math.max(1, decimals - 1))
  if (SIGNED_PERCENT.has(rank)) return formatSignedPercent(value, Math.max(1, decimals - 1))
  if (MONEY.has(rank)) return formatFixed(value, 2)
  if (COUNT.has(rank)) return fractional ? formatFixed(value, 1) : formatInt(value)
  return formatFixed(value, decimals)
}
