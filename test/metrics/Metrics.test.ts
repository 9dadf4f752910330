/**
 * Metrics on a four-trade fixture worked by hand (notional 1, so net pnl = return):
 *   t1 enters 0 min, exits 2 min, +0.5, hold 2
 *   t2 enters 1 min, exits 3 min, −0.2, hold 2
 *   t3 enters 4 min, exits 5 min, +0.1, hold 1
 *   t4 enters 6 min, exits 7 min, −0.1, hold 1
 */
import { describe, expect, it } from "@effect/vitest"
import seedrandom from "seedrandom"
import {
  bootstrapIndices,
  BootstrapIndexCache,
  bootstrapIntervals,
  computeMetrics,
  equityCurve,
  equitySummary
} from "../../nodes/metrics/index.js"
import { MIN, T0, trade } from "./fixtures.js"

const trades = [trade("t1", 0, 2, 0.5, 2), trade("t2", 1, 3, -0.2, 2), trade("t3", 4, 5, 0.1, 1), trade("t4", 6, 7, -0.1, 1)]
const close = (actual: number | null, expected: number) => expect(actual).toBeCloseTo(expected, 12)

describe("Equity curve", () => {
  it("one point per fill, initial capital + realized pnl, drawdown from the running peak", () => {
    const rows = equityCurve([...trades].reverse(), 10) // input order does not matter
    // t1 in, t2 in, t1 out (+0.5), t2 out (−0.2), t3 in, t3 out (+0.1), t4 in, t4 out (−0.1)
    expect(rows.map((r) => [r.seq, (r.ts - T0) / MIN, r.trade_id, r.fill_seq, r.open_positions])).toEqual([
      [0, 0, "t1", 0, 1],
      [1, 1, "t2", 0, 2],
      [2, 2, "t1", 1, 1],
      [3, 3, "t2", 1, 0],
      [4, 4, "t3", 0, 1],
      [5, 5, "t3", 1, 0],
      [6, 6, "t4", 0, 1],
      [7, 7, "t4", 1, 0]
    ])
    const equity = [10, 10, 10.5, 10.3, 10.3, 10.4, 10.4, 10.3]
    rows.forEach((r, i) => close(r.equity, equity[i]))
    // peak 10 until t1's exit, then 10.5: drawdowns 0,0,0, 0.2/10.5, 0.2/10.5, 0.1/10.5, 0.1/10.5, 0.2/10.5
    const dd = [0, 0, 0, 0.2 / 10.5, 0.2 / 10.5, 0.1 / 10.5, 0.1 / 10.5, 0.2 / 10.5]
    rows.forEach((r, i) => close(r.drawdown, dd[i]))
  })

  it("orders ties by trade id then fill sequence, and entries realize their fee", () => {
    // b and a both enter at 0 and exit at 0 (hold 0); a pays an entry fee of 0.01
    const rows = equityCurve([trade("b", 0, 0, 0.2, 0), trade("a", 0, 0, -0.1, 0, 0.01)], 100)
    expect(rows.map((r) => [r.trade_id, r.fill_seq])).toEqual([["a", 0], ["a", 1], ["b", 0], ["b", 1]])
    close(rows[0].equity, 99.99) // a's entry fee
    close(rows[1].equity, 99.9) // a's net −0.1 realized
    close(rows[3].equity, 100.1)
    close(rows[1].drawdown, 0.1 / 100)
    expect(rows.map((r) => r.open_positions)).toEqual([1, 0, 1, 0])
  })
})

describe("Equity summary", () => {
  it("is the curve's max drawdown and last equity, bit for bit, ties and fees included", () => {
    const rng = seedrandom("equity")
    // 60 trades over 20 minutes: many fills share a minute, ids out of order, some fees.
    const many = Array.from({ length: 60 }, (_, i) => {
      const entry = Math.floor(rng() * 20)
      return trade(`t${(i * 37) % 60}`, entry, entry + Math.floor(rng() * 5), rng() - 0.5, 1, rng() < 0.3 ? 0.01 : 0)
    })
    for (const set of [many, trades, []]) {
      const rows = equityCurve(set, 10)
      expect(equitySummary([...set].reverse(), 10)).toEqual({
        maxDrawdown: rows.reduce((max, row) => (row.drawdown > max ? row.drawdown : max), 0),
        finalEquity: rows.length > 0 ? rows[rows.length - 1].equity : 10
      })
      const options = { seed: 42, initialCapital: 10 }
      expect(computeMetrics(set, equitySummary(set, 10), options)).toEqual(computeMetrics(set, rows, options))
    }
  })
})

