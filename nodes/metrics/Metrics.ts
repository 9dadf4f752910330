/**
 * The one-row metrics of an experiment (DESIGN.md §7 "Metrics"). Every reduction runs left to
 * right over the trades in their output order (entry_ts, trade_id), whatever order they are given
 * in, so the numbers are identical on every run and machine.
 *
 * Conventions where the design leaves room:
 * - wins: net pnl > 0; losses: net pnl < 0; a trade with net pnl exactly 0 is neither.
 * - A metric that is undefined for the data is null: means with no trades, Sharpe with fewer than
 *   two trades or zero dispersion, Sortino with no negative return, profit factor with no loss.
 * - Bootstrap: `resamples` resamples of the trades' returns drawn with replacement from the stream
 *   `seedrandom.xor128(`${seed}/bootstrap`)`, index = ⌊quick() × n⌋ (its 32-bit draw; bias below
 *   n / 2³²). 95% interval = the 2.5th and 97.5th percentiles
 *   (linear interpolation, type 7). Resamples whose Sharpe is undefined (all draws equal) are left
 *   out of the Sharpe interval; null when none is left.
 */
import seedrandom from "seedrandom"
import type { Seed, Trade } from "../simulate/index.js"
import { compareTrades } from "../simulate/index.js"
import type { EquityRow } from "./Equity.js"
import { mean, medianSorted, nullIfNaN, percentileSorted, sampleStd, sharpeOf } from "./internal/stats.js"

/** The single row of `experiment_metrics`. */
export interface MetricsRow {
  /** Number of trades. INTEGER. */
  readonly trades: number
  /** Trades with net pnl > 0. INTEGER. */
  readonly wins: number
  /** Trades with net pnl < 0. INTEGER. */
  readonly losses: number
  /** wins / trades; null with no trades. DOUBLE. */
  readonly win_rate: number | null
  /** Mean of the trades' returns (net pnl / notional); null with no trades. DOUBLE. */
  readonly mean_return: number | null
  /** Median return (mean of the two middle values for an even count); null with no trades. DOUBLE. */
  readonly median_return: number | null
  /** Sum of net pnl. DOUBLE. */
  readonly total_net_pnl: number
  /** Σ positive net pnl / |Σ negative net pnl|; null when there is no loss. DOUBLE. */
  readonly profit_factor: number | null
  /** Mean net pnl per trade; null with no trades. DOUBLE. */
  readonly expectancy: number | null
  /** Max over the equity curve of 1 − equity / running peak (peak starts at initial capital); 0 with no fills. DOUBLE. */
  readonly max_drawdown: number
  /** mean return / sample std of returns, per trade, not annualised; null when undefined. DOUBLE. */
  readonly sharpe: number | null
  /** mean return / √(mean over all trades of min(return, 0)²); null when no return is negative. DOUBLE. */
  readonly sortino: number | null
  /** Mean of hold_candles; null with no trades. DOUBLE. */
  readonly mean_hold_candles: number | null
  /** Bootstrap 95% interval of the mean return, lower bound; null with no trades. DOUBLE. */
  readonly mean_return_ci_low: number | null
  /** Bootstrap 95% interval of the mean return, upper bound. DOUBLE. */
  readonly mean_return_ci_high: number | null
  /** Bootstrap 95% interval of the Sharpe ratio, lower bound; null when undefined. DOUBLE. */
  readonly sharpe_ci_low: number | null
  /** Bootstrap 95% interval of the Sharpe ratio, upper bound. DOUBLE. */
  readonly sharpe_ci_high: number | null
  /** Number of bootstrap resamples. INTEGER. */
  readonly bootstrap_resamples: number
  /** `sizing.initialCapital`. DOUBLE. */
  readonly initial_capital: number
  /** Equity after the last fill (initial capital with no fills). DOUBLE. */
  readonly final_equity: number
}

export interface MetricsOptions {
  /** The experiment seed: the bootstrap stream is `seedrandom.xor128(`${seed}/bootstrap`)`. */
  readonly seed: Seed
  readonly initialCapital: number
  /** Default 1,000. */
  readonly bootstrapResamples?: number
}

export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000

/**
 * Bump when a metric's value changes for the same trades: it enters the key of every node that
 * computes metrics (publish, and each sweep variant).
 * 2: the bootstrap stream is seedrandom's xor128 (was its ARC4 default).
 */
export const METRICS_VERSION = "2"

/**
 * The bootstrap's uniform draws: seedrandom's `xor128(seed)` stream (`quick()`), computed inline
 * from its state. The bootstrap takes n × resamples draws — a million for 1,085 trades at the
 * default 1,000 — where seedrandom's default ARC4 cost ~8× the simulation itself; xor128 costs a
 * few integer operations per draw. A unit test pins this to seedrandom's own stream.
 */
