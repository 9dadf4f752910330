/**
 * The library's public entry (`import { … } from "content-addressed-backtest-pipeline"`): the generic
 * engine (nodes, keys, the executor), the store services, the built-in experiment nodes and their
 * contracts, and `layer`, the composition every experiment runs on. Nothing here prints, exits or
 * reads the environment; the CLI is one user of this API.
 */
export * from "./pipeline/index.js"
export * from "./store/index.js"
export * from "./nodes/contracts/index.js"
export * from "./nodes/parquet/index.js"
export * from "./nodes/duckdb/index.js"
export * from "./nodes/runtime/index.js"
export * from "./nodes/experiment/index.js"
export * from "./nodes/import/index.js"
export * from "./nodes/metrics/index.js"
export * from "./nodes/project/index.js"
export * from "./nodes/publish/index.js"
export * from "./nodes/report/index.js"
export * from "./nodes/simulate/index.js"
export * from "./nodes/sweep/index.js"
export * from "./nodes/synthetic/index.js"
export * from "./nodes/validate/index.js"
// Two names are exported twice above; these say which one the root means.
export type { ResolvedInputs } from "./pipeline/index.js"
export { MetricsOptions } from "./nodes/experiment/index.js"
// Exported from their files: the sweep worker imports the folders' index modules and must not load
// DuckDB, which these nodes do.
export { SYNTHETIC_GENERATOR_VERSION, syntheticNode } from "./nodes/synthetic/SyntheticNode.js"
export {
  publishSimulation,
  SIMULATION_ENGINE_VERSION,
  SimulateConfig,
  simulateNode
} from "./nodes/simulate/SimulateNode.js"
/** Every service an experiment needs, on the filesystem store at `dir`. */
export { pipelineLayer as layer } from "./nodes/runtime/index.js"
