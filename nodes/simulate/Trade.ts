/**
 * A simulated position (docs/DESIGN.md §6 `experiment_trades`, §7 "Per trade").
 *
 * Times are epoch milliseconds here; in Parquet they are TIMESTAMP (µs, UTC). Prices are fill
 * prices (slippage included, fees not). Money is in the quote currency of the candles.
 */
import type { ContractRow } from "../contracts/Contract.js"
import { EXIT_REASONS, type ExperimentFills, type ExperimentTrades } from "../contracts/ExperimentOutputs.js"
import { compareNumbers, compareStrings } from "./internal/order.js"

/** Why the position's last fill happened. */
export type ExitReason = (typeof EXIT_REASONS)[number]

/**
 * One fill of a position: the entry (seq 0, side `buy`) and each sell (seq 1, 2, …); a row of
 * `experiment_fills` without its trade_id. `pnl` is the fill's realized net pnl: −fee for the
 * entry; for a sell, proceeds − fee − the cost basis of the quantity sold (notional × quantity /
 * initial quantity; the last sell takes the remaining basis so the fills' pnl add up to the
 * trade's net pnl).
 */
export type Fill = Omit<ContractRow<typeof ExperimentFills>, "trade_id">

/** One row of `experiment_trades` (sort: entry_ts, trade_id); its columns are the contract's. */
export type TradeRow = ContractRow<typeof ExperimentTrades>

/** A trade with its fills (the fills feed the equity curve; they are not a column of the trades artifact). */
export interface Trade extends TradeRow {
  readonly fills: ReadonlyArray<Fill>
}

/** The `experiment_trades` row of a trade (drops `fills`). */
export const toTradeRow = (trade: Trade): TradeRow => {
  const { fills: _fills, ...row } = trade
  return row
}

/** Output order of trades: entry_ts, then trade_id (code point order). */
export const compareTrades = (a: TradeRow, b: TradeRow): number =>
  compareNumbers(a.entry_ts, b.entry_ts) || compareStrings(a.trade_id, b.trade_id)
