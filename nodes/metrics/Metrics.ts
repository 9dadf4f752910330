/**
 * The one-row metrics of an experiment (docs/DESIGN.md §7 "Metrics"). Every reduction runs left to
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
import type { EquityRow, EquitySummary } from "./Equity.js"
import { sharpeRatio } from "../stats/index.js"
import { mean, medianSorted, nullIfNaN, percentileSorted, sharpeOf } from "./internal/stats.js"

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
  /** Bootstrap indices kept across calls (a sweep's variants); the row is the same with or without. */
  readonly bootstrapIndexCache?: BootstrapIndexCache | undefined
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

/**
 * Fills `rows` rows of `n` bootstrap indices into `out` (from offset 0), continuing `state`'s
 * xor128 stream: index = ⌊quick() × n⌋, computed as `(w >>> 0) × (n / 2³²)` truncated — the same
 * double (n / 2³² is exact, and either product is k·n / 2³² rounded once) and, being in [0, n), the
 * same floor.
 */
const fillIndices = (state: Int32Array, n: number, out: Int32Array, rows: number): void => {
  let x = state[0]!
  let y = state[1]!
  let z = state[2]!
  let w = state[3]!
  const scale = n / 0x100000000
  const count = rows * n
  for (let i = 0; i < count; i++) {
    const t = x ^ (x << 11)
    x = y
    y = z
    z = w
    w ^= (w >>> 19) ^ t ^ (t >>> 8)
    out[i] = ((w >>> 0) * scale) | 0
  }
  state[0] = x
  state[1] = y
  state[2] = z
  state[3] = w
}

const streamState = (seed: Seed): Int32Array => {
  const state = seedrandom.xor128(`${seed}/bootstrap`, { state: true }).state()
  return Int32Array.of(state.x | 0, state.y | 0, state.z | 0, state.w | 0)
}

/**
 * Every resample's indices into the returns: `resamples` rows of `n`, row b being resample b's
 * draws in order. They depend only on (seed, n, resamples), so metrics of many trade sets with the
 * same count can share them ({@link BootstrapIndexCache}).
 */
export const bootstrapIndices = (seed: Seed, n: number, resamples: number): Int32Array => {
  const out = new Int32Array(n * resamples)
  fillIndices(streamState(seed), n, out, resamples)
  return out
}

/**
 * Bootstrap indices kept across calls, by (seed, n, resamples): what a sweep's variants share when
 * their trade counts agree. Holds a few sets of at most `maxIndices` each, the oldest evicted first;
 * a larger set is computed per call, as without a cache.
 */
export class BootstrapIndexCache {
  readonly #entries = new Map<string, Int32Array>()
  constructor(readonly maxEntries = 4, readonly maxIndices = 8_000_000) {}

  /** The indices of (seed, n, resamples), or undefined when the set is too large to keep. */
  indices(seed: Seed, n: number, resamples: number): Int32Array | undefined {
    if (n * resamples > this.maxIndices) return undefined
    const key = `${typeof seed}:${seed}/${n}/${resamples}`
    const found = this.#entries.get(key)
    if (found !== undefined) return found
    const computed = bootstrapIndices(seed, n, resamples)
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(key, computed)
    return computed
  }
}

/** Resamples summed per pass: independent sums interleave (each still left to right, so the same bits). */
const LANES = 4

/**
 * Means and (n ≥ 2) standard deviations of `rows` consecutive resamples whose indices start at
 * `offset` in `indices`, written at `first` in `means` and `sds`. Each sum runs left to right over
 * the resample's draws, exactly as `mean` and `sampleStd` would over the drawn values.
 */
