/**
 * `pipeline diff`: what differs between two experiments (or sweep variants) — definitions, inputs,
 * metrics, trades and exit reasons — computed by pure functions over what the store holds.
 */
export * from "./DiffError.js"
export * from "./ExperimentDiff.js"
export * from "./LoadDiffSide.js"
