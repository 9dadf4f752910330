/**
 * Sweeps: many variants of one strategy over the same inputs — declared in a definition's `sweep`
 * block, expanded into variants with stable ids, evaluated on worker threads, cached per variant,
 * published in batches, ranked in an `experiment_sweep` leaderboard.
 */
export * from "./ExecuteSweep.js"
export * from "./StrategyPath.js"
export * from "./SweepError.js"
export * from "./SweepOverfitting.js"
export * from "./SweepSpec.js"
export * from "./SweepWalkForward.js"
export * from "./VariantEvaluation.js"
export * from "./VariantEvaluator.js"
export * from "./Variants.js"
export * from "./VariantExperiment.js"
export * from "./VerifySweep.js"
export * from "./RemoteBatches.js"
export * from "./SweepBatches.js"
