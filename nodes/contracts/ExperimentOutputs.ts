/**
 * The experiment's output artifact types (docs/DESIGN.md §6), plus the two intermediate types the
 * experiment's nodes hand each other (`experiment_fills`, `experiment_coverage`). Column docs here
 * are the reference; the README's tables are generated from them (`pipeline` prints `describe()`).
 */
import { column, defineContract, enumColumn, nullableColumn } from "./Contract.js"

/** Why a position's last fill happened. */
export const EXIT_REASONS = ["target", "stop", "trailing_stop", "time", "end_of_data"] as const

/**
 * Diagnostic codes (why an alert produced no trade, or a coverage note):
 * - `no_candles`: there is no candle series for the alert's (chain, mint).
 * - `out_of_range`: the alert is outside the experiment's date range [from, to).
 * - `duplicate_alert_id`: another alert with the same id was kept (the first in (alert_ts, chain, mint, caller) order).
 * - `no_candle_after_alert`: no candle opens at or after alert_ts + (delay + jitter) × interval.
 * - `position_limit`: `sizing.maxOpenPositions` positions were open when this trade would have entered.
 * - `sparse_coverage`: written by publish from validate's coverage, not by the simulation: few candles after the alert.
 */
export const DIAGNOSTIC_CODES = [
  "no_candles",
  "out_of_range",
  "duplicate_alert_id",
  "no_candle_after_alert",
  "position_limit",
  "sparse_coverage"
] as const

export const DIAGNOSTIC_LEVELS = ["info", "warning", "error"] as const

export const ExperimentTrades = defineContract({
  type: "experiment_trades",
  schemaVersion: 1,
  description: "One row per simulated position. Sorted by entry_ts, trade_id.",
  columns: [
    column("trade_id", "VARCHAR", "Position id; equal to alert_id (one alert opens at most one position)."),
    column("alert_id", "VARCHAR", "The alert that opened the position."),
    column("chain", "VARCHAR", "Chain of the traded token."),
    column("mint", "VARCHAR", "Token address or symbol."),
    nullableColumn("caller", "VARCHAR", "Who raised the alert, when known."),
    column("alert_ts", "TIMESTAMP", "When the alert was seen (UTC)."),
    column("entry_ts", "TIMESTAMP", "Open time of the entry candle (UTC)."),
    column("entry_price", "DOUBLE", "Entry fill price: entry candle open × (1 + slippage); fees excluded."),
    column("exit_ts", "TIMESTAMP", "Open time of the candle of the last sell fill (UTC)."),
    column("exit_price", "DOUBLE", "Quantity-weighted mean of the sell fill prices (slippage included, fees excluded)."),
    enumColumn("exit_reason", EXIT_REASONS, "Reason of the last fill: target | stop | trailing_stop | time | end_of_data."),
    column("quantity", "DOUBLE", "Base quantity bought: notional / entry_price."),
    column("notional", "DOUBLE", "Quote amount invested (sizing.notional)."),
    column("gross_pnl", "DOUBLE", "Sell proceeds − notional."),
    column("fees", "DOUBLE", "All fees paid, entry and sells (feeBps of each fill's notional)."),
    column("net_pnl", "DOUBLE", "gross_pnl − fees."),
    column("return", "DOUBLE", "net_pnl / notional."),
    column("peak_multiple", "DOUBLE", "Highest high from the entry candle to the exit candle / entry_price."),
    column("max_adverse_excursion", "DOUBLE", "Lowest low from the entry candle to the exit candle / entry_price − 1 (≤ 0)."),
    column("hold_candles", "INTEGER", "Candles present in the data from the entry candle to the exit candle (0 = same candle)."),
    column("fill_count", "INTEGER", "Number of fills, entry included.")
  ],
  sortKeys: ["entry_ts", "trade_id"],
  uniqueKeys: [["trade_id"]]
})

export const ExperimentFills = defineContract({
  type: "experiment_fills",
  schemaVersion: 1,
  description: "Every fill of every position (intermediate: feeds the equity curve). Sorted by trade_id, seq.",
  columns: [
    column("trade_id", "VARCHAR", "The position the fill belongs to."),
    column("seq", "INTEGER", "0 for the entry, then 1, 2, … in the order the sells happened."),
    enumColumn("side", ["buy", "sell"], "buy | sell."),
    column("ts", "TIMESTAMP", "Open time of the candle the fill happened in (UTC)."),
    column("price", "DOUBLE", "Fill price, slippage included."),
    column("quantity", "DOUBLE", "Base quantity bought or sold."),
    column("fee", "DOUBLE", "Fee paid on this fill."),
    column("pnl", "DOUBLE", "Realized net pnl of this fill (−fee for the entry)."),
    enumColumn("reason", ["entry", ...EXIT_REASONS], "entry | target | stop | trailing_stop | time | end_of_data.")
  ],
  sortKeys: ["trade_id", "seq"],
  uniqueKeys: [["trade_id", "seq"]]
})

