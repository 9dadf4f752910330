/**
 * The equity curve (docs/DESIGN.md §7): `sizing.initialCapital` plus realized net pnl, one point per fill
 * (entries included: they realize their fee and open a position), ordered by fill time, then trade
 * id, then fill sequence. Rows of the `experiment_equity` artifact (sort: ts, seq).
 */
import type { Trade } from "../simulate/index.js"
import { compareStrings } from "../simulate/index.js"

/** One row of `experiment_equity`. */
export interface EquityRow {
  /** 0, 1, 2, … in curve order: the tie-breaker after `ts`. INTEGER. */
  readonly seq: number
  /** Fill time: open time of the candle of the fill (epoch ms here, TIMESTAMP in Parquet). */
  readonly ts: number
  /** The trade the fill belongs to. VARCHAR. */
  readonly trade_id: string
  /** The fill's sequence within its trade (0 = entry). INTEGER. */
  readonly fill_seq: number
  /** initialCapital + realized net pnl of every fill up to and including this one. DOUBLE. */
  readonly equity: number
  /** 1 − equity / running peak, where the peak starts at initialCapital. DOUBLE, ≥ 0. */
  readonly drawdown: number
  /** Positions open after this fill (an entry adds one, a trade's last fill removes one). INTEGER. */
  readonly open_positions: number
}

/** What the metrics read of the curve: computed by {@link equitySummary} without building its rows. */
export interface EquitySummary {
  /** Max over the curve of 1 − equity / running peak; 0 with no fills. */
  readonly maxDrawdown: number
  /** Equity after the last fill; initialCapital with no fills. */
  readonly finalEquity: number
}

/**
 * The curve's order of the fills: fill k (numbered trade by trade, fills in order) is trade
 * `trade[k]`'s fill `index[k]`; `order` lists fill numbers by fill time, then trade id, then fill
 * sequence (a stable sort, so equal keys keep their numbering).
 */
const fillOrder = (trades: ReadonlyArray<Trade>) => {
  let count = 0
  for (const trade of trades) count += trade.fills.length
  const ts = new Float64Array(count)
  const seq = new Float64Array(count)
  const trade = new Int32Array(count)
  const index = new Int32Array(count)
  const order: Array<number> = []
  for (let t = 0; t < trades.length; t++) {
    const fills = trades[t]!.fills
    for (let i = 0; i < fills.length; i++) {
      const k = order.length
      ts[k] = fills[i]!.ts
      seq[k] = fills[i]!.seq
      trade[k] = t
      index[k] = i
      order.push(k)
    }
  }
  order.sort((a, b) => {
    const ta = ts[a]!
    const tb = ts[b]!
    if (ta < tb) return -1
    if (ta > tb) return 1
    const ia = trade[a]!
    const ib = trade[b]!
    return (ia === ib ? 0 : compareStrings(trades[ia]!.trade_id, trades[ib]!.trade_id)) || seq[a]! - seq[b]!
  })
  return { order, trade, index }
}

/** Builds the equity curve of a set of trades (any input order; the output order is total). */
export const equityCurve = (trades: ReadonlyArray<Trade>, initialCapital: number): Array<EquityRow> => {
  const { index: indexOf, order, trade: tradeOf } = fillOrder(trades)
  const rows: Array<EquityRow> = new Array(order.length)
  let equity = initialCapital
  let peak = initialCapital
  let open = 0
  for (let seq = 0; seq < order.length; seq++) {
    const k = order[seq]!
    const trade = trades[tradeOf[k]!]!
    const index = indexOf[k]!
    const fill = trade.fills[index]!
    equity += fill.pnl
    if (equity > peak) peak = equity
    if (index === 0) open++
    if (index === trade.fills.length - 1) open--
    rows[seq] = {
      seq,
      ts: fill.ts,
      trade_id: trade.trade_id,
      fill_seq: fill.seq,
      equity,
      drawdown: 1 - equity / peak,
      open_positions: open
    }
  }
  return rows
}

/** The max drawdown and final equity of `equityCurve(trades, initialCapital)`, the same numbers, no rows built. */
export const equitySummary = (trades: ReadonlyArray<Trade>, initialCapital: number): EquitySummary => {
  const { index: indexOf, order, trade: tradeOf } = fillOrder(trades)
  let equity = initialCapital
  let peak = initialCapital
  let maxDrawdown = 0
  for (let seq = 0; seq < order.length; seq++) {
    const k = order[seq]!
    equity += trades[tradeOf[k]!]!.fills[indexOf[k]!]!.pnl
    if (equity > peak) peak = equity
    const drawdown = 1 - equity / peak
    if (drawdown > maxDrawdown) maxDrawdown = drawdown
  }
  return { maxDrawdown, finalEquity: equity }
}
