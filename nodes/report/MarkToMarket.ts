/**
 * The mark-to-market equity curve: the realised curve (`experiment_equity`) plus the value of the
 * positions still open, marked at each candle's close.
 *
 * Definition (consistent with docs/DESIGN.md §7's pnl): at the close of every candle in which some
 * position is open,
 *
 *   equity = realised equity after every fill up to and including that candle
 *          + Σ over open positions of (remaining quantity × the mint's latest close
 *                                     − remaining cost basis),
 *
 * where remaining quantity = bought quantity − Σ sold quantity and remaining cost basis =
 * notional − Σ (notional × sold quantity / bought quantity), both updated after the fills of that
 * candle exactly as the simulation kernel updates them (so a sell's realised pnl, proceeds − fee −
 * basis, moves value from the open part into the realised part). The close is taken as is: no
 * exit fee or slippage is charged to a position before it is actually sold. A position counts as
 * open from its entry candle to the candle before its last fill; at its last fill it is wholly
 * realised. A mint with no candle at some minute keeps its latest close.
 *
 * Pure and deterministic: the marks are sorted here by a total order (trade, time, close), so
 * their arrival order does not matter, and at each time the open positions' values are summed in
 * trade order.
 */
import { lowerBoundOf } from "../simulate/index.js"

/** One position, in the trades' output order (its index is the `trade` of its marks). */
export interface MtmPosition {
  /** Entry candle open time (epoch ms). */
  readonly entryTs: number
  /** Candle of the last fill (epoch ms). */
  readonly exitTs: number
  readonly notional: number
  /** Quantity bought (notional / entry fill price). */
  readonly quantity: number
  /** The sell fills before the last one (the partial exits), in fill order. */
  readonly partialSells: ReadonlyArray<{ readonly ts: number; readonly quantity: number }>
}

/**
 * Closes of the candles each position is open in (entry candle up to, not including, the exit
 * candle), columnar, in any order: the rows are a set, sorted here by (trade, time, close).
 */
export interface MtmMarks {
  readonly length: number
  readonly ts: ArrayLike<number>
  /** Index into the positions. */
  readonly trade: ArrayLike<number>
  readonly close: ArrayLike<number>
}

/** A point of the realised curve (rows of `experiment_equity`, in curve order). */
export interface RealisedPoint {
  readonly ts: number
  readonly equity: number
  readonly open_positions: number
}

/** One point of the mark-to-market curve. */
export interface MarkToMarketPoint {
  /** Candle open time (epoch ms); the value is the one at that candle's close. */
  readonly ts: number
  readonly equity: number
  /** 1 − equity / running peak (the peak starts at the initial capital). */
  readonly drawdown: number
  /** Positions open after the candle's fills. */
  readonly open_positions: number
}

/** Row indices of `marks` grouped by trade (counting sort), each trade's rows by (time, close). */
const marksByTrade = (marks: MtmMarks, trades: number): { readonly start: Int32Array; readonly rows: Int32Array } => {
  const start = new Int32Array(trades + 1)
  for (let k = 0; k < marks.length; k++) start[marks.trade[k] + 1]++
  for (let i = 0; i < trades; i++) start[i + 1] += start[i]
  const fill = start.slice(0, trades)
  const rows = new Int32Array(marks.length)
  for (let k = 0; k < marks.length; k++) rows[fill[marks.trade[k]]++] = k
  for (let i = 0; i < trades; i++) {
    const from = start[i]
    const to = start[i + 1]
    let sorted = true
    for (let k = from + 1; k < to && sorted; k++) {
      const a = rows[k - 1]
      const b = rows[k]
      sorted = marks.ts[a] < marks.ts[b] || (marks.ts[a] === marks.ts[b] && marks.close[a] <= marks.close[b])
    }
    if (!sorted) {
      const slice = Array.from(rows.subarray(from, to)).sort((a, b) => marks.ts[a] - marks.ts[b] || marks.close[a] - marks.close[b])
      rows.set(slice, from)
    }
  }
  return { start, rows }
}

/** The distinct times of the marks and the realised points, ascending. */
const gridOf = (marks: MtmMarks, realised: ReadonlyArray<RealisedPoint>): Float64Array => {
  const all = new Float64Array(marks.length + realised.length)
  for (let k = 0; k < marks.length; k++) all[k] = marks.ts[k]
  for (let r = 0; r < realised.length; r++) all[marks.length + r] = realised[r].ts
  all.sort()
  let n = 0
  for (let k = 0; k < all.length; k++) if (n === 0 || all[k] !== all[n - 1]) all[n++] = all[k]
  return all.subarray(0, n)
}

/**
 * The mark-to-market curve: one point per distinct time among the marks and the realised points,
 * ascending. Empty when there are no realised points. At each time the open positions' values are
 * added in trade order (the trades' output order), whatever order the marks came in.
 */
export const markToMarketCurve = (
  initialCapital: number,
  positions: ReadonlyArray<MtmPosition>,
  realised: ReadonlyArray<RealisedPoint>,
  marks: MtmMarks
): Array<MarkToMarketPoint> => {
  if (realised.length === 0) return []
  const grid = gridOf(marks, realised)
  const unrealised = new Float64Array(grid.length)
  const { rows, start } = marksByTrade(marks, positions.length)
  for (let i = 0; i < positions.length; i++) {
    const from = start[i]
    const to = start[i + 1]
    if (from === to) continue
    const position = positions[i]
    const sells = position.partialSells
    let nextSell = 0
    let remaining = position.quantity
    let basisSold = 0
    let value = 0
    let m = from
    // From the first mark's candle up to, not including, the candle of the last fill.
    for (let g = lowerBoundOf(grid, marks.ts[rows[from]]); g < grid.length && grid[g] < position.exitTs; g++) {
      const t = grid[g]
      // The latest mark at or before t (a mint without a candle at t keeps its latest close).
      for (; m < to && marks.ts[rows[m]] <= t; m++) {
        const markTs = marks.ts[rows[m]]
        while (nextSell < sells.length && sells[nextSell].ts <= markTs) {
          const sold = sells[nextSell++].quantity
          basisSold += position.notional * sold / position.quantity
          remaining -= sold
        }
        value = remaining * marks.close[rows[m]] - (position.notional - basisSold)
      }
      unrealised[g] += value
    }
  }
  const out: Array<MarkToMarketPoint> = new Array(grid.length)
  let r = 0
  let realisedEquity = initialCapital
  let openPositions = 0
  let peak = initialCapital
  for (let g = 0; g < grid.length; g++) {
    const t = grid[g]
    for (; r < realised.length && realised[r].ts === t; r++) {
      realisedEquity = realised[r].equity
      openPositions = realised[r].open_positions
    }
    const equity = realisedEquity + unrealised[g]
    if (equity > peak) peak = equity
    out[g] = { ts: t, equity, drawdown: 1 - equity / peak, open_positions: openPositions }
  }
  return out
}

/** The largest drawdown of a curve (0 for an empty one). */
export const maxDrawdownOf = (points: ReadonlyArray<{ readonly drawdown: number }>): number => {
  let deepest = 0
  for (const p of points) if (p.drawdown > deepest) deepest = p.drawdown
  return deepest
}
