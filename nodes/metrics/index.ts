/** Metrics and the equity curve of a simulation's trades (docs/DESIGN.md §7 "Metrics", "Equity curve"). */
export * from "./Equity.js"
export * from "./Metrics.js"
