/** Axis ticks, histogram bins and the charts' handling of large and degenerate inputs. */
import { describe, expect, it } from "vitest"
import { niceStep, niceTicks, paddedTicks, timeTickLabels, timeTicks } from "../../nodes/report/internal/axes.js"
import {
  type EquityCurve,
  equityChart,
  histogramBins,
  MAX_PLOT_POINTS,
  returnsHistogram
} from "../../nodes/report/internal/charts.js"

const realised = (points: EquityCurve["points"]): EquityCurve => ({ label: "realised", experiment: 0, kind: "realised", points })

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
    // the time on every tick, the date under the first one and wherever the day changes
    expect(t.labels).toEqual([
      { main: "12:00", context: "1 Jan 2024" },
      { main: "00:00", context: "2 Jan" },
      { main: "12:00", context: undefined },
      { main: "00:00", context: "3 Jan" },
      { main: "12:00", context: undefined }
    ])
    const long = timeTicks(Date.parse("2023-03-01T00:00:00Z"), Date.parse("2023-03-31T00:00:00Z"), 8)
    expect(long.ticks.length).toBeLessThanOrEqual(8)
    expect(long.labels[0].main).toMatch(/^\d{1,2} Mar$/)
    expect(long.labels[0].context).toBe("2023")
    expect(long.labels.slice(1).every((l) => l.context === undefined)).toBe(true)
  })

  it("timeTickLabels: minutes within one day, a new year, and day steps across a year end", () => {
    const minute = 60_000
    const at = (iso: string) => Date.parse(iso)
    expect(timeTickLabels([at("2024-06-05T09:05:00Z"), at("2024-06-05T09:10:00Z")], 5 * minute)).toEqual([
      { main: "09:05", context: "5 Jun 2024" },
      { main: "09:10", context: undefined }
    ])
    // the year is repeated where it changes, also below a day
    expect(timeTickLabels([at("2023-12-31T18:00:00Z"), at("2024-01-01T00:00:00Z")], 6 * 60 * minute)).toEqual([
      { main: "18:00", context: "31 Dec 2023" },
      { main: "00:00", context: "1 Jan 2024" }
    ])
    const day = 24 * 60 * minute
    expect(timeTickLabels([at("2023-12-30T00:00:00Z"), at("2023-12-31T00:00:00Z"), at("2024-01-01T00:00:00Z")], day)).toEqual([
      { main: "30 Dec", context: "2023" },
      { main: "31 Dec", context: undefined },
      { main: "1 Jan", context: "2024" }
    ])
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
    const svg = equityChart([{ label: "mark-to-market", experiment: 0, kind: "mark-to-market", points }], 1000)
    const path = /<path class="equity" d="([^"]+)"/.exec(svg)![1]
    const steps = path.split("V").length - 1
    expect(steps).toBeLessThan(MAX_PLOT_POINTS)
    expect(steps).toBeGreaterThan(100)
    expect(svg).toMatch(/\d+ of 30000 points plotted, extremes kept/)
    expect(equityChart([{ label: "mark-to-market", experiment: 0, kind: "mark-to-market", points }], 1000)).toBe(svg)
  })

  it("a single point and a single trade still render without NaN", () => {
    const one = equityChart([realised([{ ts: 0, equity: 999, drawdown: 0.001 }])], 1000)
    expect(one).toContain(`<path class="equity realised"`)
    expect(one).not.toMatch(/NaN|Infinity/)
    const histogram = returnsHistogram([0.25])
    expect(histogram).toContain(`<rect class="bar-pos"`)
    expect(histogram).not.toMatch(/NaN|Infinity/)
  })

  it("overlays curves: each with its own class and legend entry, the first one's drawdown filled", () => {
    const T0 = Date.parse("2024-01-01T00:00:00Z")
    const a = [{ ts: T0, equity: 1000, drawdown: 0 }, { ts: T0 + 3600_000, equity: 990, drawdown: 0.01 }]
    const b = [{ ts: T0 + 1800_000, equity: 1010, drawdown: 0 }, { ts: T0 + 7200_000, equity: 1020, drawdown: 0 }]
    const svg = equityChart([
      { label: "A: mark-to-market", experiment: 0, kind: "mark-to-market", points: a },
      { label: "A: realised (fills only)", experiment: 0, kind: "realised", points: a },
      { label: "B: mark-to-market", experiment: 1, kind: "mark-to-market", points: b },
      { label: "B: realised (fills only)", experiment: 1, kind: "realised", points: b }
    ], 1000)
    for (const cls of ["equity", "equity realised", "equity b", "equity b realised"]) {
      expect(svg.split(`<path class="${cls}" d=`).length - 1).toBe(1)
    }
    expect(svg.split(`<path class="dd" d=`).length - 1).toBe(1)
    expect(svg.split(`<path class="dd-line`).length - 1).toBe(3)
    expect(svg).toContain(`<span class="swatch b"></span>B: mark-to-market</span>`)
    // the time axis spans both curves: B ends at 02:00
    expect(svg).toContain(">02:00</text>")
  })
})
