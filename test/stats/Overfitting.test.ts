/**
 * PBO (CSCV) against a straight re-implementation (every combination's days concatenated, Sharpe by
 * two passes, ranks by sorting) on small matrices, hand cases worked on paper, and its behaviour on
 * pure noise (near 0.5) and with one dominant variant (near 0).
 */
import { describe, expect, it } from "@effect/vitest"
import seedrandom from "seedrandom"
import {
  blocksProblem,
  dailyNetPnl,
  denseDaily,
  halfMasks,
  lastExitDay,
  overfittingDays,
  probabilityOfOverfitting
} from "../../nodes/stats/Overfitting.js"

const DAY = 86_400_000

/** The definition, written the long way. */
const reference = (daily: ReadonlyArray<ReadonlyArray<number>>, blocks: number) => {
  const n = daily.length
  const days = daily[0]!.length
  const blockDays = (b: number) => {
    const out: Array<number> = []
    for (let d = Math.floor((b * days) / blocks); d < Math.floor(((b + 1) * days) / blocks); d++) out.push(d)
    return out
  }
  const sharpe = (xs: ReadonlyArray<number>) => {
    if (xs.length < 2) return -Infinity
    const m = xs.reduce((a, x) => a + x, 0) / xs.length
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1))
    return sd > 1e-12 ? m / sd : -Infinity
  }
  const subsets: Array<Array<number>> = []
  const pick = (from: number, chosen: Array<number>) => {
    if (chosen.length === blocks / 2) return void subsets.push([...chosen])
    for (let b = from; b < blocks; b++) pick(b + 1, [...chosen, b])
  }
  pick(0, [])
  const rows = subsets.map((inSample) => {
    const outSample = [...Array(blocks).keys()].filter((b) => !inSample.includes(b))
    const isDays = inSample.flatMap(blockDays)
    const oosDays = outSample.flatMap(blockDays)
    const is = daily.map((column) => sharpe(isDays.map((d) => column[d]!)))
    const oos = daily.map((column) => sharpe(oosDays.map((d) => column[d]!)))
    const best = is.indexOf(Math.max(...is))
    const sorted = [...oos].sort((a, b) => a - b)
    const first = sorted.indexOf(oos[best]!) + 1
    const last = sorted.lastIndexOf(oos[best]!) + 1
    const rank = (first + last) / 2
    const omega = rank / (n + 1)
    return { mask: inSample.reduce((m, b) => m | (1 << b), 0), best, is: is[best]!, oos: oos[best]!, rank, logit: Math.log(omega / (1 - omega)) }
  })
  return { rows, pbo: rows.filter((r) => r.logit <= 0).length / rows.length }
}

const noise = (seed: string, variants: number, days: number, drift: (v: number) => number = () => 0) => {
  const rng = seedrandom(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())
  return Array.from({ length: variants }, (_, v) => Float64Array.from({ length: days }, () => gauss() + drift(v)))
}

