/** Downsampling the equity curve: bounded, deterministic, extremes and ends kept. */
import { describe, expect, it } from "vitest"
import { downsample, downsampleIndices } from "../../nodes/report/index.js"

/** A deterministic wiggly series (no randomness needed). */
const series = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    i,
    equity: 1000 + 50 * Math.sin(i / 37) + 20 * Math.sin(i / 5.3) + (i === 31_337 ? 400 : 0) - (i === 777 ? 300 : 0),
    drawdown: Math.abs(Math.sin(i / 101)) * (i === 12_345 ? 2 : 0.1)
  }))

describe("downsample", () => {
  it("returns every index when the curve is short enough", () => {
    expect(downsampleIndices(5, 10, [(i) => i])).toEqual([0, 1, 2, 3, 4])
    expect(downsampleIndices(0, 10, [])).toEqual([])
  })

  it("keeps at most maxPoints, ascending and distinct, with the first and last point", () => {
    const points = series(50_000)
    const kept = downsampleIndices(points.length, 2000, [(i) => points[i].equity, (i) => points[i].drawdown])
    expect(kept.length).toBeLessThanOrEqual(2000)
    expect(kept.length).toBeGreaterThan(500)
    for (let k = 1; k < kept.length; k++) expect(kept[k]).toBeGreaterThan(kept[k - 1])
    expect(kept[0]).toBe(0)
    expect(kept[kept.length - 1]).toBe(49_999)
  })

  it("keeps the global extremes of every series (spike, crash, deepest drawdown)", () => {
    const points = series(50_000)
    const kept = downsample(points, 600, [(p) => p.equity, (p) => p.drawdown]).map((p) => p.i)
    expect(kept).toContain(31_337) // highest equity
    expect(kept).toContain(777) // lowest equity
    expect(kept).toContain(12_345) // deepest drawdown
    expect(kept.length).toBeLessThanOrEqual(600)
  })

  it("is a function of the input only", () => {
    const points = series(20_000)
    const a = downsample(points, 1000, [(p) => p.equity])
    const b = downsample(series(20_000), 1000, [(p) => p.equity])
    expect(a).toEqual(b)
  })
})