export const ExperimentMetrics = defineContract({
  type: "experiment_metrics",
  schemaVersion: 1,
  description: "One row of summary metrics (docs/DESIGN.md §7).",
  columns: [
    column("trades", "INTEGER", "Number of trades."),
    column("wins", "INTEGER", "Trades with net pnl > 0."),
    column("losses", "INTEGER", "Trades with net pnl < 0."),
    nullableColumn("win_rate", "DOUBLE", "wins / trades; null with no trades."),
    nullableColumn("mean_return", "DOUBLE", "Mean of the trades' returns; null with no trades."),
    nullableColumn("median_return", "DOUBLE", "Median return; null with no trades."),
    column("total_net_pnl", "DOUBLE", "Sum of net pnl."),
    nullableColumn("profit_factor", "DOUBLE", "Σ positive net pnl / |Σ negative net pnl|; null when there is no loss."),
    nullableColumn("expectancy", "DOUBLE", "Mean net pnl per trade; null with no trades."),
    column("max_drawdown", "DOUBLE", "Max over the equity curve of 1 − equity / running peak."),
    nullableColumn("sharpe", "DOUBLE", "Mean return / sample std of returns, per trade, not annualised; null when undefined."),
    nullableColumn("sortino", "DOUBLE", "Mean return / √(mean of min(return, 0)²); null when no return is negative."),
    nullableColumn("mean_hold_candles", "DOUBLE", "Mean of hold_candles; null with no trades."),
    nullableColumn("mean_return_ci_low", "DOUBLE", "Bootstrap 95% percentile interval of the mean return, lower bound."),
    nullableColumn("mean_return_ci_high", "DOUBLE", "Bootstrap 95% percentile interval of the mean return, upper bound."),
    nullableColumn("sharpe_ci_low", "DOUBLE", "Bootstrap 95% percentile interval of the Sharpe ratio, lower bound."),
    nullableColumn("sharpe_ci_high", "DOUBLE", "Bootstrap 95% percentile interval of the Sharpe ratio, upper bound."),
    column("bootstrap_resamples", "INTEGER", "Number of bootstrap resamples."),
    column("initial_capital", "DOUBLE", "sizing.initialCapital."),
    column("final_equity", "DOUBLE", "Equity after the last fill.")
  ],
  sortKeys: ["trades"]
})

export const ExperimentEquity = defineContract({
  type: "experiment_equity",
  schemaVersion: 1,
  description: "The equity curve: one point per fill. Sorted by ts, seq.",
  columns: [
    column("seq", "INTEGER", "0, 1, 2, … in curve order (fill time, trade id, fill seq): the tie-breaker after ts."),
    column("ts", "TIMESTAMP", "Fill time (UTC)."),
    column("trade_id", "VARCHAR", "The trade the fill belongs to."),
    column("fill_seq", "INTEGER", "The fill's sequence within its trade (0 = entry)."),
    column("equity", "DOUBLE", "initialCapital + realized net pnl up to and including this fill."),
    column("drawdown", "DOUBLE", "1 − equity / running peak (the peak starts at initialCapital)."),
    column("open_positions", "INTEGER", "Positions open after this fill.")
  ],
  sortKeys: ["ts", "seq"],
  uniqueKeys: [["seq"]]
})

export const ExperimentDiagnostics = defineContract({
  type: "experiment_diagnostics",
  schemaVersion: 1,
  description: "Why alerts produced no trade, and data-coverage warnings. Sorted by alert_id, code, message.",
  columns: [
    column("alert_id", "VARCHAR", "The alert concerned."),
    enumColumn("level", DIAGNOSTIC_LEVELS, "info | warning | error."),
    enumColumn(
      "code",
      DIAGNOSTIC_CODES,
      "no_candles | out_of_range | duplicate_alert_id | no_candle_after_alert | position_limit | sparse_coverage."
    ),
    column("message", "VARCHAR", "Human-readable detail.")
  ],
  sortKeys: ["alert_id", "code", "message"]
})

export const ExperimentCoverage = defineContract({
  type: "experiment_coverage",
  schemaVersion: 1,
  description:
    "Per in-range alert: how many candles of its (chain, mint) exist in the hour before and after it " +
    "(intermediate: written by validate, summarised in the diagnostics). Sorted by alert_id.",
  columns: [
    column("alert_id", "VARCHAR", "The alert."),
    column("chain", "VARCHAR", "Chain of the alert."),
    column("mint", "VARCHAR", "Mint of the alert."),
    column("alert_ts", "TIMESTAMP", "When the alert was seen (UTC)."),
    column("candles_total", "BIGINT", "Candles of this (chain, mint) in the inputs, any time."),
    column("candles_hour_before", "BIGINT", "Candles opening in [alert_ts − 1 h, alert_ts)."),
    column("candles_hour_after", "BIGINT", "Candles opening in [alert_ts, alert_ts + 1 h)."),
    column("expected_per_hour", "INTEGER", "3600 / interval_s of the mint's candles (0 when it has none).")
  ],
  sortKeys: ["alert_id", "chain", "mint", "alert_ts"]
})
