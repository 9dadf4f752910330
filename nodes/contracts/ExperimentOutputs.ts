/**
 * The experiment's output artifact types (DESIGN.md §6), plus the two intermediate types the
 * experiment's nodes hand each other (`experiment_fills`, `experiment_coverage`). Column docs here
 * are the reference; the README's tables are generated from them (`pipeline` prints `describe()`).
 */
import { type ColumnDef, defineContract } from "./Contract.js"

const col = (
  name: string,
  duckdbType: ColumnDef["duckdbType"],
  description: string,
  nullable = false
): ColumnDef => ({ name, duckdbType, nullable, description })

export const ExperimentTrades = defineContract({
  type: "experiment_trades",
  schemaVersion: 1,
  description: "One row per simulated position. Sorted by entry_ts, trade_id.",
  columns: [
    col("trade_id", "VARCHAR", "Position id; equal to alert_id (one alert opens at most one position)."),
    col("alert_id", "VARCHAR", "The alert that opened the position."),
    col("chain", "VARCHAR", "Chain of the traded token."),
    col("mint", "VARCHAR", "Token address or symbol."),
    col("caller", "VARCHAR", "Who raised the alert, when known.", true),
    col("alert_ts", "TIMESTAMP", "When the alert was seen (UTC)."),
    col("entry_ts", "TIMESTAMP", "Open time of the entry candle (UTC)."),
    col("entry_price", "DOUBLE", "Entry fill price: entry candle open × (1 + slippage); fees excluded."),
    col("exit_ts", "TIMESTAMP", "Open time of the candle of the last sell fill (UTC)."),
    col("exit_price", "DOUBLE", "Quantity-weighted mean of the sell fill prices (slippage included, fees excluded)."),
    col("exit_reason", "VARCHAR", "Reason of the last fill: target | stop | trailing_stop | time | end_of_data."),
    col("quantity", "DOUBLE", "Base quantity bought: notional / entry_price."),
    col("notional", "DOUBLE", "Quote amount invested (sizing.notional)."),
    col("gross_pnl", "DOUBLE", "Sell proceeds − notional."),
    col("fees", "DOUBLE", "All fees paid, entry and sells (feeBps of each fill's notional)."),
    col("net_pnl", "DOUBLE", "gross_pnl − fees."),
    col("return", "DOUBLE", "net_pnl / notional."),
    col("peak_multiple", "DOUBLE", "Highest high from the entry candle to the exit candle / entry_price."),
    col("max_adverse_excursion", "DOUBLE", "Lowest low from the entry candle to the exit candle / entry_price − 1 (≤ 0)."),
    col("hold_candles", "INTEGER", "Candles present in the data from the entry candle to the exit candle (0 = same candle)."),
    col("fill_count", "INTEGER", "Number of fills, entry included.")
  ],
  sortKeys: ["entry_ts", "trade_id"],
  uniqueKeys: [["trade_id"]]
})

export const ExperimentFills = defineContract({
  type: "experiment_fills",
  schemaVersion: 1,
  description: "Every fill of every position (intermediate: feeds the equity curve). Sorted by trade_id, seq.",
  columns: [
    col("trade_id", "VARCHAR", "The position the fill belongs to."),
    col("seq", "INTEGER", "0 for the entry, then 1, 2, … in the order the sells happened."),
    col("side", "VARCHAR", "buy | sell."),
    col("ts", "TIMESTAMP", "Open time of the candle the fill happened in (UTC)."),
    col("price", "DOUBLE", "Fill price, slippage included."),
    col("quantity", "DOUBLE", "Base quantity bought or sold."),
    col("fee", "DOUBLE", "Fee paid on this fill."),
    col("pnl", "DOUBLE", "Realized net pnl of this fill (−fee for the entry)."),
    col("reason", "VARCHAR", "entry | target | stop | trailing_stop | time | end_of_data.")
  ],
  sortKeys: ["trade_id", "seq"],
  uniqueKeys: [["trade_id", "seq"]]
})

