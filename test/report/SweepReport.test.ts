/**
 * The sweep sections of the report, on a hand-made leaderboard: rank order (nulls last, ties by
 * id, lower-is-better metrics), the heatmap's axes, cells and aggregation over the third swept
 * path, the row cap, escaping of a hostile text parameter, the inline sort script (run against a
 * small stand-in DOM), and that a report without a sweep is untouched.
 */
import { describe, expect, it } from "vitest"
import {
  heatmapAxis,
  heatmapGrid,
  heatmapPairs,
  heatmapSvg,
  leaderboardRows,
  rankRows,
  renderReport,
  type ReportInput,
  type ReportSweep,
  type ReportSweepRow
} from "../../nodes/report/index.js"
import { SORT_SCRIPT } from "../../nodes/report/internal/sweepSections.js"
import { sampleInput } from "./fixtures.js"

const HOSTILE = `<script>alert("param")</script>`
const STOP = "stopLoss.pct"
const MULTIPLE = "exit.targets[0].multiple"
const INTRABAR = "intrabar"

const metrics = (sharpe: number | null, maxDrawdown = 0.1) => ({
  ...sampleInput().metrics!,
  sharpe,
  max_drawdown: maxDrawdown
})

const row = (
  id: string,
  stop: number,
  multiple: number,
  intrabar: string,
  sharpe: number | null,
  maxDrawdown = 0.1
): ReportSweepRow => ({
  variantId: id,
  parameters: { [STOP]: stop, [MULTIPLE]: multiple, [INTRABAR]: intrabar },
  metrics: metrics(sharpe, maxDrawdown)
})

/**
 * stop ∈ {0.1, 0.2} × multiple ∈ {1.5, 2, 3} × intrabar ∈ {stop-first, HOSTILE}, except
 * (0.2, 2) which has no variant; (0.2, 3) has only null Sharpes.
 */
const rows: ReadonlyArray<ReportSweepRow> = [
  row("var_a01", 0.1, 1.5, "stop-first", 0.5, 0.2),
  row("var_a02", 0.1, 1.5, HOSTILE, 0.7, 0.05),
  row("var_a03", 0.1, 2, "stop-first", 1.0, 0.3),
  row("var_a04", 0.1, 2, HOSTILE, null, 0.01),
  row("var_a05", 0.1, 3, "stop-first", -0.2, 0.4),
  row("var_a06", 0.1, 3, HOSTILE, 0.1, 0.4),
  row("var_a07", 0.2, 1.5, "stop-first", 1.0, 0.15),
  row("var_a08", 0.2, 1.5, HOSTILE, 0.3, 0.2),
  row("var_a09", 0.2, 3, "stop-first", null, 0.2),
  row("var_a10", 0.2, 3, HOSTILE, null, 0.25)
]

const sweep = (overrides: Partial<ReportSweep> = {}): ReportSweep => ({
  leaderboardId: `art_${"9".repeat(64)}`,
  rank: "sharpe",
  parameters: [
    { path: STOP, duckdbType: "DOUBLE" },
    { path: MULTIPLE, duckdbType: "DOUBLE" },
    { path: INTRABAR, duckdbType: "VARCHAR" }
  ],
  rows,
  best: "var_a03",
  ...overrides
})

const sweepInput = (s: ReportSweep = sweep()): ReportInput => ({
  ...sampleInput(),
  outputs: { ...sampleInput().outputs, leaderboard: s.leaderboardId },
  sweep: s
})

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1

describe("rank order", () => {
  it("sharpe: higher first, nulls last, ties by variant id", () => {
    expect(rankRows(rows, "sharpe").map((r) => r.variantId)).toEqual([
      "var_a03", // 1.0
      "var_a07", // 1.0, tie broken by id
      "var_a02",
      "var_a01",
      "var_a08",
      "var_a06",
      "var_a05",
      "var_a04", // null, by id
      "var_a09",
      "var_a10"
    ])
  })

  it("max_drawdown: lower first", () => {
    expect(rankRows(rows, "max_drawdown").map((r) => r.variantId).slice(0, 4)).toEqual([
      "var_a04", // 0.01
      "var_a02", // 0.05
      "var_a07", // 0.15
      "var_a01" // 0.2, before var_a08 and var_a09 by id
    ])
  })

  it("the table shows the best `cap` rows in rank order and says how many are hidden", () => {
    expect(leaderboardRows(sweep(), 4).shown.map((r) => r.variantId)).toEqual(["var_a03", "var_a07", "var_a02", "var_a01"])
    expect(leaderboardRows(sweep(), 4).hidden).toBe(6)
    const html = renderReport(sweepInput())
    const table = /<table class="leaderboard sortable">.*?<\/table>/s.exec(html)![0]
    const order = [...table.matchAll(/<tr data-r="(\d+)"[^>]*><td class="num" data-v="\d+">\d+<\/td><td class="mono" data-v="([^"]+)"/g)]
      .map((m) => [Number(m[1]), m[2]])
    expect(order).toEqual(rankRows(rows, "sharpe").map((r, i) => [i + 1, r.variantId]))
    expect(table).toContain(`<tr data-r="1" class="best">`)
    expect(count(table, `class="best"`)).toBe(1)
    // a null metric: an empty sort value and a dash
    expect(table).toMatch(/<td class="num" data-v="">—<\/td>/)
  })
})