const resampleMoments = (
  returns: Float64Array,
  indices: Int32Array,
  offset: number,
  rows: number,
  first: number,
  means: Float64Array,
  sds: Float64Array
): void => {
  const n = returns.length
  let row = 0
  for (; row + LANES <= rows; row += LANES) {
    const o0 = offset + row * n
    const o1 = o0 + n
    const o2 = o1 + n
    const o3 = o2 + n
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    for (let j = 0; j < n; j++) {
      s0 += returns[indices[o0 + j]!]!
      s1 += returns[indices[o1 + j]!]!
      s2 += returns[indices[o2 + j]!]!
      s3 += returns[indices[o3 + j]!]!
    }
    const m0 = s0 / n
    const m1 = s1 / n
    const m2 = s2 / n
    const m3 = s3 / n
    const b = first + row
    means[b] = m0
    means[b + 1] = m1
    means[b + 2] = m2
    means[b + 3] = m3
    if (n < 2) continue
    let q0 = 0
    let q1 = 0
    let q2 = 0
    let q3 = 0
    for (let j = 0; j < n; j++) {
      const d0 = returns[indices[o0 + j]!]! - m0
      const d1 = returns[indices[o1 + j]!]! - m1
      const d2 = returns[indices[o2 + j]!]! - m2
      const d3 = returns[indices[o3 + j]!]! - m3
      q0 += d0 * d0
      q1 += d1 * d1
      q2 += d2 * d2
      q3 += d3 * d3
    }
    sds[b] = Math.sqrt(q0 / (n - 1))
    sds[b + 1] = Math.sqrt(q1 / (n - 1))
    sds[b + 2] = Math.sqrt(q2 / (n - 1))
    sds[b + 3] = Math.sqrt(q3 / (n - 1))
  }
  for (; row < rows; row++) {
    const o = offset + row * n
    let s = 0
    for (let j = 0; j < n; j++) s += returns[indices[o + j]!]!
    const m = s / n
    means[first + row] = m
    if (n < 2) continue
    let q = 0
    for (let j = 0; j < n; j++) {
      const d = returns[indices[o + j]!]! - m
      q += d * d
    }
    sds[first + row] = Math.sqrt(q / (n - 1))
  }
}

/**
 * The 95% bootstrap percentile intervals of the mean and the Sharpe ratio of `returns`. `indices`,
 * when given, must be `bootstrapIndices(seed, returns.length, resamples)`; otherwise the draws are
 * made a few resamples at a time.
 */
export const bootstrapIntervals = (
  returns: Float64Array,
  seed: Seed,
  resamples: number = DEFAULT_BOOTSTRAP_RESAMPLES,
  indices?: Int32Array
): { meanLow: number | null; meanHigh: number | null; sharpeLow: number | null; sharpeHigh: number | null } => {
  const n = returns.length
  if (n === 0 || resamples <= 0) return { meanLow: null, meanHigh: null, sharpeLow: null, sharpeHigh: null }
  const means = new Float64Array(resamples)
  const sds = new Float64Array(resamples)
  if (indices !== undefined) {
    if (indices.length !== n * resamples) throw new RangeError(`bootstrap indices: ${indices.length} for ${n} × ${resamples}`)
    resampleMoments(returns, indices, 0, resamples, 0, means, sds)
  } else {
    const state = streamState(seed)
    const block = new Int32Array(LANES * n)
    for (let b = 0; b < resamples; b += LANES) {
      const rows = Math.min(LANES, resamples - b)
      fillIndices(state, n, block, rows)
      resampleMoments(returns, block, 0, rows, b, means, sds)
    }
  }
  const sharpes = new Float64Array(resamples)
  let nSharpe = 0
  if (n >= 2) {
    for (let b = 0; b < resamples; b++) {
      const sharpe = sharpeRatio(means[b]!, sds[b]!)
      if (sharpe !== null) sharpes[nSharpe++] = sharpe
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

const summaryOf = (equity: ReadonlyArray<EquityRow>, initialCapital: number): EquitySummary => {
  let maxDrawdown = 0
  for (const row of equity) if (row.drawdown > maxDrawdown) maxDrawdown = row.drawdown
  return { maxDrawdown, finalEquity: equity.length > 0 ? equity[equity.length - 1].equity : initialCapital }
}

/**
 * Computes the metrics row from the trades and their equity curve (see {@link equityCurve}), or
 * only the curve's summary ({@link equitySummary}: the same row, no curve built).
 */
export const computeMetrics = (
  trades: ReadonlyArray<Trade>,
  equity: ReadonlyArray<EquityRow> | EquitySummary,
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
  const { finalEquity, maxDrawdown } = "maxDrawdown" in equity ? equity : summaryOf(equity, options.initialCapital)
  const resamples = options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES
  const ci = bootstrapIntervals(returns, options.seed, resamples, options.bootstrapIndexCache?.indices(options.seed, n, resamples))
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
    final_equity: finalEquity
  }
}
