/**
 * The experiment report: a self-contained HTML page (metrics, equity and drawdown, return
 * distribution, exit reasons, diagnostics, lineage; for a sweep also the leaderboard, a heatmap of
 * the rank metric and the Sharpe distribution) built by pure functions from an experiment's output
 * rows, and the Effect that reads those rows from the store.
 */
export * from "./Downsample.js"
export * from "./Format.js"
export * from "./LoadMarkToMarket.js"
export * from "./LoadReport.js"
export * from "./MarkToMarket.js"
export * from "./RenderReport.js"
export * from "./ReportData.js"
export * from "./ReportError.js"