describe("heatmap", () => {
  const paths = [STOP, MULTIPLE, INTRABAR]

  it("default pair: the two paths with the most distinct values (ties by column order), wider on x", () => {
    const { left, pairs } = heatmapPairs(rows, sweep().parameters)
    expect(pairs.map(([x, y]) => [x.path, y.path])).toEqual([[MULTIPLE, STOP], [MULTIPLE, INTRABAR], [STOP, INTRABAR]])
    expect(left).toEqual([])
  })

  it("cells: the max sharpe over the third path, with count, mean and best variant; empty and null cells apart", () => {
    const x = heatmapAxis(rows, MULTIPLE)!
    const y = heatmapAxis(rows, STOP)!
    expect(x.labels).toEqual(["1.5", "2", "3"])
    expect(y.labels).toEqual(["0.1", "0.2"])
    const grid = heatmapGrid(rows, "sharpe", x, y, paths)
    expect(grid.others).toEqual([INTRABAR])
    const summary = grid.cells.map((cells) => cells.map((c) => [c.variants, c.valued, c.best, c.bestVariant, c.mean]))
    expect(summary).toEqual([
      [[2, 2, 0.7, "var_a02", expect.closeTo(0.6, 12)], [2, 1, 1.0, "var_a03", 1.0], [2, 2, 0.1, "var_a06", expect.closeTo(-0.05, 12)]],
      [[2, 2, 1.0, "var_a07", expect.closeTo(0.65, 12)], [0, 0, null, null, null], [2, 0, null, null, null]]
    ])
    expect(grid.range).toEqual([0.1, 1.0])
  })

  it("a lower-is-better metric aggregates by min", () => {
    const x = heatmapAxis(rows, MULTIPLE)!
    const y = heatmapAxis(rows, STOP)!
    const grid = heatmapGrid(rows, "max_drawdown", x, y, paths)
    expect(grid.cells[0].map((c) => [c.best, c.bestVariant])).toEqual([[0.05, "var_a02"], [0.01, "var_a04"], [0.4, "var_a05"]])
  })

  it("the SVG: one rect per cell, colours from the best (green) to the worst (red), null and empty marked, legend", () => {
    const html = renderReport(sweepInput())
    const svg = /<svg class="chart"[^>]*aria-label="sharpe by exit\.targets\[0\]\.multiple × stopLoss\.pct"[^>]*>.*?<\/svg>/s.exec(html)![0]
    expect(count(svg, `<rect class="hm-cell" x=`)).toBe(4 + 8) // four valued cells + eight legend steps
    expect(count(svg, `<rect class="hm-null" x=`)).toBe(1 + 1) // the (0.2, 3) cell + its legend swatch
    expect(count(svg, `<rect class="hm-empty" x=`)).toBe(1 + 1)
    // the best cell (1.0) gets the scale's green end, the worst (0.1) its red end
    expect(svg).toMatch(/fill="rgb\(26,152,80\)"><title>exit\.targets\[0\]\.multiple = 2, stopLoss\.pct = 0\.1: max sharpe 1\.000 \(var_a03\)/)
    expect(svg).toMatch(/fill="rgb\(215,48,39\)"><title>exit\.targets\[0\]\.multiple = 3, stopLoss\.pct = 0\.1: max sharpe 0\.100 \(var_a06\), mean −0\.050 over 2 variants/)
    expect(svg).toContain("<title>exit.targets[0].multiple = 2, stopLoss.pct = 0.2: no variant</title>")
    expect(svg).toContain("<title>exit.targets[0].multiple = 3, stopLoss.pct = 0.2: no sharpe (2 variants, 2 with no sharpe)</title>")
    expect(svg).toContain(">1.000 best</text>")
    expect(svg).toContain(">0.100 worst</text>")
    // the caption says which aggregation
    expect(html).toContain("Each cell: the max of sharpe (higher is better) over the variants sharing its two values.")
  })

  it("a numeric path with many values is cut into nice bins", () => {
    const many: Array<ReportSweepRow> = Array.from({ length: 40 }, (_, i) =>
      row(`var_${String(i).padStart(3, "0")}`, 0.05 + i * 0.0087, 2, "stop-first", i / 10))
    const axis = heatmapAxis(many, STOP)!
    expect(axis.binned).toBe(true)
    expect(axis.distinct).toBe(40)
    // 0.05 … 0.3893: bins of 0.05 from 0.05 to 0.40
    expect(axis.labels).toEqual(["0.05–0.10", "0.10–0.15", "0.15–0.20", "0.20–0.25", "0.25–0.30", "0.30–0.35", "0.35–0.40"])
    expect(axis.indexOf(0.05)).toBe(0)
    expect(axis.indexOf(0.0999)).toBe(0)
    expect(axis.indexOf(0.1)).toBe(1)
    expect(axis.indexOf(0.3893)).toBe(6)
    const grid = heatmapGrid(many, "sharpe", axis, heatmapAxis(many, INTRABAR)!, [STOP, INTRABAR])
    expect(grid.cells[0].map((c) => c.variants)).toEqual([6, 6, 6, 5, 6, 6, 5])
  })

  it("cell labels get enough decimals to tell a narrow range apart", () => {
    const narrow = rows.map((r, i) => ({ ...r, metrics: metrics(r.metrics.sharpe === null ? null : 1.4969 + i * 0.0001) }))
    const svg = heatmapSvg(heatmapGrid(narrow, "sharpe", heatmapAxis(narrow, MULTIPLE)!, heatmapAxis(narrow, STOP)!, paths))
    // (0.1, 1.5) holds var_a01 and var_a02: max 1.4969 + 0.0001 = 1.4970; range 1.4970 … 1.4976: step 0.0001
    expect(svg).toContain(`text-anchor="middle">1.4970</text>`)
    expect(svg).toContain(`>1.4976 best</text>`)
    expect(svg).toContain(`>1.4970 worst</text>`)
  })

  it("fewer than two swept paths: a note instead of a heatmap", () => {
    const one = sweep({ parameters: [{ path: STOP, duckdbType: "DOUBLE" }] })
    const html = renderReport(sweepInput(one))
    expect(html).toContain("Only one parameter is swept: a heatmap needs two.")
    expect(html).not.toContain(`aria-label="sharpe by`)
  })
})

