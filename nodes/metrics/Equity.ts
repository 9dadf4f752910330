/**
 * The equity curve (DESIGN.md §7): `sizing.initialCapital` plus realized net pnl, one point per fill
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

interface FillRef {
  readonly trade: Trade
  readonly index: number
}

/** Builds the equity curve of a set of trades (any input order; the output order is total). */
export const equityCurve = (trades: ReadonlyArray<Trade>, initialCapital: number): Array<EquityRow> => {
  const refs: Array<FillRef> = []
  for (const trade of trades) {
    for (let index = 0; index < trade.fills.length; index++) refs.push({ trade, index })
  }
  refs.sort((a, b) => {
    const fa = a.trade.fills[a.index]
    const fb = b.trade.fills[b.index]
    return (fa.ts < fb.ts ? -1 : fa.ts > fb.ts ? 1 : 0) ||
      compareStrings(a.trade.trade_id, b.trade.trade_id) ||
      fa.seq - fb.seq
  })
  const rows: Array<EquityRow> = new Array(refs.length)
  let equity = initialCapital
  let peak = initialCapital
  let open = 0
  for (let seq = 0; seq < refs.length; seq++) {
    const { index, trade } = refs[seq]
    const fill = trade.fills[index]
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
