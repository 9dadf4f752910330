/**
 * diffExperiments on hand-made sides: added, removed and changed trades (with the columns that
 * differ), exit-reason transitions counted only where the reason moved, the first divergence in
 * entry order, metric deltas, inputs; and the text view listing 20 changed trades then a count.
 */
import { describe, expect, it } from "vitest"
import { diffLines } from "../../cli/commands/Diff.js"
import { diffExperiments, type DiffSide, parseDiffRef } from "../../nodes/diff/index.js"

const trade = (id: string, entry: number, exit: string, extra: Record<string, unknown> = {}) => ({
  trade_id: id,
  entry_ts: entry,
  exit_ts: entry + 60_000,
  exit_reason: exit,
  net_pnl: 1,
  ...extra
})

const side = (ref: string, trades: ReadonlyArray<Record<string, unknown>>, overrides: Partial<DiffSide> = {}): DiffSide => ({
  ref,
  experimentId: `exp_${ref}`,
  variantId: undefined,
  name: "hand",
  definition: { name: "hand", strategy: { stopLoss: { pct: 0.3 } } },
  inputs: { alerts: ["art_1"], ohlcv: ["art_2"] },
  trades,
  metrics: { trades: trades.length, sharpe: 0.5, profit_factor: null },
  tradeColumns: ["trade_id", "entry_ts", "exit_ts", "exit_reason", "net_pnl"],
  metricColumns: ["trades", "sharpe", "profit_factor"],
  ...overrides
})

describe("diffExperiments", () => {
  it("classifies trades, counts transitions where the exit reason moved, finds the first divergence", () => {
    const a = side("a", [
      trade("t1", 1_000, "target"),
      trade("t2", 2_000, "target"),
      trade("t3", 3_000, "target"),
      trade("t4", 4_000, "time"),
      trade("t5", 5_000, "stop")
    ])
    const b = side("b", [
      trade("t0", 500, "stop"), // added, before every other
      trade("t1", 1_000, "target"),
      trade("t2", 2_000, "stop", { exit_ts: 2_030_000, net_pnl: -1 }),
      trade("t3", 3_000, "stop"),
      trade("t5", 5_000, "stop", { net_pnl: 2 })
    ], {
      definition: { name: "hand", strategy: { stopLoss: { pct: 0.1 } } },
      inputs: { alerts: ["art_1"], ohlcv: ["art_3"] },
      metrics: { trades: 5, sharpe: 0.25, profit_factor: 3 }
    })
    const diff = diffExperiments(a, b)
    expect(diff.definition).toEqual([{ path: "strategy.stopLoss.pct", a: 0.3, b: 0.1 }])
    expect(diff.inputs).toEqual([{ group: "ohlcv", onlyA: ["art_2"], onlyB: ["art_3"] }])
    expect(diff.metrics).toEqual({
      trades: { a: 5, b: 5, delta: 0 },
      sharpe: { a: 0.5, b: 0.25, delta: -0.25 },
      profit_factor: { a: null, b: 3, delta: null }
    })
    expect(diff.trades.added).toEqual(["t0"])
    expect(diff.trades.removed).toEqual(["t4"])
    expect(diff.trades.changed).toEqual([
      { trade_id: "t2", columns: ["exit_ts", "exit_reason", "net_pnl"] },
      { trade_id: "t3", columns: ["exit_reason"] },
      { trade_id: "t5", columns: ["net_pnl"] }
    ])
    expect(diff.trades.same).toBe(1)
    expect(diff.exitTransitions).toEqual({ "target → stop": 2 })
    expect(diff.firstDivergence).toMatchObject({ trade_id: "t0", kind: "added" })

    // Without the added trade, the earliest divergence is the changed t2.
    const noAdded = diffExperiments(a, { ...b, trades: b.trades.slice(1) })
    expect(noAdded.firstDivergence).toMatchObject({ trade_id: "t2", kind: "changed", columns: ["exit_ts", "exit_reason", "net_pnl"] })
    // Identical sides: nothing differs.
    const same = diffExperiments(a, a)
    expect(same.firstDivergence).toBeNull()
    expect(same.trades).toMatchObject({ same: 5, added: [], removed: [], changed: [] })
    expect(same.exitTransitions).toEqual({})
  })

  it("the text view lists the first 20 changed trades, then how many more", () => {
    const ids = Array.from({ length: 25 }, (_, i) => `t${String(i).padStart(2, "0")}`)
    const a = side("a", ids.map((id, i) => trade(id, i * 1_000, "target")))
    const b = side("b", ids.map((id, i) => trade(id, i * 1_000, "stop")))
    const diff = diffExperiments(a, b)
    expect(diff.trades.changed).toHaveLength(25) // the document lists every one
    const text = diffLines(diff).join("\n")
    expect(text).toContain("changed (first 20 of 25):")
    expect(text).toContain("    t19  exit_reason")
    expect(text).not.toContain("    t20  exit_reason")
    expect(text).toContain("… and 5 more")
    expect(text).toContain("target → stop: 25")
    expect(text).toContain("first divergence: trade t00 (changed)")
  })

  it("parses <experiment>:<variant>", () => {
    expect(parseDiffRef("exp_12ab")).toEqual({ experiment: "exp_12ab", variant: undefined })
    expect(parseDiffRef("exp_12ab:var_9f")).toEqual({ experiment: "exp_12ab", variant: "var_9f" })
  })
})
