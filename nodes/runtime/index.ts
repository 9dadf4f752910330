/** What code computed an output (versions, provenance, the run environment) and the layer every experiment runs on. */
export * from "./RunEnvironment.js"
export * from "./ExperimentLayer.js"
