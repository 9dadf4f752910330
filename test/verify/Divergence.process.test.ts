/**
 * `pipeline verify` catches a recorded result that the code does not reproduce. Two experiments
 * differ only in their seed (with slippage jitter, so the seed changes prices); the action cache
 * entry of one's simulate key is then pointed at the other's trades artifact. Verify must exit 1
 * and name the trades artifact, the first differing row and its column — and still write nothing
 * to the store.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectExit, parseJson, smallDefinition, snapshotTree, type Workspace, workspace } from "../cli-run/support.js"

describe("pipeline verify divergence", () => {
  let ws: Workspace
  beforeAll(() => {
    ws = workspace("pipeline-diverge-")
  })
  afterAll(() => ws.cleanup())

  it("a tampered action cache entry: exit 1 naming the artifact, a row and a column", async () => {
    const a = ws.write("a.json", smallDefinition({ seed: 1, slippageJitterBps: 40 }))
    const b = ws.write("b.json", smallDefinition({ seed: 2, slippageJitterBps: 40 }))
    const runA = await ws.cli(["run", a, "--json"])
    expectExit(runA, 0)
    const runB = await ws.cli(["run", b, "--json"])
    expectExit(runB, 0)
    const docA = parseJson(runA)
    const docB = parseJson(runB)
    expect(docA.outputs.trades.digest).not.toBe(docB.outputs.trades.digest)

    // Point A's simulate entry at B's trades.
    const simulateKey: string = docA.nodes.find((n: any) => n.name === "simulate").key
    const entryPath = NodePath.join(ws.store, "actions", `${simulateKey.slice("blake3:".length)}.json`)
    const entry = JSON.parse(NodeFs.readFileSync(entryPath, "utf8"))
    expect(entry.outputs.trades.digest).toBe(docA.outputs.trades.digest)
    entry.outputs.trades = { artifactId: docB.outputs.trades.artifactId, digest: docB.outputs.trades.digest }
    NodeFs.chmodSync(entryPath, 0o644)
    NodeFs.writeFileSync(entryPath, JSON.stringify(entry, null, 2))

    const before = snapshotTree(ws.store, ["objects", "artifacts", "actions", "experiments"])
    const verify = await ws.cli(["verify", a, "--json"])
    expectExit(verify, 1)
    const report = parseJson(verify)
    expect(report.experimentId).toBe(docA.experimentId)
    expect(report.ok).toBe(false)
    const diverged = report.rows.filter((r: any) => r.identical === false).map((r: any) => `${r.node}.${r.output}`)
    expect(diverged).toEqual(["simulate.trades"])
    // Downstream keys hash the recomputed (true) trades digest: publish is recorded and identical.
    expect(report.rows.filter((r: any) => r.node === "publish").every((r: any) => r.identical === true)).toBe(true)

    expect(report.divergences).toHaveLength(1)
    const d = report.divergences[0]
    expect(d.node).toBe("simulate")
    expect(d.output).toBe("trades")
    expect(d.artifactId).toBe(docB.outputs.trades.artifactId)
    expect(d.recordedDigest).toBe(docB.outputs.trades.digest)
    expect(d.recomputedDigest).toBe(docA.outputs.trades.digest)
    expect(Number.isInteger(d.row) && d.row >= 1).toBe(true)
    expect(typeof d.column).toBe("string")
    expect(d.recordedValue).not.toBe(d.recomputedValue)
    expect(d.detail).toContain(`row ${d.row}, column ${d.column}`)

    // stderr carries the same facts for a human.
    expect(verify.stderr).toContain(docB.outputs.trades.artifactId)
    expect(verify.stderr).toContain(`row ${d.row}, column ${d.column}`)
    // Nothing landed in the store; scratch space is gone.
    expect(snapshotTree(ws.store, ["objects", "artifacts", "actions", "experiments"])).toEqual(before)
    expect(NodeFs.readdirSync(NodePath.join(ws.store, "tmp"))).toEqual([])
  }, 150_000)
})
