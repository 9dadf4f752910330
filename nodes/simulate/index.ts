/**
 * Simulation: the strategy config, the deterministic per-alert kernel and the per-mint driver
 * (docs/DESIGN.md §7). Pure TypeScript: no DuckDB, no IO.
 */
export * from "./CandleSeries.js"
export * from "./Diagnostic.js"
export * from "./Engine.js"
export * from "./Kernel.js"
export * from "./SimAlert.js"
export * from "./Strategy.js"
export * from "./Trade.js"
export { compareStrings } from "./internal/order.js"
