/**
 * Φ and Φ⁻¹ against published values (R's pnorm/qnorm, SciPy's norm.cdf/ppf) and against each
 * other over the whole range, tails included.
 */
import { describe, expect, it } from "vitest"
import { normalCdf, normalQuantile } from "../../nodes/stats/index.js"

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected)

describe("normalCdf", () => {
  it("matches known values to ~1e-14 relative, in the centre and far in the tails", () => {
    const known: ReadonlyArray<readonly [number, number]> = [
      [1, 0.8413447460685429],
      [-1, 0.15865525393145707],
      [1.96, 0.9750021048517795],
      [-0.5, 0.3085375387259869],
      [3, 0.9986501019683699],
      [-5, 2.866515718791939e-7],
      [-10, 7.619853024160527e-24]
    ]
    for (const [x, p] of known) expect(relativeError(normalCdf(x), p), `Φ(${x})`).toBeLessThan(1e-13)
    expect(normalCdf(0)).toBe(0.5)
    expect(normalCdf(60)).toBe(1)
    expect(normalCdf(-60)).toBe(0)
    expect(normalCdf(Infinity)).toBe(1)
    expect(normalCdf(-Infinity)).toBe(0)
    expect(normalCdf(NaN)).toBeNaN()
  })

  it("is symmetric: Φ(−x) = 1 − Φ(x)", () => {
    for (const x of [0.1, 0.6, 0.7, 1.3, 2.5, 4, 5.7, 6]) expect(normalCdf(-x) + normalCdf(x)).toBeCloseTo(1, 15)
  })
})

describe("normalQuantile", () => {
  it("matches known values", () => {
    const known: ReadonlyArray<readonly [number, number]> = [
      [0.975, 1.959963984540054],
      [0.99, 2.3263478740408408],
      [0.01, -2.3263478740408408],
      [0.9, 1.2815515655446004],
      [1e-10, -6.361340902404056]
    ]
    for (const [p, x] of known) expect(relativeError(normalQuantile(p), x), `Φ⁻¹(${p})`).toBeLessThan(1e-14)
    expect(normalQuantile(0.5)).toBe(0)
    expect(normalQuantile(0)).toBe(-Infinity)
    expect(normalQuantile(1)).toBe(Infinity)
    expect(normalQuantile(-0.1)).toBeNaN()
    expect(normalQuantile(1.1)).toBeNaN()
  })

  it("inverts normalCdf from 1e-300 to 1 − 1e-16 (all three AS 241 ranges)", () => {
    for (let e = -300; e <= -1; e += 1) {
      for (const m of [1, 2.5, 5]) {
        const p = m * 10 ** e
        if (p >= 0.5) continue
        expect(relativeError(normalCdf(normalQuantile(p)), p), `p = ${p}`).toBeLessThan(1e-12)
        const upper = 1 - p
        if (upper < 1) expect(relativeError(normalCdf(normalQuantile(upper)), upper), `p = ${upper}`).toBeLessThan(1e-15)
      }
    }
    for (let p = 0.01; p < 1; p += 0.01) expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-15)
  })
})
