/**
 * The trial ledger: every strategy evaluated under an experiment name in a store, derived from
 * the tracker's runs and their leaderboards, with the Deflated Sharpe against all of them.
 */
export * from "./SweepTrials.js"
export * from "./TrialLedger.js"
