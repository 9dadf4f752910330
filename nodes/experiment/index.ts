/** The experiment: definition, DAG, input resolution and the handler that runs it. */
export * from "./Definition.js"
export * from "./ExecuteExperiment.js"
export * from "./ExperimentDag.js"
export * from "./ResolveInputs.js"
export * from "./RunResults.js"
export * from "./VerifyExperiment.js"
export * from "./ExplainExperiment.js"
