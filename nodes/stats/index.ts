/**
 * Statistics over sweeps: how much to believe the best variant (probability of backtest
 * overfitting, walk-forward selection).
 */
export * from "./Overfitting.js"
