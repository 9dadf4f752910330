/**
 * What a sweep publishes about how far to trust its winner, and the per-variant series they are
 * computed from:
 * - `experiment_sweep_daily` (intermediate, one per batch beside `experiment_sweep_batch`): each
 *   variant's net pnl per UTC day of exit, so a cached variant feeds the overfitting matrix
 *   without being simulated again;
 * - `experiment_sweep_windows` (intermediate, per batch, only with a walk-forward): each variant's
 *   trade statistics per walk-forward window;
 * - `experiment_overfitting`: one row per CSCV combination (nodes/stats/Overfitting.ts);
 * - `experiment_walk_forward`: one row per walk-forward fold (nodes/stats/WalkForward.ts).
 */
import { column, defineContract, nullableColumn } from "./Contract.js"

const VARIANT_KEY = column("variant_key", "VARCHAR", "The variant's cache key (64 hex digits).")

export const ExperimentSweepDaily = defineContract({
  type: "experiment_sweep_daily",
  schemaVersion: 1,
  description:
    "Per sweep variant, net pnl summed per UTC day of exit_ts, on the days with at least one exit (intermediate: the " +
    "overfitting matrix is assembled from these). Sorted by variant_key, day.",
  columns: [
    VARIANT_KEY,
    column("day", "TIMESTAMP", "The UTC day (midnight) of the exits."),
    column("net_pnl", "DOUBLE", "Net pnl of the variant's trades exiting that day, summed in the simulation's trade order.")
  ],
  sortKeys: ["variant_key", "day"],
  uniqueKeys: [["variant_key", "day"]]
})

export const ExperimentSweepWindows = defineContract({
  type: "experiment_sweep_windows",
  schemaVersion: 1,
  description:
    "Per sweep variant and walk-forward window, the statistics of the trades whose alert_ts falls in the window " +
    "(intermediate: walk-forward selection reads these). Sorted by variant_key, window.",
  columns: [
    VARIANT_KEY,
    column("window", "INTEGER", "Window index: 0 … folds."),
    column("trades", "INTEGER", "Trades in the window."),
    column("wins", "INTEGER", "Of them, net pnl > 0."),
    column("sum_return", "DOUBLE", "Σ return."),
    column("m2_return", "DOUBLE", "Σ (return − the window's mean return)²."),
    column("net_pnl", "DOUBLE", "Σ net pnl.")
  ],
  sortKeys: ["variant_key", "window"],
  uniqueKeys: [["variant_key", "window"]]
})

export const ExperimentOverfitting = defineContract({
  type: "experiment_overfitting",
  schemaVersion: 1,
  description:
    "Probability of backtest overfitting by CSCV: one row per choice of S/2 of the S day blocks as in-sample. " +
    "pbo = share of rows with lambda ≤ 0. Sorted by combination.",
  columns: [
    column("combination", "INTEGER", "Index in lexicographic order of the in-sample block lists."),
    column("in_sample_mask", "INTEGER", "Bit b set when block b (days ⌊b·D/S⌋ … ⌊(b+1)·D/S⌋ − 1) is in-sample."),
    column("best_variant_id", "VARCHAR", "n*: the variant with the best in-sample Sharpe of daily net pnl (ties: smallest id)."),
    nullableColumn("is_sharpe", "DOUBLE", "n*'s in-sample Sharpe (mean / sample sd of daily net pnl); null when undefined."),
    nullableColumn("oos_sharpe", "DOUBLE", "n*'s out-of-sample Sharpe; null when undefined (ranked lowest)."),
    column("oos_rank", "DOUBLE", "Rank of n*'s out-of-sample Sharpe among all variants (1 = worst, ties averaged)."),
    column("lambda", "DOUBLE", "ln(ω / (1 − ω)), ω = oos_rank / (variants + 1).")
  ],
  sortKeys: ["combination"],
  uniqueKeys: [["combination"], ["in_sample_mask"]]
})

export const ExperimentWalkForward = defineContract({
  type: "experiment_walk_forward",
  schemaVersion: 1,
  description:
    "Walk-forward: one row per fold — its training and test windows (by alert_ts), the variant selected on training, " +
    "and that variant's in-sample (training) and out-of-sample (test) statistics. Sorted by fold.",
  columns: [
    column("fold", "INTEGER", "Fold k: 0 … folds − 1; tested on window k + 1."),
    column("train_from", "TIMESTAMP", "Start of the first training window (inclusive)."),
    column("train_to", "TIMESTAMP", "End of the last training window (exclusive)."),
    column("test_from", "TIMESTAMP", "Start of the test window (inclusive)."),
    column("test_to", "TIMESTAMP", "End of the test window (exclusive)."),
    column("variant_id", "VARCHAR", "The variant with the best training value of the select metric (ties: smallest id)."),
    column("is_trades", "INTEGER", "Its trades in the training window(s)."),
    nullableColumn("is_sharpe", "DOUBLE", "Their mean return / sample sd; null when undefined."),
    nullableColumn("is_mean_return", "DOUBLE", "Their mean return; null without trades."),
    column("is_net_pnl", "DOUBLE", "Their total net pnl."),
    column("oos_trades", "INTEGER", "Its trades in the test window."),
    nullableColumn("oos_sharpe", "DOUBLE", "Their mean return / sample sd; null when undefined."),
    nullableColumn("oos_mean_return", "DOUBLE", "Their mean return; null without trades."),
    column("oos_net_pnl", "DOUBLE", "Their total net pnl.")
  ],
  sortKeys: ["fold"],
  uniqueKeys: [["fold"]]
})