export const ExperimentMetrics = defineContract({
  type: "experiment_metrics",
  schemaVersion: 1,
  description: "One row of summary metrics (DESIGN.md §7).",
  columns: [
    col("trades", "INTEGER", "Number of trades."),
    col("wins", "INTEGER", "Trades with net pnl > 0."),
    col("losses", "INTEGER", "Trades with net pnl < 0."),
    col("win_rate", "DOUBLE", "wins / trades; null with no trades.", true),
    col("mean_return", "DOUBLE", "Mean of the trades' returns; null with no trades.", true),
    col("median_return", "DOUBLE", "Median return; null with no trades.", true),
    col("total_net_pnl", "DOUBLE", "Sum of net pnl."),
    col("profit_factor", "DOUBLE", "Σ positive net pnl / |Σ negative net pnl|; null when there is no loss.", true),
    col("expectancy", "DOUBLE", "Mean net pnl per trade; null with no trades.", true),
    col("max_drawdown", "DOUBLE", "Max over the equity curve of 1 − equity / running peak."),
    col("sharpe", "DOUBLE", "Mean return / sample std of returns, per trade, not annualised; null when undefined.", true),
    col("sortino", "DOUBLE", "Mean return / √(mean of min(return, 0)²); null when no return is negative.", true),
    col("mean_hold_candles", "DOUBLE", "Mean of hold_candles; null with no trades.", true),
    col("mean_return_ci_low", "DOUBLE", "Bootstrap 95% percentile interval of the mean return, lower bound.", true),
    col("mean_return_ci_high", "DOUBLE", "Bootstrap 95% percentile interval of the mean return, upper bound.", true),
    col("sharpe_ci_low", "DOUBLE", "Bootstrap 95% percentile interval of the Sharpe ratio, lower bound.", true),
    col("sharpe_ci_high", "DOUBLE", "Bootstrap 95% percentile interval of the Sharpe ratio, upper bound.", true),
    col("bootstrap_resamples", "INTEGER", "Number of bootstrap resamples."),
    col("initial_capital", "DOUBLE", "sizing.initialCapital."),
    col("final_equity", "DOUBLE", "Equity after the last fill.")
  ],
  sortKeys: ["trades"]
})

export const ExperimentEquity = defineContract({
  type: "experiment_equity",
  schemaVersion: 1,
  description: "The equity curve: one point per fill. Sorted by ts, seq.",
  columns: [
    col("seq", "INTEGER", "0, 1, 2, … in curve order (fill time, trade id, fill seq): the tie-breaker after ts."),
    col("ts", "TIMESTAMP", "Fill time (UTC)."),
    col("trade_id", "VARCHAR", "The trade the fill belongs to."),
    col("fill_seq", "INTEGER", "The fill's sequence within its trade (0 = entry)."),
    col("equity", "DOUBLE", "initialCapital + realized net pnl up to and including this fill."),
    col("drawdown", "DOUBLE", "1 − equity / running peak (the peak starts at initialCapital)."),
    col("open_positions", "INTEGER", "Positions open after this fill.")
  ],
  sortKeys: ["ts", "seq"],
  uniqueKeys: [["seq"]]
})

export const ExperimentDiagnostics = defineContract({
  type: "experiment_diagnostics",
  schemaVersion: 1,
  description: "Why alerts produced no trade, and data-coverage warnings. Sorted by alert_id, code, message.",
  columns: [
    col("alert_id", "VARCHAR", "The alert concerned."),
    col("level", "VARCHAR", "info | warning | error."),
    col(
      "code",
      "VARCHAR",
      "no_candles | out_of_range | duplicate_alert_id | no_candle_after_alert | position_limit | sparse_coverage."
    ),
    col("message", "VARCHAR", "Human-readable detail.")
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
    col("alert_id", "VARCHAR", "The alert."),
    col("chain", "VARCHAR", "Chain of the alert."),
    col("mint", "VARCHAR", "Mint of the alert."),
    col("alert_ts", "TIMESTAMP", "When the alert was seen (UTC)."),
    col("candles_total", "BIGINT", "Candles of this (chain, mint) in the inputs, any time."),
    col("candles_hour_before", "BIGINT", "Candles opening in [alert_ts − 1 h, alert_ts)."),
    col("candles_hour_after", "BIGINT", "Candles opening in [alert_ts, alert_ts + 1 h)."),
    col("expected_per_hour", "INTEGER", "3600 / interval_s of the mint's candles (0 when it has none).")
  ],
  sortKeys: ["alert_id", "chain", "mint", "alert_ts"]
})
