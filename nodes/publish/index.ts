/** The publish node: metrics, equity curve and diagnostics. */
export * from "./PublishNode.js"