describe("Metrics", () => {
  const m = computeMetrics(trades, equityCurve(trades, 10), { seed: 42, initialCapital: 10 })

  it("counts, rates and pnl", () => {
    expect(m.trades).toBe(4)
    expect(m.wins).toBe(2)
    expect(m.losses).toBe(2)
    expect(m.win_rate).toBe(0.5)
    close(m.mean_return, 0.075) // (0.5 − 0.2 + 0.1 − 0.1) / 4
    close(m.median_return, 0) // sorted −0.2, −0.1, 0.1, 0.5 → (−0.1 + 0.1) / 2
    close(m.total_net_pnl, 0.3)
    close(m.profit_factor, 2) // (0.5 + 0.1) / |−0.2 − 0.1|
    close(m.expectancy, 0.075)
    expect(m.mean_hold_candles).toBe(1.5) // (2 + 2 + 1 + 1) / 4
    close(m.final_equity, 10.3)
    expect(m.initial_capital).toBe(10)
  })

  it("max drawdown from the equity curve", () => {
    close(m.max_drawdown, 0.2 / 10.5) // peak 10.5 after t1, trough 10.3
  })

  it("Sharpe: mean / sample std", () => {
    // deviations from 0.075: 0.425, −0.275, 0.025, −0.175; squares sum 0.180625 + 0.075625 + 0.000625 + 0.030625 = 0.2875
    close(m.sharpe, 0.075 / Math.sqrt(0.2875 / 3)) // ≈ 0.24227
  })

  it("Sortino: mean / √(mean over all trades of min(r, 0)²)", () => {
    // (0 + 0.04 + 0 + 0.01) / 4 = 0.0125
    close(m.sortino, 0.075 / Math.sqrt(0.0125)) // ≈ 0.67082
  })

  it("profit factor and Sortino are null with no loss; Sharpe null with one trade", () => {
    const winners = [trade("a", 0, 1, 0.1, 1), trade("b", 1, 2, 0.3, 1)]
    const w = computeMetrics(winners, equityCurve(winners, 1000), { seed: 1, initialCapital: 1000 })
    expect(w.profit_factor).toBeNull()
    expect(w.sortino).toBeNull()
    expect(w.losses).toBe(0)
    close(w.sharpe, 0.2 / Math.sqrt(0.02)) // mean 0.2, sample var (0.01 + 0.01) / 1
    close(w.max_drawdown, 0)
    const one = computeMetrics([winners[0]], equityCurve([winners[0]], 1000), { seed: 1, initialCapital: 1000 })
    expect(one.sharpe).toBeNull()
    expect(one.sharpe_ci_low).toBeNull()
    close(one.mean_return_ci_low, 0.1)
    close(one.mean_return_ci_high, 0.1)
  })

  it("no trades: counts 0, means null, drawdown 0, equity = initial capital", () => {
    const e = computeMetrics([], [], { seed: 1, initialCapital: 500 })
    expect(e).toMatchObject({
      trades: 0,
      wins: 0,
      losses: 0,
      win_rate: null,
      mean_return: null,
      median_return: null,
      total_net_pnl: 0,
      profit_factor: null,
      expectancy: null,
      max_drawdown: 0,
      sharpe: null,
      sortino: null,
      mean_hold_candles: null,
      mean_return_ci_low: null,
      sharpe_ci_high: null,
      final_equity: 500
    })
  })

  it("does not depend on the order trades are given in", () => {
    expect(computeMetrics([...trades].reverse(), equityCurve(trades, 10), { seed: 42, initialCapital: 10 })).toEqual(m)
  })
})

