/**
 * Walk-forward selection over a sweep, from the trades of each variant's whole-range simulation
 * (no re-simulation per window):
 *
 * - the date range [from, to) is cut into folds + 1 equal windows by alert_ts, boundaries
 *   from + ⌊i·(to − from) / (folds + 1)⌋ ms (window i holds from_i ≤ alert_ts < from_{i+1});
 * - fold k (0 … folds − 1) trains on window k (`rolling`) or windows 0 … k (`anchored`), selects the
 *   variant with the best training value of the `select` metric (undefined values lose; ties: the
 *   smallest variant id, i.e. the first column), and is scored on window k + 1;
 * - the stitched out-of-sample result is, fold after fold, the selected variant's trades whose
 *   alert_ts falls in the fold's test window.
 *
 * Each variant is summarised per window (trades, wins, Σ return, Σ (return − window mean)², Σ net
 * pnl), computed where the trades are (the sweep worker) so no trade is kept; windows combine by
 * the parallel-variance rule in window order. One window's Sharpe equals experiment_metrics'
 * (mean / sample sd, two passes).
 */
import { sharpeRatio } from "./SharpeRatio.js"

export type WalkForwardScheme = "rolling" | "anchored"
export type WalkForwardMetric = "sharpe" | "mean_return" | "total_net_pnl"

export interface TimeWindow {
  /** Epoch ms, inclusive. */
  readonly from: number
  /** Epoch ms, exclusive. */
  readonly to: number
}

/** A variant's trades in one window (or several combined). */
export interface WindowStats {
  readonly trades: number
  readonly wins: number
  readonly sumReturn: number
  /** Σ (return − mean return)² over these trades. */
  readonly m2Return: number
  readonly netPnl: number
}

export const EMPTY_WINDOW: WindowStats = { trades: 0, wins: 0, sumReturn: 0, m2Return: 0, netPnl: 0 }

/** The folds + 1 equal windows of `dateRange` (integer ms boundaries). */
export const walkForwardWindows = (dateRange: TimeWindow, folds: number): Array<TimeWindow> => {
  const count = folds + 1
  const span = dateRange.to - dateRange.from
  const bound = (i: number) => (i === count ? dateRange.to : dateRange.from + Math.floor((i * span) / count))
  return Array.from({ length: count }, (_, i) => ({ from: bound(i), to: bound(i + 1) }))
}

/** The window holding `ts`, or −1 when outside every window. */
export const windowOf = (windows: ReadonlyArray<TimeWindow>, ts: number): number => {
  let lo = 0
  let hi = windows.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const w = windows[mid]!
    if (ts < w.from) hi = mid - 1
    else if (ts >= w.to) lo = mid + 1
    else return mid
  }
  return -1
}

type TradeLike = { readonly alert_ts: number; readonly return: number; readonly net_pnl: number }

/** Per-window statistics of `trades` (two passes per window, trades in the order given). */
export const windowStats = (trades: ReadonlyArray<TradeLike>, windows: ReadonlyArray<TimeWindow>): Array<WindowStats> => {
  const count = new Float64Array(windows.length)
  const wins = new Float64Array(windows.length)
  const sum = new Float64Array(windows.length)
  const pnl = new Float64Array(windows.length)
  const at = trades.map((trade) => windowOf(windows, trade.alert_ts))
  trades.forEach((trade, i) => {
    const w = at[i]!
    if (w < 0) return
    count[w]++
    if (trade.net_pnl > 0) wins[w]++
    sum[w] += trade.return
    pnl[w] += trade.net_pnl
  })
  const m2 = new Float64Array(windows.length)
  trades.forEach((trade, i) => {
    const w = at[i]!
    if (w < 0) return
    const d = trade.return - sum[w]! / count[w]!
    m2[w] += d * d
  })
  return windows.map((_, w) => ({ trades: count[w]!, wins: wins[w]!, sumReturn: sum[w]!, m2Return: m2[w]!, netPnl: pnl[w]! }))
}