export const bootstrapDraws = (seed: string): (() => number) => {
  const state = seedrandom.xor128(seed, { state: true }).state()
  let x = state.x | 0
  let y = state.y | 0
  let z = state.z | 0
  let w = state.w | 0
  return () => {
    const t = x ^ (x << 11)
    x = y
    y = z
    z = w
    w ^= (w >>> 19) ^ t ^ (t >>> 8)
    return (w >>> 0) / 0x100000000
  }
}

/** The 95% bootstrap percentile intervals of the mean and the Sharpe ratio of `returns`. */
export const bootstrapIntervals = (
  returns: Float64Array,
  seed: Seed,
  resamples: number = DEFAULT_BOOTSTRAP_RESAMPLES
): { meanLow: number | null; meanHigh: number | null; sharpeLow: number | null; sharpeHigh: number | null } => {
  const n = returns.length
  if (n === 0 || resamples <= 0) return { meanLow: null, meanHigh: null, sharpeLow: null, sharpeHigh: null }
  // bootstrapDraws' stream, its state in locals: the hot loop then makes no call at all.
  const state = seedrandom.xor128(`${seed}/bootstrap`, { state: true }).state()
  let x = state.x | 0
  let y = state.y | 0
  let z = state.z | 0
  let w = state.w | 0
  const sample = new Float64Array(n)
  const means = new Float64Array(resamples)
  const sharpes = new Float64Array(resamples)
  let nSharpe = 0
  for (let b = 0; b < resamples; b++) {
    // Summed while drawing: the same left-to-right order as `mean`, so the same bits.
    let sum = 0
    for (let j = 0; j < n; j++) {
      const t = x ^ (x << 11)
      x = y
      y = z
      z = w
      w ^= (w >>> 19) ^ t ^ (t >>> 8)
      const value = returns[Math.floor(((w >>> 0) / 0x100000000) * n)]!
      sample[j] = value
      sum += value
    }
    const m = sum / n
    means[b] = m
    if (n >= 2) {
      const sd = sampleStd(sample, m, n)
      if (sd > 0 && Number.isFinite(sd)) sharpes[nSharpe++] = m / sd
    }
  }
  means.sort()
  const definedSharpes = sharpes.subarray(0, nSharpe).sort()
  return {
    meanLow: percentileSorted(means, 0.025),
    meanHigh: percentileSorted(means, 0.975),
    sharpeLow: nSharpe > 0 ? percentileSorted(definedSharpes, 0.025) : null,
    sharpeHigh: nSharpe > 0 ? percentileSorted(definedSharpes, 0.975) : null
  }
}

/** Computes the metrics row from the trades and their equity curve (see {@link equityCurve}). */
export const computeMetrics = (
  trades: ReadonlyArray<Trade>,
  equity: ReadonlyArray<EquityRow>,
  options: MetricsOptions
): MetricsRow => {
  const sorted = [...trades].sort(compareTrades)
  const n = sorted.length
  const returns = new Float64Array(n)
  let wins = 0
  let losses = 0
  let totalNet = 0
  let positive = 0
  let negative = 0
  let holdSum = 0
  let downsideSq = 0
  for (let i = 0; i < n; i++) {
    const t = sorted[i]
    const r = t.return
    returns[i] = r
    totalNet += t.net_pnl
    if (t.net_pnl > 0) {
      wins++
      positive += t.net_pnl
    } else if (t.net_pnl < 0) {
      losses++
      negative += t.net_pnl
    }
    holdSum += t.hold_candles
    const down = r < 0 ? r : 0
    downsideSq += down * down
  }
  const meanReturn = n > 0 ? mean(returns, n) : NaN
  const downsideDev = Math.sqrt(downsideSq / n)
  let maxDrawdown = 0
  for (const row of equity) if (row.drawdown > maxDrawdown) maxDrawdown = row.drawdown
  const resamples = options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES
  const ci = bootstrapIntervals(returns, options.seed, resamples)
  return {
    trades: n,
    wins,
    losses,
    win_rate: n > 0 ? wins / n : null,
    mean_return: nullIfNaN(meanReturn),
    median_return: nullIfNaN(medianSorted(Float64Array.from(returns).sort())),
    total_net_pnl: totalNet,
    profit_factor: negative < 0 ? positive / -negative : null,
    expectancy: n > 0 ? totalNet / n : null,
    max_drawdown: maxDrawdown,
    sharpe: sharpeOf(returns, n),
    sortino: n > 0 && downsideDev > 0 ? meanReturn / downsideDev : null,
    mean_hold_candles: n > 0 ? holdSum / n : null,
    mean_return_ci_low: ci.meanLow,
    mean_return_ci_high: ci.meanHigh,
    sharpe_ci_low: ci.sharpeLow,
    sharpe_ci_high: ci.sharpeHigh,
    bootstrap_resamples: resamples,
    initial_capital: options.initialCapital,
    final_equity: equity.length > 0 ? equity[equity.length - 1].equity : options.initialCapital
  }
}
