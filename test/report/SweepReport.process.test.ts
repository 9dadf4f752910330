/**
 * `pipeline report` of a sweep experiment, as a user runs it: a 6-variant sweep (`--workers 0`),
 * then the report, which shows every variant in the leaderboard, an SVG heatmap of the rank metric,
 * the Sharpe distribution and the best variant's own sections under a heading naming it.
 */
import { Effect } from "effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { variantIdOf } from "../../nodes/sweep/index.js"
import { expectExit, parseJson, smallDefinition, type Workspace, workspace } from "../cli-run/support.js"

describe("pipeline report <sweep experiment>", () => {
  let ws: Workspace
  beforeAll(() => {
    ws = workspace("pipeline-sweep-report-")
  })
  afterAll(() => ws.cleanup())

  it("shows the leaderboard (every variant), a heatmap, the Sharpe distribution and the best variant", async () => {
    const stops = [0.1, 0.2, 0.3]
    const multiples = [1.5, 3]
    const definition = ws.write("sweep.json", {
      ...smallDefinition({ name: "report-sweep" }),
      sweep: { grid: { "stopLoss.pct": stops, "exit.targets[0].multiple": multiples }, keep: 1 }
    })
    const run = await ws.cli(["run", definition, "--json", "--workers", "0"])
    expectExit(run, 0)
    const doc = parseJson(run)
    expect(doc.sweep).toMatchObject({ variants: 6, rank: "sharpe" })
    const best: string = doc.sweep.best
    expect(best).toMatch(/^var_[0-9a-f]{16}$/)

    const out = NodePath.join(ws.dir, "sweep-report.html")
    const report = await ws.cli(["report", doc.experimentId, "-o", out])
    expectExit(report, 0)
    const html = NodeFs.readFileSync(out, "utf8")

    // Every variant has its row in the leaderboard, the best one first and marked.
    const ids = await Promise.all(
      stops.flatMap((pct) =>
        multiples.map((multiple) =>
          Effect.runPromise(variantIdOf({ "stopLoss.pct": pct, "exit.targets[0].multiple": multiple }))
        )
      )
    )
    expect(new Set(ids).size).toBe(6)
    expect(ids).toContain(best)
    const table = /<table class="leaderboard sortable">.*?<\/table>/s.exec(html)?.[0] ?? ""
    const rows = table.match(/<tr data-r="\d+"[^>]*>.*?<\/tr>/g) ?? []
    expect(rows).toHaveLength(6)
    for (const id of ids) expect(rows.filter((row) => row.includes(`>${id}</td>`))).toHaveLength(1)
    expect(rows[0]).toContain(`<tr data-r="1" class="best">`)
    expect(rows[0]).toContain(`>${best}</td>`)
    // The swept paths are columns, and the rank metric's header says the table is sorted by it.
    expect(table).toContain(">stopLoss.pct</th>")
    expect(table).toContain(">exit.targets[0].multiple</th>")
    expect(table).toContain(`aria-sort="descending">sharpe</th>`)

    // Heatmap: an SVG of sharpe over the two swept paths, one cell per grid point.
    const heatmap = /<svg class="chart"[^>]*aria-label="sharpe by [^"]+"[^>]*>.*?<\/svg>/s.exec(html)?.[0]
    expect(heatmap).toBeDefined()
    expect(heatmap!).toContain("stopLoss.pct")
    expect(heatmap!).toContain("exit.targets[0].multiple")
    expect((heatmap!.match(/<rect class="hm-(cell|null|empty)" x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+"( fill="[^"]+")?><title>/g) ?? []))
      .toHaveLength(6)

    // The Sharpe distribution, then the best variant's heading and its usual sections.
    expect(html).toContain("<h2>Distribution of Sharpe across variants</h2>")
    expect(html).toContain(`aria-label="Distribution of Sharpe across variants"`)
    const heading = html.indexOf(`<h2 class="best-variant">Best variant: ${best} `)
    expect(heading).toBeGreaterThan(html.indexOf("Sweep leaderboard"))
    expect(html.indexOf("<h2>Metrics</h2>")).toBeGreaterThan(heading)
    expect(html.indexOf("<h2>Equity curve and drawdown</h2>")).toBeGreaterThan(heading)
    // The lineage lists the leaderboard beside the best variant's four outputs.
    expect(html).toContain(`<span class="output">leaderboard</span>`)
    expect(html).toContain(`<span class="output">trades</span>`)
    // Self-contained: the sort script is inline, nothing is loaded from elsewhere.
    expect(html.match(/<script>/g)).toHaveLength(1)
    expect(html.toLowerCase().match(/<script [^>]*src|<link|<iframe|<img|<object|<embed|@import|url\(|\bsrc=|\bhref=/g)).toBeNull()
  })
})
