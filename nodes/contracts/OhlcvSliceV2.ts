/** ohlcv_slice_v2 (docs/DESIGN.md §6): candles of one interval, unique and sorted by (chain, mint, ts). */
import { defineContract } from "./Contract.js"

export const OhlcvSliceV2 = defineContract({
  type: "ohlcv_slice_v2",
  schemaVersion: 2,
  description:
    "OHLCV candles. Sorted by chain, mint, ts; (chain, mint, ts) unique; one interval_s per artifact; " +
    "prices > 0, low <= min(open, close), max(open, close) <= high, volume >= 0.",
  columns: [
    { name: "chain", duckdbType: "VARCHAR", nullable: false, description: "Chain, e.g. solana." },
    { name: "mint", duckdbType: "VARCHAR", nullable: false, description: "Token address or symbol, case preserved." },
    { name: "ts", duckdbType: "TIMESTAMP", nullable: false, description: "Candle open time (UTC, µs)." },
    { name: "interval_s", duckdbType: "INTEGER", nullable: false, description: "Candle length in seconds, e.g. 60." },
    { name: "open", duckdbType: "DOUBLE", nullable: false, description: "First trade price, > 0." },
    { name: "high", duckdbType: "DOUBLE", nullable: false, description: "Highest price, >= max(open, close)." },
    { name: "low", duckdbType: "DOUBLE", nullable: false, description: "Lowest price, <= min(open, close), > 0." },
    { name: "close", duckdbType: "DOUBLE", nullable: false, description: "Last trade price, > 0." },
    { name: "volume", duckdbType: "DOUBLE", nullable: false, description: "Traded volume (base units), >= 0." }
  ],
  sortKeys: ["chain", "mint", "ts"],
  uniqueKeys: [["chain", "mint", "ts"]],
  checks: [
    { name: "interval_positive", column: "interval_s", condition: "interval_s > 0", message: "interval_s must be > 0" },
    { name: "open_positive", column: "open", condition: "open > 0 AND isfinite(open)", message: "open must be a finite number > 0" },
    { name: "high_positive", column: "high", condition: "high > 0 AND isfinite(high)", message: "high must be a finite number > 0" },
    { name: "low_positive", column: "low", condition: "low > 0 AND isfinite(low)", message: "low must be a finite number > 0" },
    { name: "close_positive", column: "close", condition: "close > 0 AND isfinite(close)", message: "close must be a finite number > 0" },
    { name: "low_below_body", column: "low", condition: "low <= least(open, close)", message: "low is above min(open, close)" },
    { name: "high_above_body", column: "high", condition: "high >= greatest(open, close)", message: "high is below max(open, close)" },
    { name: "volume_non_negative", column: "volume", condition: "volume >= 0 AND isfinite(volume)", message: "volume must be a finite number >= 0" }
  ],
  refineRow: (row) =>
    row.interval_s <= 0 ? "interval_s must be > 0"
    : !(row.open > 0 && row.high > 0 && row.low > 0 && row.close > 0) ? "prices must be > 0"
    : row.low > Math.min(row.open, row.close) ? "low is above min(open, close)"
    : row.high < Math.max(row.open, row.close) ? "high is below max(open, close)"
    : row.volume < 0 ? "volume must be >= 0"
    : undefined
})
