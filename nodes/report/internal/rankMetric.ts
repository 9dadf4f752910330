/**
 * The sweep's rank metric in the report: its direction (which way is better), the order of the
 * leaderboard, and how its values print. The order is the run's (`compareByRank` in
 * nodes/sweep/ExecuteSweep.ts): better first, null last, ties by variant id, so the first row is
 * the variant whose outputs the run recorded.
 */
import { RANK_DIRECTIONS, type RankMetric } from "../../sweep/SweepSpec.js"
import { formatFixed, formatInt, formatPercent, formatSignedPercent } from "../Format.js"
import type { ReportSweepRow } from "../ReportData.js"

export type { RankMetric }

/** `"desc"` when higher is better (every metric but max_drawdown and losses). */
export const rankDirection = (rank: RankMetric): "asc" | "desc" => RANK_DIRECTIONS[rank]

/** `rank` when `value` is one of the metrics a sweep ranks by, else `undefined`. */
export const rankMetricOf = (value: unknown): RankMetric | undefined =>
  typeof value === "string" && Object.prototype.hasOwnProperty.call(RANK_DIRECTIONS, value) ? value as RankMetric : undefined

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Better first by `rank`'s direction; null values last; ties by variant id. */
export const compareRows = (rank: RankMetric) => (a: ReportSweepRow, b: ReportSweepRow): number => {
  const x = a.metrics[rank]
  const y = b.metrics[rank]
  if (x !== y) {
    if (x === null) return 1
    if (y === null) return -1
    return rankDirection(rank) === "asc" ? x - y : y - x
  }
  return compareStrings(a.variantId, b.variantId)
}

/** The rows in variant id order: `rows` itself when already so (as a leaderboard is stored). */
export const byVariantId = (rows: ReadonlyArray<ReportSweepRow>): ReadonlyArray<ReportSweepRow> => {
  for (let i = 1; i < rows.length; i++) {
    if (!(rows[i - 1].variantId < rows[i].variantId)) {
      return [...rows].sort((a, b) => compareStrings(a.variantId, b.variantId))
    }
  }
  return rows
}

/** The rows best first (a new array); the order of `compareRows`, with the values read once. */
export const rankRows = (rows: ReadonlyArray<ReportSweepRow>, rank: RankMetric): Array<ReportSweepRow> => {
  const sign = rankDirection(rank) === "asc" ? 1 : -1
  const keyed = rows.map((row) => ({ row, id: row.variantId, value: row.metrics[rank] }))
  keyed.sort((a, b) => {
    if (a.value !== b.value) {
      if (a.value === null) return 1
      if (b.value === null) return -1
      return sign * (a.value - b.value)
    }
    return compareStrings(a.id, b.id)
  })
  return keyed.map((k) => k.row)
}

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
