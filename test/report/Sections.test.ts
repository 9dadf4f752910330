/**
 * The report's trade tables, caller breakdown, synthetic-input note and comparison: best and
 * worst trades never share a trade, the caller rows add up to the totals, the note appears exactly
 * when the definition's inputs are synthetic, and `compare` shows both experiments.
 */
import { describe, expect, it } from "vitest"
import {
  bestAndWorst,
  callerStats,
  MAX_CALLERS,
  renderReport,
  type ReportInput,
  type ReportTrade,
  syntheticNote,
  TRADES_SHOWN
} from "../../nodes/report/index.js"
import { sampleInput } from "./fixtures.js"

const base = sampleInput()
const trade = (id: string, ret: number, caller: string | null = "caller_a"): ReportTrade => ({
  ...base.trades[0],
  trade_id: id,
  alert_id: id,
  caller,
  return: ret,
  net_pnl: ret * 10
})

const idsOf = (trades: ReadonlyArray<ReportTrade>) => trades.map((t) => t.trade_id)

describe("best and worst trades", () => {
  it("with 3 trades each appears once: the best two, then the worst", () => {
    const { best, worst } = bestAndWorst([trade("t1", 0.1), trade("t2", -0.3), trade("t3", 0.5)])
    expect(idsOf(best)).toEqual(["t3", "t1"])
    expect(idsOf(worst)).toEqual(["t2"])
  })

  it("never share a trade, whatever the count; many trades fill both tables", () => {
    for (const n of [1, 2, 3, 5, 15, 16, 17, 40]) {
      const trades = Array.from({ length: n }, (_, i) => trade(`t${String(i).padStart(2, "0")}`, ((i * 7) % 11) / 10 - 0.5))
      const { best, worst } = bestAndWorst(trades)
      const shown = [...idsOf(best), ...idsOf(worst)]
      expect(new Set(shown).size).toBe(shown.length)
      expect(best.length).toBe(Math.min(TRADES_SHOWN, Math.ceil(n / 2)))
      expect(worst.length).toBe(Math.min(TRADES_SHOWN, n - best.length))
      // best descending, worst ascending, and nothing in worst beats anything in best
      for (const b of best) for (const w of worst) expect(b.return).toBeGreaterThanOrEqual(w.return)
    }
  })

  it("the page's two tables list disjoint trades (three trades: two rows, then one)", () => {
    const html = renderReport({ ...base, trades: [trade("t1", 0.1), trade("t2", -0.3), trade("t3", 0.5)] })
    const section = /<h2>Best trades<\/h2>(.*?)<h2>Worst trades<\/h2>(.*?)<\/section>/s.exec(html)
    expect(section).not.toBeNull()
    const rowIds = (table: string) => [...table.matchAll(/<tr><td class="mono clip" title="([^"]+)"/g)].map((m) => m[1])
    expect(rowIds(section![1])).toEqual(["t3", "t1"])
    expect(rowIds(section![2])).toEqual(["t2"])
    expect(section![1]).toContain("All 3 trades shown, each once.")
  })
})

