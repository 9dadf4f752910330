/**
 * Data contracts (docs/DESIGN.md §6): row Schemas, exact DuckDB DDL, canonical sort orders, the
 * artifact type registry and the canonical Parquet writer.
 */
export * from "./AlertsV1.js"
export * from "./ArtifactType.js"
export * from "./Contract.js"
export * from "./ExperimentOutputs.js"
export * from "./OhlcvSliceV2.js"
export * from "./SweepOutputs.js"
export * from "./SweepStatsOutputs.js"
