/**
 * Import CSV/Parquet files into canonical alerts_v1 / ohlcv_slice_v2 artifacts.
 */
export * from "./Import.js"
export * from "./ImportError.js"
export * from "./ImportOptions.js"
