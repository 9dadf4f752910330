/**
 * Statistics over sweeps: how much to believe the best variant (Deflated Sharpe Ratio, probability
 * of backtest overfitting, walk-forward selection), and the normal distribution they use.
 */
export * from "./DeflatedSharpe.js"
export * from "./Normal.js"
export * from "./Overfitting.js"
export * from "./SharpeRatio.js"
export * from "./WalkForward.js"
