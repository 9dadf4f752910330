/** Axis ticks, histogram bins and the charts' handling of large and degenerate inputs. */
import { describe, expect, it } from "vitest"
import { niceStep, niceTicks, paddedTicks, timeTicks } from "../../nodes/report/internal/axes.js"
import { equityChart, histogramBins, MAX_PLOT_POINTS, returnsHistogram } from "../../nodes/report/internal/charts.js"

describe("axes", () => {
  it("niceStep picks 1, 2 or 5 × 10^k", () => {
    expect(niceStep(0.3)).toBe(0.5)
    expect(niceStep(1)).toBe(1)
    expect(niceStep(1.2)).toBe(2)
    expect(niceStep(4.9)).toBe(5)
    expect(niceStep(7)).toBe(10)
    expect(niceStep(0.025)).toBe(0.05)
    expect(niceStep(0.1)).toBe(0.1) // 0.1 / 10^-1 is not exactly 1 in floating point
    expect(niceStep(0.3 - 0.1)).toBe(0.2)
  })

  it("niceTicks covers the range with exact multiples of the step", () => {
    const t = niceTicks(-0.25, 0.5, 30)
    expect(t.step).toBe(0.05)
    expect(t.min).toBe(-0.25)
    expect(t.max).toBe(0.5)
    expect(t.ticks).toHaveLength(16)
    expect(t.ticks[6]).toBe(0.05) // not 0.05000000000000001
    expect(niceTicks(5, 5, 4).ticks.length).toBeGreaterThan(1) // degenerate range widened
  })

  it("paddedTicks keeps ticks inside a domain that hugs the data", () => {
    const t = paddedTicks(998, 3047, 6)
    expect(t.step).toBe(500)
    expect(t.ticks).toEqual([1000, 1500, 2000, 2500, 3000])
    expect(t.min).toBeLessThan(998)
    expect(t.min).toBeGreaterThan(800)
  })

  it("timeTicks are UTC-aligned, inside the range, and labelled by their size", () => {
    const from = Date.parse("2024-01-01T00:07:00Z")
    const to = Date.parse("2024-01-03T23:50:00Z")
    const t = timeTicks(from, to, 8)
    expect(t.step).toBe(12 * 3600_000)
    expect(t.ticks.map(t.label)).toEqual(["01-01 12:00", "01-02 00:00", "01-02 12:00", "01-03 00:00", "01-03 12:00"])
    const long = timeTicks(Date.parse("2023-03-01T00:00:00Z"), Date.parse("2023-03-31T00:00:00Z"), 8)
    expect(long.ticks.length).toBeLessThanOrEqual(8)
    expect(long.label(long.ticks[0])).toMatch(/^2023-03-\d\d$/)
  })
})

describe("histogramBins", () => {
  it("contiguous bins whose counts add up to the number of values (edges included)", () => {
    const values = [-0.25, -0.05, 0.1, 0.5, 0.5, 0]
    const bins = histogramBins(values)
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(values.length)
    for (let i = 1; i < bins.length; i++) expect(bins[i].from).toBe(bins[i - 1].to)
    expect(bins[0].from).toBeLessThanOrEqual(-0.25)
    expect(bins[bins.length - 1].to).toBeGreaterThanOrEqual(0.5)
    // 0 is a bin edge: the zero-return trade counts in the bin starting at 0
    expect(bins.find((b) => b.from === 0)!.count).toBe(1)
  })

  it("one distinct value still gives a bin", () => {
    const bins = histogramBins([0.1, 0.1, 0.1])
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(3)
  })
})

describe("charts", () => {
  it("a long equity curve is plotted from at most MAX_PLOT_POINTS points and says so", () => {
    const n = 30_000
    const points = Array.from({ length: n }, (_, i) => ({
      seq: i,
      ts: Date.parse("2024-01-01T00:00:00Z") + i * 60_000,
      equity: 1000 + Math.sin(i / 50) * 10,
      drawdown: Math.abs(Math.cos(i / 50)) * 0.01,
      open_positions: 1
    }))
    const svg = equityChart(points, 1000)
    const path = /<path class="equity" d="([^"]+)"/.exec(svg)![1]
    const steps = path.split("V").length - 1
    expect(steps).toBeLessThan(MAX_PLOT_POINTS)
    expect(steps).toBeGreaterThan(100)
    expect(svg).toMatch(/\d+ of 30000 points plotted \(extremes kept\)/)
    expect(equityChart(points, 1000)).toBe(svg)
  })

  it("a single point and a single trade still render without NaN", () => {
    const one = equityChart([{ seq: 0, ts: 0, equity: 999, drawdown: 0.001, open_positions: 1 }], 1000)
    expect(one).toContain(`<path class="equity"`)
    expect(one).not.toMatch(/NaN|Infinity/)
    const histogram = returnsHistogram([0.25])
    expect(histogram).toContain(`<rect class="bar-pos"`)
    expect(histogram).not.toMatch(/NaN|Infinity/)
  })
})
