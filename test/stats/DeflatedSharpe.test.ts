/**
 * The Deflated Sharpe formulas (README, "Sweeps") against a straight re-implementation written
 * from the formulas here (array methods, Math.pow, the library's Φ and Φ⁻¹ only), against hand
 * cases worked on paper, and every null case: T < 2, N < 2, zero variance, the root's argument ≤ 0.
 */
import { describe, expect, it } from "vitest"
import {
  deflatedSharpe,
  EULER_GAMMA,
  normalCdf,
  normalQuantile,
  probabilisticSharpe,
  returnMoments,
  sharpeBenchmark
} from "../../nodes/stats/index.js"

// The straight re-implementation.
const meanOf = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
const centralMoment = (xs: ReadonlyArray<number>, k: number) => meanOf(xs.map((x) => Math.pow(x - meanOf(xs), k)))
const sampleSd = (xs: ReadonlyArray<number>) =>
  Math.sqrt(xs.map((x) => Math.pow(x - meanOf(xs), 2)).reduce((a, b) => a + b, 0) / (xs.length - 1))
const referenceVariant = (returns: ReadonlyArray<number>) => ({
  sharpe: meanOf(returns) / sampleSd(returns),
  trades: returns.length,
  skew: centralMoment(returns, 3) / Math.pow(centralMoment(returns, 2), 1.5),
  kurtosis: centralMoment(returns, 4) / Math.pow(centralMoment(returns, 2), 2)
})
const referenceSr0 = (sharpes: ReadonlyArray<number>) => {
  const n = sharpes.length
  const v = sharpes.map((s) => Math.pow(s - meanOf(sharpes), 2)).reduce((a, b) => a + b, 0) / (n - 1)
  return Math.sqrt(v) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / n) + EULER_GAMMA * normalQuantile(1 - 1 / (n * Math.E)))
}
const referencePsr = (v: ReturnType<typeof referenceVariant>, benchmark: number) =>
  normalCdf(
    ((v.sharpe - benchmark) * Math.sqrt(v.trades - 1)) /
      Math.sqrt(1 - v.skew * v.sharpe + ((v.kurtosis - 1) / 4) * v.sharpe * v.sharpe)
  )

/** Deterministic pseudo-random returns (a linear congruential generator; no Math.random). */
const returnsOf = (seed: number, n: number, drift: number): Array<number> => {
  let state = seed
  const out: Array<number> = []
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) % 2147483648
    const u = state / 2147483648
    out.push(drift + (u - 0.5) * 0.4 + (u > 0.93 ? 1.5 : 0))
  }
  return out
}