describe("callerStats", () => {
  it("one row per caller (no caller apart), best net pnl first; rows add up to the totals", () => {
    const trades = [trade("a1", 0.5, "alpha"), trade("b1", -0.25, "beta"), trade("a2", -0.125, "alpha"), trade("n1", 0.25, null)]
    const stats = callerStats(trades)
    expect(stats.map((s) => [s.caller, s.trades, s.wins, s.netPnl])).toEqual([
      ["alpha", 2, 1, 3.75],
      [null, 1, 1, 2.5],
      ["beta", 1, 0, -2.5]
    ])
    expect(stats[0].meanReturn).toBe(0.1875)
    expect(stats.reduce((s, r) => s + r.trades, 0)).toBe(trades.length)
    expect(stats.reduce((s, r) => s + r.netPnl, 0)).toBe(trades.reduce((s, t) => s + t.net_pnl, 0))
  })

  it(`past ${MAX_CALLERS} callers the rest share one row, and the sums still equal the totals`, () => {
    const trades = Array.from({ length: 50 }, (_, i) => trade(`t${i}`, (i % 7) / 8 - 0.25, `caller_${i % 30}`))
    const stats = callerStats(trades)
    expect(stats).toHaveLength(MAX_CALLERS)
    const folded = stats[stats.length - 1]
    expect(folded.others).toBe(30 - (MAX_CALLERS - 1))
    expect(stats.reduce((s, r) => s + r.trades, 0)).toBe(50)
    expect(stats.reduce((s, r) => s + r.wins, 0)).toBe(trades.filter((t) => t.net_pnl > 0).length)
    expect(stats.reduce((s, r) => s + r.netPnl, 0)).toBeCloseTo(trades.reduce((s, t) => s + t.net_pnl, 0), 10)
  })

  it("the page shows the breakdown with win rate and net pnl", () => {
    const html = renderReport(base)
    const section = /<h2>By caller<\/h2>.*?<\/section>/s.exec(html)?.[0] ?? ""
    const text = section.replace(/<\/td>/g, "|").replace(/<[^>]+>/g, "")
    // fixture: caller_a has +50%, +10%, −5% (net 5.5); t2 (−25%) has no caller
    expect(text).toContain("caller_a|3|66.7%|+18.33%|+5.5000|")
    expect(text).toContain("(no caller)|1|0.0%|−25.00%|−2.5000|")
  })
})

describe("synthetic inputs note", () => {
  const synthetic = { ...base.experiment.definition as object, inputs: { synthetic: { tokens: 50, days: 3, seed: 7 } } }

  it("present when the definition's inputs are synthetic, naming the generator's size and seed", () => {
    expect(syntheticNote(synthetic)).toContain("50 tokens × 3 days, seed 7")
    expect(syntheticNote({ inputs: { synthetic: { tokens: 2500, days: 3.5, seed: 7 } } })).toContain("2,500 tokens × 3.5 days, seed 7")
    const html = renderReport({ ...base, experiment: { ...base.experiment, definition: synthetic } })
    expect(html.split(`<p class="note synthetic">`).length - 1).toBe(1)
  })

  it("absent for catalog inputs", () => {
    const catalog = { ...base.experiment.definition as object, inputs: { alerts: ["art_x"], ohlcv: ["art_y"] } }
    expect(syntheticNote(catalog)).toBe("")
    expect(renderReport({ ...base, experiment: { ...base.experiment, definition: catalog } })).not.toContain("synthetic")
    expect(renderReport(base)).not.toContain("Synthetic inputs")
  })
})

describe("comparison", () => {
  it("shows both experiments' metrics side by side with B − A, and B's curves in the chart", () => {
    const compared: ReportInput = {
      ...base,
      markToMarket: base.equity.map((p) => ({ ts: p.ts, equity: p.equity + 1, drawdown: p.drawdown, open_positions: p.open_positions })),
      compare: {
        experimentId: "exp_ffeeddccbbaa99887766554433221100",
        name: "wider stop",
        runId: "000002",
        metrics: { ...base.metrics!, trades: 6, sharpe: 0.5, total_net_pnl: 1.5 },
        equity: base.equity.map((p) => ({ ...p, equity: p.equity - 2 }))
      }
    }
    const html = renderReport(compared)
    const section = /<h2>Compared with wider stop<\/h2>.*?<\/section>/s.exec(html)?.[0] ?? ""
    const row = (name: string) =>
      (section.match(new RegExp(`<tr><td class="mono">${name}</td>.*?</tr>`))?.[0] ?? "").replace(/<\/td>/g, "|").replace(/<[^>]+>/g, "")
    expect(row("trades")).toBe("trades|4|6|+2|")
    expect(row("sharpe")).toBe("sharpe|0.235|0.500|+0.265|")
    expect(row("total_net_pnl")).toBe("total_net_pnl|+3.0000|+1.5000|−1.5000|")
    expect(html).toContain("Compared with</dt><dd>exp_ffeeddccbbaa99887766554433221100 (wider stop, run 000002)")
    expect(html).toContain(`<path class="equity" d=`)
    expect(html).toContain(`<path class="equity realised" d=`)
    expect(html).toContain(`<path class="equity b realised" d=`)
    expect(html).toContain("B: realised (fills only)")
    expect(renderReport(compared)).toBe(html)
  })
})
