/**
 * The HTML builder: the values it shows (worked out by hand from the fixture), its charts, byte
 * determinism, escaping of hostile strings, and that the page is self-contained.
 */
import { describe, expect, it } from "vitest"
import { exitReasonStats, diagnosticSummary, renderReport, type ReportInput } from "../../nodes/report/index.js"
import { art, HOSTILE_MESSAGE, HOSTILE_MINT, HOSTILE_NAME, sampleInput } from "./fixtures.js"

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1

/** The text of the table row whose first cell is `first` (tags stripped, cells joined by |). */
const rowText = (html: string, first: string): string => {
  const rows = html.match(/<tr>.*?<\/tr>/g) ?? []
  const row = rows.find((r) => r.startsWith(`<tr><td class="mono">${first}</td>`))
  if (row === undefined) throw new Error(`no row starting with ${first}`)
  return row.replace(/<\/td>/g, "|").replace(/<[^>]+>/g, "")
}

describe("renderReport: content", () => {
  const html = renderReport(sampleInput())

  it("shows the metrics, formatted with fixed decimals", () => {
    expect(rowText(html, "trades")).toBe("trades|4|number of trades|")
    expect(rowText(html, "win_rate")).toBe("win_rate|50.00%|wins / trades|")
    expect(rowText(html, "mean_return")).toBe("mean_return|+7.50%|95% CI −10.00% … +30.00%|")
    expect(rowText(html, "total_net_pnl")).toBe("total_net_pnl|+3.0000|sum of net pnl|")
    expect(rowText(html, "profit_factor")).toBe("profit_factor|2.000|Σ gains / |Σ losses||")
    expect(rowText(html, "max_drawdown")).toBe("max_drawdown|0.25%|max of 1 − equity / running peak|")
    expect(rowText(html, "sharpe")).toBe("sharpe|0.235|95% CI −0.500 … 1.250|")
    expect(rowText(html, "final_equity")).toBe("final_equity|1,003.0000||")
    // headline cards
    expect(html).toContain(`<div class="card-label">Win rate</div><div class="card-value">50.0%</div>`)
  })

  it("draws the equity curve over the drawdown, and the return histogram, as inline SVG", () => {
    expect(count(html, `<svg class="chart"`)).toBe(2)
    expect(html).toMatch(/<path class="equity realised" d="M[0-9.]+,[0-9.]+(H[0-9.]+V[0-9.]+)+H[0-9.]+"\/>/)
    expect(html).toMatch(/<path class="dd" d="M[^"]+Z"\/>/)
    // one step per point after the first: 8 realised points (the fixture has no mark-to-market curve)
    const equityPath = /<path class="equity realised" d="([^"]+)"/.exec(html)![1]
    expect(count(equityPath, "V")).toBe(7)
    expect(html).toContain("No mark-to-market curve")
    // returns +50%, −25%, +10%, −5% fall into four bins (width 5%): two red, two green
    expect(count(html, `<rect class="bar-neg"`)).toBe(2)
    expect(count(html, `<rect class="bar-pos"`)).toBe(2)
    expect(html).toContain(">mean +7.50%</text>")
    // shared time axis labelled in UTC, equity ticks around 1,000
    expect(html).toContain(">01:00</text>")
    expect(html).toContain(`class="tick-context" text-anchor="start">1 Jan 2024</text>`)
    expect(html).toContain(">1,000</text>")
  })

  it("summarises exit reasons (count desc, then name) and diagnostics (per code)", () => {
    expect(exitReasonStats(sampleInput().trades).map((s) => [s.reason, s.trades, s.meanReturn])).toEqual([
      ["target", 2, 0.3],
      ["stop", 1, -0.25],
      ["time", 1, -0.05]
    ])
    expect(rowText(html, "target")).toContain("|2|")
    expect(rowText(html, "target")).toContain("+30.00%|+6.0000|")
    expect(rowText(html, "stop")).toContain("−25.00%|−2.5000|")
    expect(diagnosticSummary(sampleInput().diagnostics).map((d) => [d.code, d.level, d.count, d.example.alert_id])).toEqual([
      ["no_candles", "warning", 2, "a7"],
      ["position_limit", "info", 1, "a9"]
    ])
    expect(rowText(html, "no_candles")).toBe("no_candles|warning|2|a7|no candles for solana/MintZ|")
  })

  it("lists the lineage: every output down to the input artifacts, by id and type", () => {
    for (const c of ["a", "b", "c", "d", "e", "f"]) expect(html).toContain(art(c))
    expect(html).toContain(`<span class="type">alerts_v1</span>`)
    expect(html).toContain(`<span class="type">ohlcv_slice_v2</span>`)
    // the trades artifact's inputs are expanded once, then referred to
    expect(count(html, "(inputs shown above)")).toBe(3)
  })
})

