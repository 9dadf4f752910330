/**
 * The Deflated Sharpe Ratio (Bailey & López de Prado, 2014) of sweep variants, by the formulas
 * fixed in the README (section "Sweeps", columns psr0 / dsr / sr0 / trials). For a variant with
 * per-trade returns r, T = trade count, SR = mean(r) / sd(r) (sample sd: experiment_metrics.sharpe),
 * population moments m_k = mean((r − mean)^k), skew g3 = m3 / m2^1.5, kurtosis g4 = m4 / m2² (not
 * excess):
 * - N = variants with a defined SR; V = their SRs' sample variance (ddof 1);
 * - SR0 = √V · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))), γ = Euler–Mascheroni;
 * - psr0 = Φ(SR·√(T−1) / √(1 − g3·SR + (g4 − 1)/4·SR²)); dsr the same with SR − SR0;
 * - null where T < 2, N < 2, SR is undefined, or the square root's argument is ≤ 0.
 * Every reduction is a left-to-right loop in the order given (deterministic bytes).
 */
import { normalCdf, normalQuantile } from "./Normal.js"

/** The Euler–Mascheroni constant γ. */
export const EULER_GAMMA = 0.5772156649015329

/** Skew and kurtosis (not excess) of a series from its population moments; null when undefined. */
export interface ReturnMoments {
  readonly skew: number | null
  readonly kurtosis: number | null
}

/** g3 = m3 / m2^1.5 and g4 = m4 / m2² of `returns`; both null with no value or zero variance. */
export const returnMoments = (returns: ArrayLike<number>): ReturnMoments => {
  const n = returns.length
  if (n === 0) return { skew: null, kurtosis: null }
  let sum = 0
  for (let i = 0; i < n; i++) sum += returns[i]!
  const mean = sum / n
  let s2 = 0
  let s3 = 0
  let s4 = 0
  for (let i = 0; i < n; i++) {
    const d = returns[i]! - mean
    const d2 = d * d
    s2 += d2
    s3 += d2 * d
    s4 += d2 * d2
  }
  const m2 = s2 / n
  if (!(m2 > 0) || !Number.isFinite(m2)) return { skew: null, kurtosis: null }
  const skew = s3 / n / Math.pow(m2, 1.5)
  const kurtosis = s4 / n / (m2 * m2)
  return {
    skew: Number.isFinite(skew) ? skew : null,
    kurtosis: Number.isFinite(kurtosis) ? kurtosis : null
  }
}

/** What one variant contributes: its Sharpe (null when undefined), trade count and moments. */
export interface SharpeSample extends ReturnMoments {
  readonly sharpe: number | null
  readonly trades: number
}

/** The expected maximum Sharpe of N trials under the null (SR0), with N and V. */
export interface SharpeBenchmark {
  /** N: samples with a defined Sharpe. */
  readonly trials: number
  /** V: sample variance (ddof 1) of their Sharpes; null when N < 2. */
  readonly variance: number | null
  /** SR0; null when N < 2. */
  readonly sr0: number | null
}

/** SR0 over the defined Sharpes of `sharpes` (nulls and non-finite values are not trials). */
export const sharpeBenchmark = (sharpes: ReadonlyArray<number | null>): SharpeBenchmark => {
  const defined: Array<number> = []
  for (const sharpe of sharpes) if (sharpe !== null && Number.isFinite(sharpe)) defined.push(sharpe)
  const n = defined.length
  if (n < 2) return { trials: n, variance: null, sr0: null }
  let sum = 0
  for (const sharpe of defined) sum += sharpe
  const mean = sum / n
  let ss = 0
  for (const sharpe of defined) ss += (sharpe - mean) * (sharpe - mean)
  const variance = ss / (n - 1)
  const sr0 = Math.sqrt(variance) *
    ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / n) + EULER_GAMMA * normalQuantile(1 - 1 / (n * Math.E)))
  return { trials: n, variance, sr0: Number.isFinite(sr0) ? sr0 : null }
}

/**
 * Φ((SR − benchmark)·√(T−1) / √(1 − g3·SR + (g4−1)/4·SR²)): the probability that the true Sharpe
 * exceeds `benchmark`. Null when T < 2, SR, g3, g4 or the benchmark is undefined, or the root's
 * argument is ≤ 0.
 */
export const probabilisticSharpe = (sample: SharpeSample, benchmark: number | null): number | null => {
  const { sharpe, trades, skew, kurtosis } = sample
  if (trades < 2 || sharpe === null || skew === null || kurtosis === null || benchmark === null) return null
  const argument = 1 - skew * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe
  if (!(argument > 0)) return null
  const z = ((sharpe - benchmark) * Math.sqrt(trades - 1)) / Math.sqrt(argument)
  return Number.isNaN(z) ? null : normalCdf(z)
}

/** One variant's columns: psr0 (against 0) and dsr (against SR0). */
export interface DeflatedSharpeRow {
  readonly psr0: number | null
  readonly dsr: number | null
}

/** SR0 over every sample, then each sample's psr0 and dsr, in the order given. */
export const deflatedSharpe = (
  samples: ReadonlyArray<SharpeSample>
): SharpeBenchmark & { readonly rows: ReadonlyArray<DeflatedSharpeRow> } => {
  const benchmark = sharpeBenchmark(samples.map((sample) => sample.sharpe))
  return {
    ...benchmark,
    rows: samples.map((sample) => ({
      psr0: probabilisticSharpe(sample, 0),
      dsr: probabilisticSharpe(sample, benchmark.sr0)
    }))
  }
}