describe("deflated Sharpe", () => {
  it("agrees with the straight re-implementation on 40 variants", () => {
    const series = Array.from({ length: 40 }, (_, i) => returnsOf(7 + i * 31, 20 + i * 3, (i - 20) * 0.002))
    const samples = series.map((returns) => {
      const moments = returnMoments(returns)
      const sharpe = meanOf(returns) / sampleSd(returns)
      return { sharpe, trades: returns.length, ...moments }
    })
    const result = deflatedSharpe(samples)
    const reference = series.map(referenceVariant)
    const sr0 = referenceSr0(reference.map((v) => v.sharpe))
    expect(result.trials).toBe(40)
    expect(result.sr0).toBeCloseTo(sr0, 13)
    expect(sr0).toBeGreaterThan(0)
    reference.forEach((v, i) => {
      expect(samples[i]!.skew).toBeCloseTo(v.skew, 12)
      expect(samples[i]!.kurtosis).toBeCloseTo(v.kurtosis, 12)
      expect(result.rows[i]!.psr0).toBeCloseTo(referencePsr(v, 0), 12)
      expect(result.rows[i]!.dsr).toBeCloseTo(referencePsr(v, sr0), 12)
      // Deflating never raises the probability when SR0 > 0.
      expect(result.rows[i]!.dsr!).toBeLessThanOrEqual(result.rows[i]!.psr0!)
    })
  })

  it("hand case: returns 1, 2, 3, 6", () => {
    // mean 3; deviations −2, −1, 0, 3; m2 = 14/4, m3 = (−8 − 1 + 27)/4 = 4.5, m4 = (16 + 1 + 81)/4 = 24.5
    const moments = returnMoments([1, 2, 3, 6])
    expect(moments.skew).toBeCloseTo(4.5 / Math.pow(3.5, 1.5), 14)
    expect(moments.kurtosis).toBeCloseTo(24.5 / 12.25, 14) // = 2
    // SR = 3 / √(14/3); psr0 = Φ(SR·√3 / √(1 − g3·SR + (2 − 1)/4·SR²))
    const sharpe = 3 / Math.sqrt(14 / 3)
    const argument = 1 - (4.5 / Math.pow(3.5, 1.5)) * sharpe + 0.25 * sharpe * sharpe
    expect(probabilisticSharpe({ sharpe, trades: 4, ...moments }, 0)).toBeCloseTo(
      normalCdf((sharpe * Math.sqrt(3)) / Math.sqrt(argument)),
      14
    )
  })

  it("hand case: two trials, SR0 = √V·γ·Φ⁻¹(1 − 1/(2e)) since Φ⁻¹(1/2) = 0", () => {
    const benchmark = sharpeBenchmark([0.1, 0.3])
    // V = ((0.1 − 0.2)² + (0.3 − 0.2)²) / 1 = 0.02
    expect(benchmark.trials).toBe(2)
    expect(benchmark.variance).toBeCloseTo(0.02, 15)
    expect(benchmark.sr0).toBeCloseTo(Math.sqrt(0.02) * EULER_GAMMA * normalQuantile(1 - 1 / (2 * Math.E)), 15)
    // Equal Sharpes: V = 0, so SR0 = 0 and dsr = psr0.
    const flat = deflatedSharpe([
      { sharpe: 0.5, trades: 10, skew: 0, kurtosis: 3 },
      { sharpe: 0.5, trades: 10, skew: 0, kurtosis: 3 }
    ])
    expect(flat.sr0).toBe(0)
    expect(flat.rows[0]!.dsr).toBe(flat.rows[0]!.psr0)
    // skew 0, kurtosis 3: psr0 = Φ(0.5·3 / √(1 + 0.5·0.25)) = Φ(1.5 / √1.125)
    expect(flat.rows[0]!.psr0).toBeCloseTo(normalCdf(1.5 / Math.sqrt(1.125)), 15)
  })

  it("nulls: T < 2, N < 2, undefined SR, zero variance, and the root's argument ≤ 0", () => {
    // T < 2
    expect(probabilisticSharpe({ sharpe: 1, trades: 1, skew: 0, kurtosis: 3 }, 0)).toBeNull()
    expect(returnMoments([0.3])).toEqual({ skew: null, kurtosis: null })
    expect(returnMoments([])).toEqual({ skew: null, kurtosis: null })
    expect(returnMoments([0.25, 0.25, 0.25])).toEqual({ skew: null, kurtosis: null })
    // N < 2: one defined Sharpe among three (nulls are not trials): psr0 defined, sr0 and dsr null
    const lone = deflatedSharpe([
      { sharpe: 0.4, trades: 30, skew: 0.1, kurtosis: 3.2 },
      { sharpe: null, trades: 1, skew: null, kurtosis: null },
      { sharpe: null, trades: 5, skew: null, kurtosis: null }
    ])
    expect(lone.trials).toBe(1)
    expect(lone.sr0).toBeNull()
    expect(lone.variance).toBeNull()
    expect(lone.rows[0]!.psr0).not.toBeNull()
    expect(lone.rows[0]!.dsr).toBeNull()
    expect(lone.rows[1]).toEqual({ psr0: null, dsr: null })
    expect(sharpeBenchmark([]).trials).toBe(0)
    // 1 − g3·SR + (g4 − 1)/4·SR² = 1 − 3·1 + 0 = −2 ≤ 0, and exactly 0: 1 − 2·1 + (5 − 1)/4·1 = 0
    expect(probabilisticSharpe({ sharpe: 1, trades: 50, skew: 3, kurtosis: 1 }, 0)).toBeNull()
    expect(probabilisticSharpe({ sharpe: 1, trades: 50, skew: 2, kurtosis: 1 + 0 * 4 + 4 }, 0)).toBeNull()
    expect(probabilisticSharpe({ sharpe: 1, trades: 50, skew: 1.9, kurtosis: 5 }, 0)).not.toBeNull()
  })
})
