/**
 * `pipeline run` of a sweep as a user runs it: the --json document, bad sweep specs (exit 2 naming
 * the variant or field, no store created), and Ctrl-C mid-sweep (exit 130, projection disposed,
 * finished batches kept and reused, nothing partial published).
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectExit, parseJson, smallDefinition, type Workspace, workspace } from "../cli-run/support.js"
import { runCli, spawnCli, waitForExit } from "../support/cli.js"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const filesUnder = (dir: string, match: (name: string) => boolean): Array<string> => {
  const found: Array<string> = []
  const walk = (at: string) => {
    let entries: Array<NodeFs.Dirent>
    try {
      entries = NodeFs.readdirSync(at, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = NodePath.join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (match(entry.name)) found.push(path)
    }
  }
  walk(dir)
  return found
}

const cliAt = (ws: Workspace, store: string, args: ReadonlyArray<string>, timeout = 90_000) =>
  runCli(["--store", store, ...args], { cwd: ws.dir, timeout })

const artifactsOfType = (store: string, type: string) => {
  const dir = NodePath.join(store, "artifacts", "by-type", type)
  return NodeFs.existsSync(dir) ? NodeFs.readdirSync(dir) : []
}

describe("pipeline run <sweep>", () => {
  let ws: Workspace
  beforeAll(() => {
    ws = workspace("pipeline-sweep-cli-")
  })
  afterAll(() => ws.cleanup())

  it("--json adds the sweep: variants, simulated, cached, the leaderboard; outputs are the best variant's", async () => {
    const definition = ws.write("sweep.json", {
      ...smallDefinition({ name: "json-sweep" }),
      sweep: { grid: { "stopLoss.pct": [0.1, 0.3], "costs.feeBps": [0, 50] }, keep: 1 }
    })
    const first = await ws.cli(["run", definition, "--json", "--workers", "1"])
    expectExit(first, 0)
    const doc = parseJson(first)
    expect(doc.sweep).toMatchObject({ variants: 4, simulated: 4, cached: 0, rank: "sharpe" })
    expect(doc.sweep.leaderboard).toEqual({
      artifactId: expect.stringMatching(/^art_/),
      digest: expect.stringMatching(/^blake3:[0-9a-f]{64}$/),
      path: expect.any(String)
    })
    expect(NodeFs.existsSync(doc.sweep.leaderboard.path)).toBe(true)
    expect(Object.keys(doc.outputs).sort()).toEqual(["diagnostics", "equity", "metrics", "trades"])
    expect(doc.sweep.best).toMatch(/^var_[0-9a-f]{16}$/)
    expect(doc.sweep.overfitting).toEqual({
      pbo: expect.any(Number),
      sr0: doc.sweep.overfitting.sr0 === null ? null : expect.any(Number),
      trials: expect.any(Number),
      degradationSlope: doc.sweep.overfitting.degradationSlope === null ? null : expect.any(Number),
      artifact: { artifactId: expect.stringMatching(/^art_/), digest: expect.stringMatching(/^blake3:/), path: expect.any(String) }
    })
    expect(NodeFs.existsSync(doc.sweep.overfitting.artifact.path)).toBe(true)

    const again = parseJson(await ws.cli(["run", definition, "--json"]))
    expect(again.sweep).toMatchObject({ variants: 4, simulated: 0, cached: 4 })
    expect(again.sweep.leaderboard).toEqual(doc.sweep.leaderboard)
    expect(again.sweep.overfitting).toEqual(doc.sweep.overfitting)
    expect(again.outputs).toEqual(doc.outputs)

    // One variant as a single experiment: the best was materialised by the run (every node a hit).
    const best = parseJson(await ws.cli(["sweep", "show", doc.experimentId.slice(0, 10), doc.sweep.best.slice(0, 9), "--json"]))
    expect(best.variantId).toBe(doc.sweep.best)
    expect(best.nodes.filter((node: { cache: string }) => node.cache === "miss")).toEqual([])
    expect(best.outputs.metrics.digest).toBe(doc.outputs.metrics.digest)
    // The best variant's results: the same metrics row from the sweep's run and from the variant alone.
    expect(doc.metrics).not.toBeNull()
    expect(best.metrics).toEqual(doc.metrics)
    const ambiguous = await ws.cli(["sweep", "show", doc.experimentId, "var_"])
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toContain("is ambiguous")

    const explained = await ws.cli(["explain", definition])
    expectExit(explained, 0)
    expect(explained.stdout).toContain("sweep: 4 variants over costs.feeBps, stopLoss.pct: 4 cached, 0 would be simulated")
    const dry = await ws.cli(["run", definition, "--dry-run"])
    expect(dry.stdout).toContain("sweep: 4 variants, 4 cached, 0 to simulate")

    const text = await ws.cli(["run", definition])
    expectExit(text, 0)
    expect(text.stdout).toContain("sweep: 4 variants, 0 simulated, 4 cached")
    expect(text.stdout).toContain("top 4 by sharpe:")
    expect(text.stdout).toContain(doc.sweep.best)
    expect(text.stdout).toMatch(new RegExp(`best variant ${doc.sweep.best}:\n  trades +${doc.metrics.trades} `))
  }, 180_000)

  it("verify recomputes every variant (or a seeded sample) and names a corrupted batch", async () => {
    const store = NodePath.join(ws.dir, "verified")
    const definition = ws.write("verified.json", {
      ...smallDefinition({ name: "verified-sweep" }),
      sweep: { grid: { "stopLoss.pct": [0.1, 0.2, 0.3], "exit.targets[0].multiple": [1.5, 3] }, keep: 1 }
    })
    const run = parseJson(await cliAt(ws, store, ["run", definition, "--json", "--workers", "0", "--batch-size", "2"]))
    expect(run.sweep.simulated).toBe(6)
    const all = await cliAt(ws, store, ["verify", definition, "--workers", "1"])
    expectExit(all, 0)
    expect(all.stdout).toContain("verify 6 of 6 variants")
    expect(all.stdout).toContain("verified: 6 variants recomputed, every metrics value identical")
    const sample = parseJson(await cliAt(ws, store, ["verify", run.experimentId, "--sample", "2", "--json"]))
    expect(sample).toMatchObject({ checked: 2, identical: 2, ok: true, variants: 6 })

    // Flip one byte of one batch object, keeping its size and mtime: verify re-hashes, never trusts.
    const [group] = filesUnder(NodePath.join(store, "actions", "groups"), (name) => name.endsWith(".json"))
    const digest: string = JSON.parse(NodeFs.readFileSync(group!, "utf8")).outputs.results.digest
    const hex = digest.slice("blake3:".length)
    const object = NodePath.join(store, "objects", hex.slice(0, 2), hex)
    const { mtime, atime } = NodeFs.statSync(object)
    NodeFs.chmodSync(object, 0o644)
    const bytes = NodeFs.readFileSync(object)
    bytes[Math.floor(bytes.length / 2)] ^= 0xff
    NodeFs.writeFileSync(object, bytes)
    NodeFs.utimesSync(object, atime, mtime)
    const broken = await cliAt(ws, store, ["verify", definition, "--workers", "0"])
    expect(broken.code, broken.stderr).toBe(1)
    expect(broken.stdout).toMatch(/corrupt: batch art_[0-9a-f]+ .* no longer hashes to its digest/)
  }, 180_000)

  it("a bad sweep spec is exit 2 naming the variant or field, and creates no store", async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ["unknown path", { variants: [{ "stopLoss.pctt": 0.2 }] }, /strategy\.stopLoss\.pctt/],
      ["empty list", { grid: { "stopLoss.pct": [] } }, /sweep\.grid.*stopLoss\.pct.*at least one value/s],
      ["not a number", { grid: { "stopLoss.pct": [0.2, "wide"] } }, /var_[0-9a-f]{16} \{"stopLoss\.pct":"wide"\}.*strategy\.stopLoss\.pct/s],
      ["invalid variant", { grid: { "stopLoss.pct": [0.2, 1.2] } }, /var_[0-9a-f]{16} \{"stopLoss\.pct":1\.2\}.*strategy\.stopLoss\.pct/s],
      ["too many", { grid: { "stopLoss.pct": [0.1, 0.2, 0.3], "costs.feeBps": [1, 2] }, maxVariants: 5 }, /declares 6 variants .*above the limit of 5/],
      ["odd blocks", { grid: { "stopLoss.pct": [0.1] }, overfitting: { blocks: 7 } }, /sweep\.overfitting\.blocks: .*even integer from 2 to 20, got 7/]
    ]
    for (const [label, sweep, pattern] of cases) {
      const store = NodePath.join(ws.dir, `bad-${label.replace(/ /g, "-")}`)
      const definition = ws.write(`bad-${label.replace(/ /g, "-")}.json`, { ...smallDefinition({ name: "bad" }), sweep })
      const result = await cliAt(ws, store, ["run", definition])
      expect(result.code, `${label}: ${result.stderr}`).toBe(2)
      expect(result.stderr, label).toMatch(pattern)
      expect(NodeFs.existsSync(store), `${label}: a store was created`).toBe(false)
    }
  }, 120_000)

  it("Ctrl-C mid-sweep: exit 130, projection disposed, finished batches reused, nothing partial", async () => {
    const store = NodePath.join(ws.dir, "interrupted")
    const definition = ws.write("long.json", {
      ...smallDefinition({ name: "long-sweep", tokens: 60, days: 2 }),
      sweep: { random: { count: 400, seed: 3, ranges: { "stopLoss.pct": { min: 0.05, max: 0.6 }, "trailing.pct": { min: 0.05, max: 0.5 } } }, keep: 1 }
    })
    const child = spawnCli(["--store", store, "run", definition, "--workers", "1", "--batch-size", "8"], { cwd: ws.dir })
    const exited = waitForExit(child, 170_000)
    let exitedEarly = false
    void exited.then(() => (exitedEarly = true), () => (exitedEarly = true))
    const groups = NodePath.join(store, "actions", "groups")
    const deadline = Date.now() + 150_000
    while (filesUnder(groups, (name) => name.endsWith(".json")).length < 2 && !exitedEarly && Date.now() < deadline) {
      await sleep(50)
    }
    expect(exitedEarly, "the sweep ended before two batches were done").toBe(false)
    child.kill("SIGINT")
    const result = await exited
    expect(result.code, result.stderr).toBe(130)
    expect(filesUnder(NodePath.join(store, "tmp"), (name) => name.includes("-projection.duckdb"))).toEqual([])
    // Nothing partial: no leaderboard, every batch entry points at a published batch artifact.
    expect(artifactsOfType(store, "experiment_sweep")).toEqual([])
    const batchesDone = filesUnder(groups, (name) => name.endsWith(".json")).length
    expect(batchesDone).toBeGreaterThanOrEqual(2)
    expect(artifactsOfType(store, "experiment_sweep_batch").length).toBeGreaterThanOrEqual(batchesDone)
    const [experiment] = NodeFs.readdirSync(NodePath.join(store, "experiments")).filter((n) => n.startsWith("exp_"))
    const run = JSON.parse(NodeFs.readFileSync(NodePath.join(store, "experiments", experiment!, "runs", "000001.json"), "utf8"))
    expect(run.status).toBe("cancelled")
    const fsck = await cliAt(ws, store, ["fsck"])
    expectExit(fsck, 0)

    const rerun = parseJson(await cliAt(ws, store, ["run", definition, "--json", "--workers", "2"], 170_000))
    expect(rerun.sweep.variants).toBe(400)
    expect(rerun.sweep.cached).toBeGreaterThanOrEqual(batchesDone * 8)
    expect(rerun.sweep.simulated + rerun.sweep.cached).toBe(400)
  }, 360_000)
})