/** Windows combined in the order given (Chan et al.'s parallel variance). */
export const combineWindows = (parts: ReadonlyArray<WindowStats>): WindowStats => {
  let acc = EMPTY_WINDOW
  for (const part of parts) {
    if (part.trades === 0) continue
    if (acc.trades === 0) {
      acc = part
      continue
    }
    const n = acc.trades + part.trades
    const delta = part.sumReturn / part.trades - acc.sumReturn / acc.trades
    acc = {
      trades: n,
      wins: acc.wins + part.wins,
      sumReturn: acc.sumReturn + part.sumReturn,
      m2Return: acc.m2Return + part.m2Return + (delta * delta * acc.trades * part.trades) / n,
      netPnl: acc.netPnl + part.netPnl
    }
  }
  return acc
}

/** Mean return / sample sd; null with fewer than 2 trades or no spread (sharpeRatio). */
export const windowSharpe = (stats: WindowStats): number | null => {
  if (stats.trades < 2) return null
  return sharpeRatio(stats.sumReturn / stats.trades, Math.sqrt(stats.m2Return / (stats.trades - 1)))
}

export const windowMeanReturn = (stats: WindowStats): number | null =>
  stats.trades > 0 ? stats.sumReturn / stats.trades : null

/** The value of `metric` on `stats` (null when undefined). */
export const windowMetric = (stats: WindowStats, metric: WalkForwardMetric): number | null =>
  metric === "sharpe" ? windowSharpe(stats) : metric === "mean_return" ? windowMeanReturn(stats) : stats.netPnl

export interface WalkForwardFold {
  readonly fold: number
  /** Training windows: first … last (inclusive). */
  readonly trainFirst: number
  readonly trainLast: number
  /** The test window: fold + 1. */
  readonly test: number
  /** Column of the selected variant. */
  readonly selected: number
  /** Its statistics on the training windows (combined) and on the test window. */
  readonly inSample: WindowStats
  readonly outOfSample: WindowStats
}

/**
 * Selects one variant per fold. `stats[v][w]`: variant v (in variant id order) on window w; every
 * variant needs folds + 1 windows.
 */
export const selectWalkForward = (
  stats: ReadonlyArray<ReadonlyArray<WindowStats>>,
  options: { readonly folds: number; readonly scheme: WalkForwardScheme; readonly select: WalkForwardMetric }
): Array<WalkForwardFold> => {
  const { folds, scheme, select } = options
  for (const row of stats) {
    if (row.length !== folds + 1) throw new Error(`every variant needs ${folds + 1} windows, one has ${row.length}`)
  }
  if (stats.length === 0) return []
  const out: Array<WalkForwardFold> = []
  for (let k = 0; k < folds; k++) {
    const trainFirst = scheme === "rolling" ? k : 0
    const training = stats.map((row) => combineWindows(row.slice(trainFirst, k + 1)))
    let selected = -1
    let bestValue = Number.NEGATIVE_INFINITY
    training.forEach((t, v) => {
      const value = windowMetric(t, select)
      if (value !== null && value > bestValue) {
        bestValue = value
        selected = v
      }
    })
    if (selected < 0) selected = 0
    out.push({
      fold: k,
      trainFirst,
      trainLast: k,
      test: k + 1,
      selected,
      inSample: training[selected]!,
      outOfSample: stats[selected]![k + 1]!
    })
  }
  return out
}

/**
 * The stitched out-of-sample trades: for each fold, the trades of `tradesOf(selected)` whose
 * alert_ts falls in the fold's test window (test windows are disjoint, so every trade appears once).
 */
export const stitchOutOfSample = <T extends { readonly alert_ts: number }>(
  folds: ReadonlyArray<WalkForwardFold>,
  windows: ReadonlyArray<TimeWindow>,
  tradesOf: (selected: number) => ReadonlyArray<T>
): Array<T> =>
  folds.flatMap((fold) => {
    const w = windows[fold.test]!
    return tradesOf(fold.selected).filter((trade) => trade.alert_ts >= w.from && trade.alert_ts < w.to)
  })