describe("renderReport: determinism", () => {
  it("identical input gives identical bytes", () => {
    expect(renderReport(sampleInput())).toBe(renderReport(sampleInput()))
  })

  it("key order of the definition and the outputs does not matter", () => {
    const base = sampleInput()
    const reordered: ReportInput = {
      ...base,
      experiment: {
        ...base.experiment,
        definition: { dateRange: { to: "2024-01-02T00:00:00Z", from: "2024-01-01T00:00:00Z" }, seed: 42, name: "ladder baseline" },
        inputs: { ohlcv: base.experiment.inputs.ohlcv, alerts: base.experiment.inputs.alerts }
      },
      outputs: Object.fromEntries(Object.entries(base.outputs).reverse()),
      lineage: { nodes: [...base.lineage.nodes].reverse(), edges: [...base.lineage.edges].reverse() }
    }
    expect(renderReport(reordered)).toBe(renderReport(base))
  })

  it("a different result gives a different page (the page depends on the data)", () => {
    const base = sampleInput()
    const changed = { ...base, metrics: { ...base.metrics!, sharpe: 0.5 } }
    expect(renderReport(changed)).not.toBe(renderReport(base))
  })

  it("never prints NaN, Infinity or undefined, even with empty outputs and null metrics", () => {
    const base = sampleInput()
    const empty: ReportInput = {
      ...base,
      trades: [],
      equity: [],
      diagnostics: [],
      metrics: {
        ...base.metrics!,
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
        mean_return_ci_high: null,
        sharpe_ci_low: null,
        sharpe_ci_high: null,
        final_equity: 1000
      }
    }
    for (const html of [renderReport(base), renderReport(empty)]) {
      expect(html).not.toMatch(/NaN|Infinity|undefined|\[object/)
    }
    const html = renderReport(empty)
    expect(html).toContain("No fills: the equity curve is empty.")
    expect(html).toContain("No trades.")
    expect(rowText(html, "sharpe")).toBe("sharpe|—||")
  })
})

describe("renderReport: safety", () => {
  const hostile = (): ReportInput => {
    const base = sampleInput()
    return {
      ...base,
      experiment: { ...base.experiment, name: HOSTILE_NAME, definition: { name: HOSTILE_NAME, note: "</pre><script>x()</script>" } },
      trades: base.trades.map((t) => ({ ...t, caller: `"><script>caller()</script>` })),
      lineage: {
        ...base.lineage,
        nodes: base.lineage.nodes.map((n) => ({ ...n, logicalKey: `${n.logicalKey}/<script>k()</script>` }))
      }
    }
  }

  it("escapes hostile strings in names, mints, callers, messages, keys and the definition", () => {
    const html = renderReport(hostile())
    expect(html.toLowerCase()).not.toContain("<script")
    expect(html).not.toContain("<img")
    expect(html).toContain("&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;")
    expect(html).toContain("&lt;script&gt;alert(&#39;mint&#39;)&lt;/script&gt;")
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;")
    expect(html).toContain("&lt;/pre&gt;&lt;script&gt;x()&lt;/script&gt;")
    // a hostile value inside an attribute cannot close the attribute
    expect(html).not.toContain(`"><script`)
    expect(HOSTILE_MINT).toContain("<script>")
    expect(HOSTILE_MESSAGE).toContain("<img")
  })

  it("is self-contained: no script, no external reference, styles inline", () => {
    // (without the fixture's hostile strings, whose escaped text mentions src=)
    const base = sampleInput()
    const html = renderReport({
      ...base,
      trades: base.trades.map((t) => ({ ...t, mint: t.trade_id })),
      diagnostics: base.diagnostics.map((d) => ({ ...d, message: "plain" }))
    })
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true)
    expect(/https?:\/\//.test(html)).toBe(false)
    expect(html.toLowerCase().match(/<script|<link|<iframe|<img|<object|<embed|@import|url\(|\bsrc=|\bhref=/g)).toBeNull()
    expect(html).toContain("<style>")
    expect(html).toContain(`<meta charset="utf-8">`)
  })
})
