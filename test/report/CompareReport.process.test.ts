/**
 * `pipeline report A --compare B` as a user runs it: two small experiments that differ in their
 * first target, then one report (ids given as prefixes) whose chart overlays both experiments'
 * mark-to-market and realised curves and whose comparison table shows both metrics. The page is the
 * same bytes every time; an unknown B is a usage error naming B, and writes nothing.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectExit, parseJson, smallDefinition, type Workspace, workspace } from "../cli-run/support.js"

describe("pipeline report A --compare B", () => {
  let ws: Workspace
  let a: string
  let b: string
  beforeAll(async () => {
    ws = workspace("pipeline-compare-report-")
    const runA = await ws.cli(["run", ws.write("a.json", smallDefinition({ name: "target-2x", multiple: 2 })), "--json"])
    expectExit(runA, 0)
    const runB = await ws.cli(["run", ws.write("b.json", smallDefinition({ name: "target-3x", multiple: 3 })), "--json"])
    expectExit(runB, 0)
    a = parseJson(runA).experimentId
    b = parseJson(runB).experimentId
    expect(a).not.toBe(b)
  }, 120_000)
  afterAll(() => ws.cleanup())

  it("overlays both experiments' curves and shows both metrics; the same bytes twice", async () => {
    const out = NodePath.join(ws.dir, "compare.html")
    const [first, second] = await Promise.all([
      ws.cli(["report", a.slice(0, 10), "--compare", b.slice(0, 10), "-o", out, "--json"]),
      ws.cli(["report", a, "--compare", b], 90_000)
    ])
    expectExit(first, 0)
    expectExit(second, 0)
    const doc = parseJson(first)
    expect(doc).toMatchObject({ experimentId: a, runId: "000001", compare: { experimentId: b, runId: "000001" }, path: out })
    const html = NodeFs.readFileSync(out, "utf8")
    const defaultPath = NodePath.join(ws.dir, `report-${a}-vs-${b}.html`)
    expect(second.stdout).toContain(defaultPath)
    expect(NodeFs.readFileSync(defaultPath, "utf8")).toBe(html)

    // One chart, four curves: A and B, each mark-to-market (solid) and realised (dashed).
    const chart = /<svg class="chart"[^>]*aria-label="Equity curve and drawdown"[^>]*>.*?<\/svg>/s.exec(html)?.[0] ?? ""
    for (const cls of ["equity", "equity realised", "equity b", "equity b realised"]) {
      expect(chart.match(new RegExp(`<path class="${cls}" d="M[0-9.]+,[0-9.]+(H[0-9.]+V[0-9.]+)*H[0-9.]+"/>`, "g"))).toHaveLength(1)
    }
    for (const label of ["A: mark-to-market", "A: realised (fills only)", "B: mark-to-market", "B: realised (fills only)"]) {
      expect(html).toContain(`</span>${label}`)
    }
    // Both metrics side by side, and the header names B.
    expect(html).toContain("<h2>Compared with target-3x</h2>")
    expect(html).toMatch(/<tr><td class="mono">trades<\/td><td class="num">\d+<\/td><td class="num">\d+<\/td>/)
    expect(html).toContain(`Compared with</dt><dd>${b} (target-3x, run 000001)`)
    // The synthetic inputs are said to be synthetic.
    expect(html).toContain(`<p class="note synthetic">`)
  }, 120_000)

  it("a report without --compare draws A's two curves only", async () => {
    const out = NodePath.join(ws.dir, "alone.html")
    expectExit(await ws.cli(["report", a, "-o", out]), 0)
    const html = NodeFs.readFileSync(out, "utf8")
    expect(html).toContain(`<path class="equity" d="`)
    expect(html).toContain(`<path class="equity realised" d="`)
    expect(html).not.toContain(`class="equity b`)
    expect(html).not.toContain("Compared with")
  }, 60_000)

  it("an unknown B: a usage error (exit 2) naming it, and no file", async () => {
    const out = NodePath.join(ws.dir, "none.html")
    const result = await ws.cli(["report", a, "--compare", "exp_ffffffff", "-o", out])
    expectExit(result, 2)
    expect(result.stderr).toContain("unknown experiment exp_ffffffff")
    expect(NodeFs.existsSync(out)).toBe(false)
  }, 60_000)
})
