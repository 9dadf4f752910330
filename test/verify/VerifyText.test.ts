/** The text and JSON renderings of a verify report (cli/commands/Verify.ts). */
import { describe, expect, it } from "vitest"
import { verifyDocument, verifyLines } from "../../cli/commands/Verify.js"
import type { VerifyReport } from "../../nodes/experiment/index.js"

const d = (c: string) => `blake3:${c.repeat(64)}` as any
const id = (c: string) => `art_${c.repeat(64)}` as any

const row = (node: string, output: string, recorded: any, recomputed: any) => ({
  node,
  identity: `exp/${node}`,
  key: d("0"),
  output,
  recorded,
  recomputed,
  stored: recorded === undefined ? undefined : ({ _tag: "Intact", digest: recorded } as const),
  identical: recorded === undefined ? null : recorded === recomputed,
  recordedArtifactId: recorded === undefined ? undefined : id("a"),
  recomputedArtifactId: id("b"),
  recordedPath: recorded === undefined ? undefined : "/store/objects/aa/aaaa",
  recomputedPath: "/store/tmp/overlay-1/objects/bb/bbbb"
})

const report: VerifyReport = {
  experimentId: "exp_1234",
  name: "demo",
  rows: [
    row("simulate", "trades", d("1"), d("2")),
    row("simulate", "fills", d("3"), d("3")),
    row("publish", "metrics", undefined, d("4"))
  ],
  divergences: [{
    node: "simulate",
    output: "trades",
    artifactId: id("a"),
    recordedDigest: d("1"),
    recomputedDigest: d("2"),
    row: 7,
    column: "exit_price",
    recordedValue: "1.5",
    recomputedValue: "1.25",
    detail: "first difference at row 7, column exit_price: recorded 1.5, recomputed 1.25"
  }],
  unrecorded: 1,
  ok: false
}

describe("verify rendering", () => {
  it("a table of node, output, recorded, recomputed, identical?, then each divergence", () => {
    const lines = verifyLines(report)
    expect(lines[0]).toBe("experiment exp_1234 (demo): verify")
    expect(lines[1]).toMatch(/^node\s+output\s+recorded\s+recomputed\s+identical\?$/)
    expect(lines[2]).toMatch(/^simulate\s+trades\s+1{16}\s+2{16}\s+NO$/)
    expect(lines[3]).toMatch(/^simulate\s+fills\s+3{16}\s+3{16}\s+yes$/)
    expect(lines[4]).toMatch(/^publish\s+metrics\s+\(none\)\s+4{16}\s+not recorded$/)
    // Columns line up: "output" starts at the same offset on every line.
    const offsets = lines.slice(1, 5).map((line) => line.search(/(output|trades|fills|metrics)/))
    expect(new Set(offsets).size).toBe(1)
    expect(lines).toContain(`diverged: simulate.trades ${id("a")}`)
    expect(lines).toContain("  first difference at row 7, column exit_price: recorded 1.5, recomputed 1.25")
    expect(lines.at(-1)).toBe("1 of 3 outputs identical, 1 diverged, 1 not recorded")
  })

  it("the JSON document keeps every field, with null for what is absent", () => {
    const doc = verifyDocument(report)
    expect(doc.ok).toBe(false)
    expect(doc.rows[2]).toMatchObject({ recorded: null, identical: null, recordedPath: null, recordedArtifactId: null })
    expect(doc.divergences[0]).toMatchObject({ row: 7, column: "exit_price", artifactId: id("a") })
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc)
  })
})
