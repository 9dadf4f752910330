/**
 * A simulated position (DESIGN.md §6 `experiment_trades`, §7 "Per trade").
 *
 * Times are epoch milliseconds here; in Parquet they are TIMESTAMP (µs, UTC). Prices are fill
 * prices (slippage included, fees not). Money is in the quote currency of the candles.
 */
import { compareNumbers, compareStrings } from "./internal/order.js"

/** Why the position's last fill happened. */
export type ExitReason = "target" | "stop" | "trailing_stop" | "time" | "end_of_data"

export const exitReasons: ReadonlyArray<ExitReason> = ["target", "stop", "trailing_stop", "time", "end_of_data"]

/** One fill of a position: the entry (seq 0, side `buy`) and each sell (seq 1, 2, …). */
export interface Fill {
  /** 0 for the entry, then 1, 2, … in the order the sells happened. */
  readonly seq: number
  readonly side: "buy" | "sell"
  /** Open time (epoch ms) of the candle the fill happened in. */
  readonly ts: number
  /** Fill price, slippage included. */
  readonly price: number
  /** Base quantity bought or sold. */
  readonly quantity: number
  /** Fee paid on this fill: feeBps / 10⁴ × the fill's notional. */
  readonly fee: number
  /**
   * Realized net pnl of this fill: −fee for the entry; for a sell, proceeds − fee − the cost basis
   * of the quantity sold (notional × quantity / initial quantity; the last sell takes the remaining
   * basis so the fills' pnl add up to the trade's net pnl).
   */
  readonly pnl: number
  readonly reason: "entry" | ExitReason
}

/** One row of `experiment_trades` (sort: entry_ts, trade_id). */
export interface TradeRow {
  /** Identifier of the position; equal to `alert_id` (one alert yields at most one position). VARCHAR. */
  readonly trade_id: string
  /** The alert that opened it. VARCHAR. */
  readonly alert_id: string
  /** VARCHAR. */
  readonly chain: string
  /** VARCHAR, case preserved. */
  readonly mint: string
  /** Who raised the alert. VARCHAR, null when unknown. */
  readonly caller: string | null
  /** When the alert was seen (epoch ms here, TIMESTAMP in Parquet). */
  readonly alert_ts: number
  /** Open time of the entry candle (epoch ms here, TIMESTAMP in Parquet). */
  readonly entry_ts: number
  /** Entry fill price: entry candle open × (1 + slippage). DOUBLE. */
  readonly entry_price: number
  /** Open time of the candle of the last fill (epoch ms here, TIMESTAMP in Parquet). */
  readonly exit_ts: number
  /** Quantity-weighted mean of the sell fill prices (slippage included). DOUBLE. */
  readonly exit_price: number
  /** Reason of the last fill: target | stop | trailing_stop | time | end_of_data. VARCHAR. */
  readonly exit_reason: ExitReason
  /** Base quantity bought: notional / entry_price. DOUBLE. */
  readonly quantity: number
  /** Quote amount invested (`sizing.notional`). DOUBLE. */
  readonly notional: number
  /** Sell proceeds − notional. DOUBLE. */
  readonly gross_pnl: number
  /** All fees, entry and sells. DOUBLE. */
  readonly fees: number
  /** gross_pnl − fees. DOUBLE. */
  readonly net_pnl: number
  /** net_pnl / notional. DOUBLE. */
  readonly return: number
  /** Highest high over the candles held (entry candle through exit candle) / entry_price. DOUBLE. */
  readonly peak_multiple: number
  /** Lowest low over the candles held (entry through exit candle) / entry_price − 1 (≤ 0). DOUBLE. */
  readonly max_adverse_excursion: number
  /** Candles present in the data from the entry candle to the exit candle (0 = exited on the entry candle). INTEGER. */
  readonly hold_candles: number
  /** Number of fills, entry included. INTEGER. */
  readonly fill_count: number
}

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
