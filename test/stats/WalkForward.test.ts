/** Walk-forward windows, per-window statistics and fold selection on hand cases (rolling vs anchored). */
import { describe, expect, it } from "@effect/vitest"
import {
  combineWindows,
  selectWalkForward,
  stitchOutOfSample,
  walkForwardWindows,
  windowMetric,
  windowOf,
  windowSharpe,
  windowStats
} from "../../nodes/stats/WalkForward.js"

const trade = (alert_ts: number, value: number, id = `${alert_ts}`) => ({ trade_id: id, alert_ts, return: value, net_pnl: value })

describe("walk-forward windows", () => {
  it("cuts [from, to) into folds + 1 equal windows on whole milliseconds; the last ends at `to`", () => {
    expect(walkForwardWindows({ from: 0, to: 100 }, 3)).toEqual([
      { from: 0, to: 25 },
      { from: 25, to: 50 },
      { from: 50, to: 75 },
      { from: 75, to: 100 }
    ])
    const odd = walkForwardWindows({ from: 1000, to: 1010 }, 2)
    expect(odd.map((w) => [w.from, w.to])).toEqual([[1000, 1003], [1003, 1006], [1006, 1010]])
    expect([999, 1000, 1002, 1003, 1009, 1010].map((ts) => windowOf(odd, ts))).toEqual([-1, 0, 0, 1, 2, -1])
  })

  it("per-window statistics: counts, wins, pnl, Sharpe as experiment_metrics computes it; windows combine exactly", () => {
    const windows = walkForwardWindows({ from: 0, to: 20 }, 1)
    const trades = [trade(1, 0.1), trade(2, -0.2), trade(3, 0.4), trade(12, 0.3), trade(15, 0.1), trade(25, 9)]
    const [a, b] = windowStats(trades, windows)
    expect([a!.trades, a!.wins, b!.trades, b!.wins]).toEqual([3, 2, 2, 2])
    expect(a!.netPnl).toBeCloseTo(0.3, 14)
    // Window 0: mean 0.1, deviations 0, −0.3, 0.3 → sd = √(0.18 / 2) = 0.3 → Sharpe 1/3.
    expect(windowSharpe(a!)).toBeCloseTo(1 / 3, 14)
    // Window 1: mean 0.2, sd = √(0.02 / 1) → Sharpe 0.2 / √0.02.
    expect(windowSharpe(b!)).toBeCloseTo(0.2 / Math.sqrt(0.02), 13)
    // Both: 0.1, −0.2, 0.4, 0.3, 0.1: mean 0.14, Σd² = 0.212 → sd √0.053.
    const both = combineWindows([a!, b!])
    expect(both.trades).toBe(5)
    expect(windowSharpe(both)).toBeCloseTo(0.14 / Math.sqrt(0.053), 12)
    expect(windowMetric(both, "mean_return")).toBeCloseTo(0.14, 14)
    expect(windowMetric(both, "total_net_pnl")).toBeCloseTo(0.7, 14)
    expect(windowSharpe(windowStats([trade(1, 0.1)], windows)[0]!)).toBeNull()
  })
})

describe("walk-forward selection", () => {
  // Four windows of 25 ms; one trade per variant and window, return = net pnl:
  //        w0  w1  w2  w3
  //   v0    3  −1   1   2
  //   v1    1   4  −2   0
  //   v2    2  −2   3  −3
  const windows = walkForwardWindows({ from: 0, to: 100 }, 3)
  const table = [[3, -1, 1, 2], [1, 4, -2, 0], [2, -2, 3, -3]]
  const tradesOf = (v: number) => table[v]!.map((value, w) => trade(w * 25 + 1, value, `v${v}w${w}`))
  const stats = table.map((_, v) => windowStats(tradesOf(v), windows))

  it("rolling: each fold picks the best on its own window and is scored on the next", () => {
    const folds = selectWalkForward(stats, { folds: 3, scheme: "rolling", select: "total_net_pnl" })
    expect(folds.map((f) => [f.trainFirst, f.trainLast, f.test, f.selected, f.inSample.netPnl, f.outOfSample.netPnl])).toEqual([
      [0, 0, 1, 0, 3, -1],
      [1, 1, 2, 1, 4, -2],
      [2, 2, 3, 2, 3, -3]
    ])
    expect(stitchOutOfSample(folds, windows, tradesOf).map((t) => t.trade_id)).toEqual(["v0w1", "v1w2", "v2w3"])
  })

  it("anchored: windows 0 … k; a tie goes to the smallest variant id", () => {
    // fold 1: totals v0 2, v1 5, v2 0 → v1; fold 2: v0 3, v1 3, v2 3 → v0 (tie).
    const folds = selectWalkForward(stats, { folds: 3, scheme: "anchored", select: "total_net_pnl" })
    expect(folds.map((f) => [f.trainFirst, f.trainLast, f.selected, f.inSample.netPnl, f.outOfSample.netPnl])).toEqual([
      [0, 0, 0, 3, -1],
      [0, 1, 1, 5, -2],
      [0, 2, 0, 3, 2]
    ])
    expect(stitchOutOfSample(folds, windows, tradesOf).map((t) => t.trade_id)).toEqual(["v0w1", "v1w2", "v0w3"])
  })

  it("by Sharpe: a variant without one (a single trade) never wins over one that has it", () => {
    const w = walkForwardWindows({ from: 0, to: 20 }, 1)
    const single = windowStats([trade(1, 5), trade(11, 1)], w)
    const steady = windowStats([trade(1, 0.1), trade(2, 0.2), trade(11, 0.1)], w)
    const [fold] = selectWalkForward([single, steady], { folds: 1, scheme: "rolling", select: "sharpe" })
    expect(fold!.selected).toBe(1)
    const [none] = selectWalkForward([single, single], { folds: 1, scheme: "rolling", select: "sharpe" })
    expect(none!.selected).toBe(0)
  })
})
