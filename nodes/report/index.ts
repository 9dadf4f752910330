/**
 * The experiment report: a self-contained HTML page (metrics, equity and drawdown, return
 * distribution, exit reasons, diagnostics, lineage) built by pure functions from an experiment's
 * output rows, and the Effect that reads those rows from the store.
 */
export * from "./Downsample.js"
export * from "./Format.js"
export * from "./LoadReport.js"
export * from "./RenderReport.js"
export * from "./ReportData.js"
export * from "./ReportError.js"