describe("probabilityOfOverfitting", () => {
  it("matches the straight re-implementation on small matrices (S = 4 and 6)", () => {
    for (const [blocks, variants, days] of [[4, 5, 23], [6, 7, 40], [6, 3, 6]] as const) {
      const daily = noise(`ref/${blocks}/${variants}`, variants, days, (v) => 0.1 * v)
      const got = probabilityOfOverfitting(daily, blocks)
      const want = reference(daily.map((c) => [...c]), blocks)
      expect(got.combinations.length).toBe(want.rows.length)
      expect(got.pbo).toBe(want.pbo)
      got.combinations.forEach((c, i) => {
        const w = want.rows[i]!
        expect([c.inSampleMask, c.best, c.oosRank]).toEqual([w.mask, w.best, w.rank])
        expect(c.isSharpe).toBeCloseTo(w.is, 10)
        expect(c.oosSharpe).toBeCloseTo(w.oos, 10)
        expect(c.logit).toBeCloseTo(w.logit, 12)
      })
    }
  })

  it("a hand case: the in-sample winner is the out-of-sample loser both ways (pbo 1), undefined Sharpes", () => {
    // S = 2, D = 4: block 0 = days 0–1, block 1 = days 2–3.
    // A: block 0 mean 2, sd √2 → √2; block 1 constant → undefined.
    // B: block 0 mean 1, sd √2 → 1/√2; block 1 mean 2, sd √2 → √2.
    const got = probabilityOfOverfitting([Float64Array.of(1, 3, 2, 2), Float64Array.of(0, 2, 1, 3)], 2)
    expect(got.combinations.map((c) => [c.inSampleMask, c.best, c.oosRank])).toEqual([[1, 0, 1], [2, 1, 1]])
    expect(got.combinations[0]!.isSharpe).toBeCloseTo(Math.SQRT2, 14)
    expect(got.combinations[0]!.oosSharpe).toBeNull()
    expect(got.combinations[1]!.isSharpe).toBeCloseTo(Math.SQRT2, 14)
    expect(got.combinations[1]!.oosSharpe).toBeCloseTo(Math.SQRT1_2, 14)
    for (const c of got.combinations) expect(c.logit).toBeCloseTo(Math.log(0.5), 14) // ω = 1/3
    expect(got.pbo).toBe(1)
    expect(got.degradationSlope).toBeNull() // one defined pair
  })

  it("ties: identical variants pick the first column, averaged rank gives ω = 1/2, λ = 0 (counted as overfit)", () => {
    const column = Float64Array.of(1, -1, 2, 0, 3, 1, -2, 1)
    const got = probabilityOfOverfitting([column, column, column], 4)
    expect(got.combinations).toHaveLength(6)
    for (const c of got.combinations) {
      expect(c.best).toBe(0)
      expect(c.oosRank).toBe(2)
      expect(c.logit).toBe(0)
    }
    expect(got.pbo).toBe(1)
  })

  it("no variant has a Sharpe anywhere: n* is the first, ranked in the middle of the ties", () => {
    const got = probabilityOfOverfitting([new Float64Array(8), new Float64Array(8)], 4)
    for (const c of got.combinations) expect([c.best, c.isSharpe, c.oosSharpe, c.oosRank]).toEqual([0, null, null, 1.5])
  })

  it("pure noise lands near 0.5; one strongly dominant variant near 0", () => {
    const pure = probabilityOfOverfitting(noise("noise", 60, 256), 16)
    expect(pure.combinations).toHaveLength(12_870)
    expect(pure.pbo).toBeGreaterThan(0.3)
    expect(pure.pbo).toBeLessThan(0.7)
    const dominant = probabilityOfOverfitting(noise("dominant", 60, 256, (v) => (v === 17 ? 1.5 : 0)), 16)
    expect(dominant.pbo).toBeLessThan(0.02)
    expect(dominant.combinations.every((c) => c.best === 17)).toBe(true)
    expect(dominant.degradationSlope).not.toBeNull()
  })

  it("lists the half masks in lexicographic order and refuses odd or out-of-range block counts", () => {
    expect(halfMasks(4)).toEqual([0b0011, 0b0101, 0b1001, 0b0110, 0b1010, 0b1100])
    expect(halfMasks(16)).toHaveLength(12_870)
    expect(blocksProblem(16)).toBeUndefined()
    for (const bad of [0, 3, 15, 22, 2.5]) expect(blocksProblem(bad)).toMatch(/even integer from 2 to 20/)
    expect(() => probabilityOfOverfitting([], 5)).toThrow(/even integer/)
  })
})

describe("daily pnl", () => {
  const trade = (exitMs: number, net_pnl: number) => ({ exit_ts: exitMs, net_pnl })
  it("sums net pnl per UTC day of exit, keeps days with exits (a zero sum too), densifies over a range", () => {
    const t0 = Date.parse("2024-01-01T00:00:00Z")
    const daily = dailyNetPnl([trade(t0 + 3 * DAY + 5, 0.5), trade(t0 + 1000, 1), trade(t0 + 3 * DAY + 9, -0.5), trade(t0 + DAY - 1, 2)])
    const d0 = t0 / DAY
    expect([...daily.day]).toEqual([d0, d0 + 3])
    expect([...daily.netPnl]).toEqual([3, 0])
    expect(lastExitDay([daily, dailyNetPnl([])])).toBe(d0 + 3)
    expect([...denseDaily(daily, d0 - 1, 4)]).toEqual([0, 3, 0, 0])
  })

  it("the day range runs from the day of `from` to the later of the day before `to` and the last exit", () => {
    const from = Date.parse("2024-01-01T12:00:00Z")
    const to = Date.parse("2024-01-04T00:00:00Z") // last instant before: Jan 3
    const first = Date.parse("2024-01-01T00:00:00Z") / DAY
    expect(overfittingDays({ from, to }, undefined)).toEqual({ first, days: 3 })
    expect(overfittingDays({ from, to }, first + 1)).toEqual({ first, days: 3 })
    expect(overfittingDays({ from, to }, first + 6)).toEqual({ first, days: 7 })
    expect(overfittingDays({ from, to: to + 1 }, undefined)).toEqual({ first, days: 4 })
  })
})
