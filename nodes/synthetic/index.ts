/**
 * The seeded synthetic market generator (docs/DESIGN.md §9 `inputs.synthetic`): memecoin-like 1-minute
 * candles (random walk with pumps, dumps, dead periods and gaps) and alerts near pump starts plus
 * false alarms, written as canonical `ohlcv_slice_v2` and `alerts_v1` Parquet files.
 */
export * from "./GenerateSynthetic.js"
export * from "./SyntheticConfig.js"
export * from "./SyntheticError.js"
export * as SyntheticMarket from "./SyntheticMarket.js"