describe("Bootstrap", () => {
  const returns = Float64Array.from([0.5, -0.2, 0.1, -0.1])

  it("is pinned for a fixed seed, reproducible, and within [min, max] of the returns", () => {
    const ci = bootstrapIntervals(returns, 42, 1000)
    expect(ci).toEqual(bootstrapIntervals(returns, 42, 1000))
    expect(ci).toEqual(PINNED)
    for (const x of [ci.meanLow!, ci.meanHigh!]) {
      expect(x).toBeGreaterThanOrEqual(-0.2)
      expect(x).toBeLessThanOrEqual(0.5)
    }
    expect(ci.meanLow!).toBeLessThan(ci.meanHigh!)
    expect(ci.sharpeLow!).toBeLessThan(ci.sharpeHigh!)
    expect(bootstrapIntervals(returns, 43, 1000)).not.toEqual(ci)
  })

  it("is pinned on 25 returns (seed 7), the interval inside [min, max] and around the mean", () => {
    const r = Float64Array.from([
      0.0841, 0.0909, 0.0141, -0.0757, -0.0959, -0.0279, 0.0657, 0.0989, 0.0412, -0.0544, -0.1, -0.0537, 0.042,
      0.0991, 0.065, -0.0288, -0.0961, -0.0751, 0.015, 0.0913, 0.0837, -0.0009, -0.0846, -0.0906, -0.0132
    ])
    const ci = bootstrapIntervals(r, 7, 1000)
    expect(ci).toEqual({
      meanLow: -0.027505600000000005,
      meanHigh: 0.026940899999999986,
      sharpeLow: -0.41603430856607887,
      sharpeHigh: 0.4018458572085796
    })
    const mean = r.reduce((a, x) => a + x, 0) / r.length
    expect(ci.meanLow!).toBeLessThan(mean)
    expect(ci.meanHigh!).toBeGreaterThan(mean)
    expect(ci.meanLow!).toBeGreaterThanOrEqual(-0.1)
    expect(ci.meanHigh!).toBeLessThanOrEqual(0.0991)
  })

  it("follows the documented method (oracle: seedrandom.xor128(`${seed}/bootstrap`).quick, type-7 percentiles)", () => {
    const rng = seedrandom.xor128("42/bootstrap")
    const means: Array<number> = []
    const sharpes: Array<number> = []
    for (let b = 0; b < 1000; b++) {
      const xs = Array.from({ length: 4 }, () => returns[Math.floor(rng.quick() * 4)])
      const mu = (((xs[0] + xs[1]) + xs[2]) + xs[3]) / 4
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mu) * (x - mu), 0) / 3)
      means.push(mu)
      if (sd > 0) sharpes.push(mu / sd)
    }
    const pct = (xs: Array<number>, p: number) => {
      const s = [...xs].sort((a, b) => a - b)
      const h = (s.length - 1) * p
      const lo = Math.floor(h)
      return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo])
    }
    const ci = bootstrapIntervals(returns, 42, 1000)
    close(ci.meanLow, pct(means, 0.025))
    close(ci.meanHigh, pct(means, 0.975))
    close(ci.sharpeLow, pct(sharpes, 0.025))
    close(ci.sharpeHigh, pct(sharpes, 0.975))
  })

  it("shared indices (a sweep's cache) give the same intervals as drawing per call", () => {
    const rng = seedrandom("shared")
    const cache = new BootstrapIndexCache(2, 50_000)
    for (const n of [1, 2, 3, 25, 101]) {
      const r = Float64Array.from({ length: n }, () => rng() - 0.45)
      for (const resamples of [1, 3, 4, 7, 1000]) {
        const drawn = bootstrapIntervals(r, 9, resamples)
        expect(bootstrapIntervals(r, 9, resamples, bootstrapIndices(9, n, resamples))).toEqual(drawn)
        expect(bootstrapIntervals(r, 9, resamples, cache.indices(9, n, resamples))).toEqual(drawn)
      }
    }
    // Too large to keep: computed per call instead.
    expect(cache.indices(9, 101, 1000)).toBeUndefined()
    expect(cache.indices(9, 25, 1000)).toBe(cache.indices(9, 25, 1000))
    expect(cache.indices(9, 25, 1000)).not.toBe(cache.indices("9", 25, 1000))
    expect(() => bootstrapIntervals(returns, 42, 10, bootstrapIndices(42, 5, 10))).toThrow(RangeError)
  })

  it("the metrics row carries the intervals and the resample count", () => {
    const m = computeMetrics(trades, equityCurve(trades, 10), { seed: 42, initialCapital: 10, bootstrapResamples: 200 })
    const ci = bootstrapIntervals(returns, 42, 200)
    expect(m.bootstrap_resamples).toBe(200)
    expect([m.mean_return_ci_low, m.mean_return_ci_high, m.sharpe_ci_low, m.sharpe_ci_high])
      .toEqual([ci.meanLow, ci.meanHigh, ci.sharpeLow, ci.sharpeHigh])
  })
})

// with four returns the resample means lie on a grid of 0.025 steps, hence the round bounds
const PINNED = { meanLow: -0.15000000000000002, meanHigh: 0.35, sharpeLow: -2.598076211353316, sharpeHigh: 1.2990381056766584 }
