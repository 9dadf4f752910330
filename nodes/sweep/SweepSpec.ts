/**
 * The `sweep` block of an experiment definition: which strategy variants to run over the same
 * inputs, and how to rank them. Paths are relative to `strategy`, in the dotted form `explain`
 * prints (`stopLoss.pct`, `exit.targets[0].multiple`).
 *
 * Variants are the union of `grid` (the cartesian product of the listed values), `random` (seeded
 * uniform draws in ranges) and `variants` (listed override sets); duplicates are merged.
 * Execution settings (workers, batch size) are not here: they never change a result.
 */
import { Schema } from "effect"
import { blocksProblem, DEFAULT_OVERFITTING_BLOCKS } from "../stats/Overfitting.js"

const strict = { parseOptions: { onExcessProperty: "error" as const } }

/** A value a swept path may take: the JSON scalars a strategy field can hold. */
export const OverrideValue = Schema.Union(Schema.Number.pipe(Schema.finite()), Schema.String, Schema.Boolean)
export type OverrideValue = typeof OverrideValue.Type

/** Path syntax: identifiers joined by dots, each optionally followed by `[index]`s. */
export const PATH_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*$/

export const StrategyPathText = Schema.String.pipe(
  Schema.filter((path) =>
    PATH_PATTERN.test(path) || `not a strategy path like "stopLoss.pct" or "exit.targets[0].multiple": ${JSON.stringify(path)}`
  )
)

/** A set of overrides: path → value. */
export const Overrides = Schema.Record({ key: StrategyPathText, value: OverrideValue })
export type Overrides = typeof Overrides.Type

export const RandomRange = Schema.Struct({
  min: Schema.Number.pipe(Schema.finite()),
  max: Schema.Number.pipe(Schema.finite()),
  /** Draw integers in [min, max] (both inclusive) instead of reals in [min, max). */
  integer: Schema.optionalWith(Schema.Boolean, { default: () => false, exact: true })
}).pipe(
  Schema.filter((range) => range.min < range.max || `min (${range.min}) must be below max (${range.max})`),
  Schema.filter((range) =>
    !range.integer || (Number.isInteger(range.min) && Number.isInteger(range.max)) ||
    "integer ranges need integer min and max"
  )
).annotations({ identifier: "RandomRange", ...strict })

export const RandomSampling = Schema.Struct({
  count: Schema.Int.pipe(Schema.between(1, 10_000_000)),
  seed: Schema.Int,
  ranges: Schema.Record({ key: StrategyPathText, value: RandomRange }).pipe(
    Schema.filter((ranges) => Object.keys(ranges).length > 0 || "at least one range is needed")
  )
}).annotations({ identifier: "RandomSampling", ...strict })

/** Metrics a sweep can rank by, and in which direction "better" lies. */
export const RANK_DIRECTIONS = {
  sharpe: "desc",
  sortino: "desc",
  mean_return: "desc",
  median_return: "desc",
  total_net_pnl: "desc",
  profit_factor: "desc",
  expectancy: "desc",
  win_rate: "desc",
  final_equity: "desc",
  sharpe_ci_low: "desc",
  mean_return_ci_low: "desc",
  trades: "desc",
  wins: "desc",
  max_drawdown: "asc",
  losses: "asc"
} as const
export type RankMetric = keyof typeof RANK_DIRECTIONS

/** Anything ranked: a variant id and its metrics. */
export interface Ranked {
  readonly variantId: string
  readonly metrics: { readonly [K in RankMetric]: number | null }
}

/**
 * Better first by the rank metric's direction; undefined (null) metrics last; ties by variant id.
 * The one order of a leaderboard: the run's choice of the best variants and the report's table.
 */
export const compareByRank = (rank: RankMetric) => (a: Ranked, b: Ranked): number => {
  const x = a.metrics[rank]
  const y = b.metrics[rank]
  if (x !== y) {
    if (x === null) return 1
    if (y === null) return -1
    return RANK_DIRECTIONS[rank] === "asc" ? x - y : y - x
  }
  return a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0
}

export const RankMetricName = Schema.Literal(
  ...(Object.keys(RANK_DIRECTIONS) as [RankMetric, ...Array<RankMetric>])
)

export const DEFAULT_MAX_VARIANTS = 100_000
export const DEFAULT_KEEP = 10

/** `sweep.overfitting`: the CSCV of the probability of backtest overfitting (nodes/stats/Overfitting.ts). */
export const OverfittingSpec = Schema.Struct({
  /** S, the contiguous blocks the days are cut into (even, 2 … 20; default 16). */
  blocks: Schema.optionalWith(
    Schema.Number.pipe(Schema.filter((blocks) => blocksProblem(blocks) ?? true)),
    { default: () => DEFAULT_OVERFITTING_BLOCKS, exact: true }
  )
}).annotations({ identifier: "Overfitting", ...strict })
export type OverfittingSpec = typeof OverfittingSpec.Type

/** Metrics a walk-forward fold can select its variant by (higher is better). */
export const WalkForwardSelect = Schema.Literal("sharpe", "mean_return", "total_net_pnl")
export type WalkForwardSelect = typeof WalkForwardSelect.Type

/**
 * `sweep.walkForward`: the date range cut into folds + 1 equal windows by alert_ts; fold k selects
 * on window k (rolling) or windows 0 … k (anchored) and is scored on window k + 1.
 */
export const WalkForwardSpec = Schema.Struct({
  folds: Schema.Int.pipe(Schema.between(1, 50)),
  scheme: Schema.optionalWith(Schema.Literal("rolling", "anchored"), { default: () => "rolling" as const, exact: true }),
  select: Schema.optionalWith(WalkForwardSelect, { default: () => "sharpe" as const, exact: true })
}).annotations({ identifier: "WalkForward", ...strict })
export type WalkForwardSpec = typeof WalkForwardSpec.Type

export const SweepSpec = Schema.Struct({
  grid: Schema.optionalWith(
    Schema.Record({
      key: StrategyPathText,
      value: Schema.Array(OverrideValue).pipe(Schema.minItems(1, { message: () => "a grid needs at least one value" }))
    }).pipe(Schema.filter((grid) => Object.keys(grid).length > 0 || "a grid needs at least one path")),
    { exact: true }
  ),
  random: Schema.optionalWith(RandomSampling, { exact: true }),
  variants: Schema.optionalWith(Schema.Array(Overrides).pipe(Schema.minItems(1)), { exact: true }),
  /** The metric the leaderboard is ranked by (default `sharpe`). */
  rank: Schema.optionalWith(RankMetricName, { default: () => "sharpe" as const, exact: true }),
  /** How many of the best variants get their full outputs (trades, equity, diagnostics) published. */
  keep: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 1000)), { default: () => DEFAULT_KEEP, exact: true }),
  /** The largest number of variants accepted (default 100,000). */
  maxVariants: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10_000_000)), {
    default: () => DEFAULT_MAX_VARIANTS,
    exact: true
  }),
  /** The probability of backtest overfitting's settings (always computed; default 16 blocks). */
  overfitting: Schema.optionalWith(OverfittingSpec, { default: () => ({ blocks: DEFAULT_OVERFITTING_BLOCKS }), exact: true }),
  /** Walk-forward selection over the date range (none unless declared). */
  walkForward: Schema.optionalWith(WalkForwardSpec, { exact: true })
}).pipe(
  Schema.filter((spec) =>
    spec.grid !== undefined || spec.random !== undefined || spec.variants !== undefined ||
    "a sweep needs at least one of grid, random or variants"
  )
).annotations({ identifier: "Sweep", ...strict })

export type SweepSpec = typeof SweepSpec.Type
