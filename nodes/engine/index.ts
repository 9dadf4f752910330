/** Engine identity (versions, provenance) and the shared publish path of experiment nodes. */
export * from "./Engine.js"
export * from "./publishStaged.js"
export * from "./ExperimentLayer.js"
