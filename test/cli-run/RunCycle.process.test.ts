/**
 * The whole incremental cycle through the real CLI, on a small synthetic experiment:
 * run → rerun (every node a hit) → explain a changed parameter (names the field, writes nothing)
 * → run it (only simulate + publish run) → verify it by experiment id prefix (all identical,
 * nothing lands in the store). Six spawns in all.
 *
 * Run `npm run build` first: spawns then start in ~1 s instead of ~3.5 s through tsx.
 */
import { blake3 } from "@noble/hashes/blake3"
import { bytesToHex } from "@noble/hashes/utils"
import { execFileSync } from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectExit, parseJson, smallDefinition, snapshotTree, type Workspace, workspace } from "./support.js"

const OUTPUTS = ["trades", "metrics", "equity", "diagnostics"] as const
const NODE_NAMES = ["synthetic", "validate", "project", "simulate", "publish"]
const DIGEST = /^blake3:[0-9a-f]{64}$/

const hasB3sum = (() => {
  try {
    execFileSync("b3sum", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

/** BLAKE3 of a file by an independent implementation: b3sum when installed, else @noble/hashes. */
const independentDigest = (path: string): string =>
  hasB3sum
    ? `blake3:${execFileSync("b3sum", ["--no-names", path], { encoding: "utf8" }).trim()}`
    : `blake3:${bytesToHex(blake3(NodeFs.readFileSync(path)))}`

/** The docs/DESIGN.md §9 `run --json` contract, field by field (plus runId, metrics and diagnostics). */
const expectRunDocument = (doc: any, store: string) => {
  expect(Object.keys(doc).sort()).toEqual(["diagnostics", "experimentId", "metrics", "nodes", "outputs", "runId", "status"])
  expect(doc.experimentId).toMatch(/^exp_[0-9a-f]+$/)
  expect(doc.status).toBe("completed")
  expect(doc.nodes.map((n: any) => n.name)).toEqual(NODE_NAMES)
  for (const node of doc.nodes) {
    expect(Object.keys(node).sort()).toEqual(["cache", "durationMs", "key", "name"])
    expect(node.key).toMatch(DIGEST)
    expect(["hit", "miss"]).toContain(node.cache)
    expect(typeof node.durationMs).toBe("number")
    expect(node.durationMs).toBeGreaterThanOrEqual(0)
  }
  expect(Object.keys(doc.outputs).sort()).toEqual([...OUTPUTS].sort())
  for (const name of OUTPUTS) {
    const output = doc.outputs[name]
    expect(Object.keys(output).sort()).toEqual(["artifactId", "digest", "path"])
    expect(output.artifactId).toMatch(/^art_[0-9a-f]{64}$/)
    expect(output.digest).toMatch(DIGEST)
    expect(NodePath.isAbsolute(output.path)).toBe(true)
    expect(output.path.startsWith(store + NodePath.sep)).toBe(true)
    expect(NodeFs.existsSync(output.path)).toBe(true)
    expect(independentDigest(output.path)).toBe(output.digest)
  }
}

const cacheOf = (doc: any) => Object.fromEntries(doc.nodes.map((n: any) => [n.name, n.cache]))

describe("pipeline run / explain / verify cycle", () => {
  let ws: Workspace
  let base: string
  let changed: string
  let first: any

  beforeAll(() => {
    ws = workspace("pipeline-cycle-")
    base = ws.write("base.json", smallDefinition({ multiple: 2, slippageJitterBps: 5 }))
    changed = ws.write("changed.json", smallDefinition({ multiple: 3, slippageJitterBps: 5 }))
  })
  afterAll(() => ws.cleanup())

  it("run --json follows the contract; a rerun hits every node", async () => {
    const run = await ws.cli(["run", base, "--json"])
    expectExit(run, 0)
    first = parseJson(run)
    expectRunDocument(first, ws.store)
    expect(cacheOf(first)).toEqual({ synthetic: "miss", validate: "miss", project: "miss", simulate: "miss", publish: "miss" })

    const rerun = await ws.cli(["run", base, "--json"])
    expectExit(rerun, 0)
    const again = parseJson(rerun)
    expectRunDocument(again, ws.store)
    expect(again.experimentId).toBe(first.experimentId)
    expect(cacheOf(again)).toEqual({ synthetic: "hit", validate: "hit", project: "hit", simulate: "hit", publish: "hit" })
    expect(again.nodes.every((n: any) => n.durationMs === 0)).toBe(true)
    expect(again.nodes.map((n: any) => n.key)).toEqual(first.nodes.map((n: any) => n.key))
    expect(again.outputs).toEqual(first.outputs)
  }, 150_000)

  it("explain names the changed field and writes nothing", async () => {
    const before = snapshotTree(ws.store)
    const text = await ws.cli(["explain", changed, "--verbose"])
    expectExit(text, 0)
    expect(text.stdout).toContain("strategy.exit.targets[0].multiple: 2 → 3")
    const simulateBlock = text.stdout.slice(text.stdout.indexOf("\nsimulate "))
    expect(simulateBlock).toMatch(/^\nsimulate .*would run/)

    const json = await ws.cli(["explain", changed, "--json"])
    expectExit(json, 0)
    const doc = parseJson(json)
    const byName = Object.fromEntries(doc.nodes.map((n: any) => [n.name, n]))
    expect(Object.keys(byName)).toEqual(NODE_NAMES)
    expect(byName.synthetic.cache).toBe("hit")
    expect(byName.validate.cache).toBe("hit")
    expect(byName.validate.status).toBe("unchanged")
    expect(byName.simulate.cache).toBe("miss")
    expect(byName.simulate.status).toBe("changed")
    expect(byName.simulate.previousKey).toBe(first.nodes[3].key)
    expect(byName.simulate.changes).toEqual([{ path: "strategy.exit.targets[0].multiple", before: 2, after: 3 }])
    // The full material: the config holds the new multiple, the projection enters by its key.
    expect(byName.simulate.material.config.strategy.exit.targets[0].multiple).toBe(3)
    expect(byName.simulate.material.seed).toBe(42)
    expect(byName.simulate.material.inputs.projection.resource).toBe(byName.project.key)
    expect(byName.publish.status).toBe("changed")
    expect(byName.publish.changes.map((c: any) => c.path)).toEqual(["inputs.simulated"])

    expect(snapshotTree(ws.store)).toEqual(before)
  }, 150_000)

  it("after one changed parameter only simulate and publish run; verify finds every output identical", async () => {
    const run = await ws.cli(["run", changed, "--json"])
    expectExit(run, 0)
    const doc = parseJson(run)
    expectRunDocument(doc, ws.store)
    expect(doc.experimentId).not.toBe(first.experimentId)
    expect(cacheOf(doc)).toEqual({ synthetic: "hit", validate: "hit", project: "miss", simulate: "miss", publish: "miss" })
    expect(doc.nodes[0].key).toBe(first.nodes[0].key)
    expect(doc.nodes[1].key).toBe(first.nodes[1].key)

    // Verify by experiment id prefix (the tracker's stored definition), as one JSON document.
    const before = snapshotTree(ws.store, ["objects", "artifacts", "actions", "experiments"])
    const verify = await ws.cli(["verify", doc.experimentId.slice(0, 12), "--json"])
    expectExit(verify, 0)
    const report = parseJson(verify)
    expect(report.experimentId).toBe(doc.experimentId)
    expect(report.ok).toBe(true)
    expect(report.divergences).toEqual([])
    expect(report.unrecorded).toBe(0)
    expect(report.rows.map((r: any) => `${r.node}.${r.output}`)).toEqual([
      "synthetic.alerts",
      "synthetic.ohlcv",
      "validate.coverage",
      "simulate.fills",
      "simulate.skips",
      "simulate.trades",
      "publish.diagnostics",
      "publish.equity",
      "publish.metrics"
    ])
    for (const row of report.rows) {
      expect(row.identical).toBe(true)
      expect(row.recorded).toMatch(DIGEST)
      expect(row.recomputed).toBe(row.recorded)
    }
    const trades = report.rows.find((r: any) => r.output === "trades")
    expect(trades.recorded).toBe(doc.outputs.trades.digest)
    expect(trades.recordedPath).toBe(doc.outputs.trades.path)
    // Recomputed artifacts went to scratch space, which is gone: the store is exactly as before.
    expect(snapshotTree(ws.store, ["objects", "artifacts", "actions", "experiments"])).toEqual(before)
    expect(NodeFs.readdirSync(NodePath.join(ws.store, "tmp"))).toEqual([])
  }, 150_000)
})
