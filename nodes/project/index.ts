/** The DuckDB projection (scoped resource) and its node. */
export * from "./Projection.js"
export * from "./ProjectNode.js"
