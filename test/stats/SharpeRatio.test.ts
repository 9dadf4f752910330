import { describe, expect, it } from "@effect/vitest"
import { bootstrapIntervals, computeMetrics, equitySummary } from "../../nodes/metrics/index.js"
import { SHARPE_SD_FLOOR, sharpeRatio, windowSharpe, windowStats } from "../../nodes/stats/index.js"
import { trade } from "../metrics/fixtures.js"

describe("sharpeRatio", () => {
  it("is mean / sd, and undefined for no spread or an sd at the mean's rounding noise", () => {
    expect(sharpeRatio(0.2, 0.1)).toBeCloseTo(2, 15)
    expect(sharpeRatio(0, 1e-300)).toBe(0)
    expect(sharpeRatio(0.1, 0)).toBeNull()
    expect(sharpeRatio(0.1, Number.NaN)).toBeNull()
    expect(sharpeRatio(0.1, 0.1 * SHARPE_SD_FLOOR)).toBeNull()
    expect(sharpeRatio(-0.1, 1.7e-17)).toBeNull()
  })

  it("identical returns have no Sharpe, though their computed sd is a rounding residue, not 0", () => {
    // Three returns of 0.1: the two-pass sample sd comes out ~1.7e-17, which gave a Sharpe of ~5.9e15.
    const trades = [trade("a", 0, 1, 0.1, 1), trade("b", 2, 3, 0.1, 1), trade("c", 4, 5, 0.1, 1)]
    const metrics = computeMetrics(trades, equitySummary(trades, 1000), { seed: 42, initialCapital: 1000, bootstrapResamples: 200 })
    expect(metrics.sharpe).toBeNull()
    expect(metrics.sharpe_ci_low).toBeNull()
    expect(metrics.sharpe_ci_high).toBeNull()
  })

  it("bootstrap resamples that draw one trade every time stay out of the Sharpe interval", () => {
    // With 3 trades, 1 resample in 9 draws a single trade three times; its Sharpe was ±5e15.
    const ci = bootstrapIntervals(Float64Array.from([0.3, -0.7017, 0.1]), 42, 1000)
    expect(Math.abs(ci.sharpeLow!)).toBeLessThan(100)
    expect(Math.abs(ci.sharpeHigh!)).toBeLessThan(100)
    expect(ci.sharpeLow!).toBeLessThan(ci.sharpeHigh!)
  })

  it("a walk-forward window of identical returns has no Sharpe", () => {
    const trades = [1, 2, 3].map((minute) => ({ alert_ts: minute * 60_000, return: 0.1, net_pnl: 0.1 }))
    const [stats] = windowStats(trades, [{ from: 0, to: 3_600_000 }])
    expect(stats!.trades).toBe(3)
    expect(windowSharpe(stats!)).toBeNull()
  })
})