describe("sweep page", () => {
  const html = renderReport(sweepInput())

  it("escapes a hostile text parameter everywhere (table, heatmap labels and tooltips, heading)", () => {
    expect(html).not.toContain(HOSTILE)
    expect(html).not.toContain(`alert("param")`)
    const escaped = "&lt;script&gt;alert(&quot;param&quot;)&lt;/script&gt;"
    expect(count(html, `<td data-v="${escaped}">${escaped}</td>`)).toBe(5)
    // as a y label (clipped to 24 characters) and in cell tooltips (whole)
    expect(html).toContain(`class="tick" text-anchor="end">&lt;script&gt;alert(&quot;param&quot;)&lt;…</text>`)
    expect(html).toContain(`intrabar = ${escaped}: max sharpe`)
    // the only script is the page's own sort script
    expect(count(html, "<script")).toBe(1)
  })

  it("shows the Sharpe distribution of every variant with a Sharpe, the best marked", () => {
    expect(html).toContain("<h2>Distribution of Sharpe across variants</h2>")
    expect(html).toContain("3 variants have no Sharpe")
    expect(html).toContain(">Variants per Sharpe bin (7 variants)</text>")
    expect(html).toContain(">dotted: best var_a03: 1.000</text>")
    const histogram = /<svg class="chart"[^>]*aria-label="Distribution of Sharpe across variants".*?<\/svg>/s.exec(html)![0]
    const bars = [...histogram.matchAll(/<title>[^<]*: (\d+)<\/title>/g)].reduce((n, m) => n + Number(m[1]), 0)
    expect(bars).toBe(7)
  })

  it("names the best variant and its parameters in a heading over its usual sections", () => {
    const heading = html.indexOf(`<h2 class="best-variant">Best variant: var_a03 <span class="params">stopLoss.pct = 0.1 · exit.targets[0].multiple = 2 · intrabar = stop-first</span></h2>`)
    expect(heading).toBeGreaterThan(html.indexOf("<h2>Sweep leaderboard</h2>"))
    expect(html.indexOf("<h2>Metrics</h2>")).toBeGreaterThan(heading)
    expect(html.indexOf("<h2>Best trades</h2>")).toBeGreaterThan(heading)
  })

  it("a sweep that kept no variant shows the sweep sections and says why the others are missing", () => {
    const page = renderReport({
      ...sweepInput(sweep({ best: undefined })),
      metrics: undefined,
      trades: [],
      equity: [],
      diagnostics: []
    })
    expect(page).toContain("<h2>Sweep leaderboard</h2>")
    expect(page).toContain("The sweep kept no variant (keep: 0)")
    expect(page).not.toContain("<h2>Metrics</h2>")
    expect(page).not.toContain(`class="best"`)
  })

  it("is deterministic, and a report without a sweep has no script and no sweep section", () => {
    expect(renderReport(sweepInput())).toBe(html)
    const plain = renderReport(sampleInput())
    expect(plain).not.toContain("<script")
    expect(plain).not.toContain("leaderboard")
    expect(plain).not.toContain("hm-")
  })
})

