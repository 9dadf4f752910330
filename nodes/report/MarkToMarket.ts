/**
 * The mark-to-market equity curve: the realised curve (`experiment_equity`) plus the value of the
 * positions still open, marked at each candle's close.
 *
 * Definition (consistent with DESIGN.md §7's pnl): at the close of every candle in which some
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
 * Pure and deterministic: marks arrive in a total order (time, then trade index) and every sum is
 * taken in a fixed order (open positions in the order they opened).
 */

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
 * candle), columnar, ordered by time then trade index.
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

interface OpenState {
  readonly index: number
  remaining: number
  basisSold: number
  nextSell: number
  value: number
}

/**
 * The mark-to-market curve: one point per distinct time among the marks and the realised points,
 * ascending. Empty when there are no realised points.
 */
export const markToMarketCurve = (
  initialCapital: number,
  positions: ReadonlyArray<MtmPosition>,
  realised: ReadonlyArray<RealisedPoint>,
  marks: MtmMarks
): Array<MarkToMarketPoint> => {
  const out: Array<MarkToMarketPoint> = []
  if (realised.length === 0) return out
  const states = new Map<number, OpenState>()
  // Open positions in the order they opened (their first mark): the order of every sum.
  let open: Array<OpenState> = []
  let m = 0
  let r = 0
  let realisedEquity = initialCapital
  let openPositions = 0
  let peak = initialCapital
  while (m < marks.length || r < realised.length) {
    const tm = m < marks.length ? marks.ts[m] : Number.POSITIVE_INFINITY
    const tr = r < realised.length ? realised[r].ts : Number.POSITIVE_INFINITY
    const t = tm < tr ? tm : tr
    for (; r < realised.length && realised[r].ts === t; r++) {
      realisedEquity = realised[r].equity
      openPositions = realised[r].open_positions
    }
    for (; m < marks.length && marks.ts[m] === t; m++) {
      const index = marks.trade[m]
      const position = positions[index]
      let state = states.get(index)
      if (state === undefined) {
        state = { index, remaining: position.quantity, basisSold: 0, nextSell: 0, value: 0 }
        states.set(index, state)
        open.push(state)
      }
      const sells = position.partialSells
      while (state.nextSell < sells.length && sells[state.nextSell].ts <= t) {
        const sold = sells[state.nextSell++].quantity
        state.basisSold += position.notional * sold / position.quantity
        state.remaining -= sold
      }
      state.value = state.remaining * marks.close[m] - (position.notional - state.basisSold)
    }
    let unrealised = 0
    let closed = false
    for (const state of open) {
      if (positions[state.index].exitTs <= t) {
        closed = true
        continue
      }
      unrealised += state.value
    }
    if (closed) open = open.filter((state) => positions[state.index].exitTs > t)
    const equity = realisedEquity + unrealised
    if (equity > peak) peak = equity
    out.push({ ts: t, equity, drawdown: 1 - equity / peak, open_positions: openPositions })
  }
  return out
}

/** The largest drawdown of a curve (0 for an empty one). */
export const maxDrawdownOf = (points: ReadonlyArray<{ readonly drawdown: number }>): number => {
  let deepest = 0
  for (const p of points) if (p.drawdown > deepest) deepest = p.drawdown
  return deepest
}