// ---------------------------------------------------------------------------------------------
// The sort script, against a stand-in DOM built from the rendered table.

interface FakeCell {
  readonly attributes: Map<string, string>
  readonly getAttribute: (name: string) => string | null
}

const fakeTable = (table: string) => {
  const attrs = (tag: string) =>
    new Map([...tag.matchAll(/([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&quot;/g, `"`).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")]))
  const element = (attributes: Map<string, string>) => {
    const listeners: Record<string, () => void> = {}
    return {
      attributes,
      tabIndex: -1,
      getAttribute: (name: string) => attributes.get(name) ?? null,
      setAttribute: (name: string, value: string) => void attributes.set(name, value),
      removeAttribute: (name: string) => void attributes.delete(name),
      classList: { contains: (c: string) => (attributes.get("class") ?? "").split(" ").includes(c) },
      addEventListener: (type: string, f: () => void) => {
        listeners[type] = f
      },
      click: () => listeners.click()
    }
  }
  const heads = [...table.matchAll(/<th( [^>]*)?>/g)].map((m) => element(attrs(m[1] ?? "")))
  const bodyRows = [...table.matchAll(/<tr( data-r[^>]*)>(.*?)<\/tr>/g)].map((m) => ({
    ...element(attrs(m[1])),
    cells: [...m[2].matchAll(/<td([^>]*)>/g)].map((c) => element(attrs(c[1])) as FakeCell)
  }))
  const body = {
    rows: bodyRows,
    appendChild: (row: (typeof bodyRows)[number]) => {
      body.rows.splice(body.rows.indexOf(row), 1)
      body.rows.push(row)
    }
  }
  const tableElement = { tHead: { rows: [{ cells: heads }] }, tBodies: [body] }
  const document = { querySelectorAll: () => [tableElement] }
  new Function("document", SORT_SCRIPT)(document)
  const headers = [...table.matchAll(/<th( [^>]*)?>([^<]*)<\/th>/g)].map((m) => m[2])
  const column = (header: string) => headers.indexOf(header)
  return {
    click: (header: string) => heads[column(header)].click(),
    ids: () => body.rows.map((r) => r.cells[1].getAttribute("data-v")),
    sortOf: (header: string) => heads[column(header)].getAttribute("aria-sort")
  }
}

describe("the inline sort script", () => {
  const table = /<table class="leaderboard sortable">.*?<\/table>/s.exec(renderReport(sweepInput()))![0]

  it("sorts by the clicked column, its natural direction first, then reversed; nulls stay last", () => {
    const t = fakeTable(table)
    t.click("max drawdown") // lower is better: ascending first
    expect(t.sortOf("max drawdown")).toBe("ascending")
    expect(t.sortOf("sharpe")).toBeNull()
    expect(t.ids().slice(0, 3)).toEqual(["var_a04", "var_a02", "var_a07"])
    t.click("sharpe") // descending first; null Sharpes last, in rank order
    expect(t.ids()).toEqual(rankRows(rows, "sharpe").map((r) => r.variantId))
    t.click("sharpe") // reversed: ascending, nulls still last
    expect(t.sortOf("sharpe")).toBe("ascending")
    expect(t.ids()).toEqual(["var_a05", "var_a06", "var_a08", "var_a01", "var_a02", "var_a03", "var_a07", "var_a04", "var_a09", "var_a10"])
  })

  it("sorts text columns by their text and numbers by value (0.2 after 0.1, 3 after 1.5)", () => {
    const t = fakeTable(table)
    t.click(MULTIPLE)
    expect(t.sortOf(MULTIPLE)).toBe("ascending")
    expect(t.ids()).toEqual(["var_a07", "var_a02", "var_a01", "var_a08", "var_a03", "var_a04", "var_a06", "var_a05", "var_a09", "var_a10"])
    t.click(INTRABAR)
    // "<script…" sorts before "stop-first"; ties in rank order
    expect(t.ids().slice(0, 5)).toEqual(["var_a02", "var_a08", "var_a06", "var_a04", "var_a10"])
  })
})
