/**
 * Ctrl-C during a long simulation: the CLI exits 130, the DuckDB projection (a scoped resource
 * under the store's tmp/) is disposed, and the run is recorded `cancelled` with the hit/miss counts
 * of what it did. Ctrl-C during synthetic generation (before any input exists) is recorded too,
 * for a sweep as for a single experiment.
 *
 * Progress is rendered only on a TTY, so the test watches the store instead: the projection's
 * database file appears in tmp/ when its acquisition starts, beside validate (an order-only input of
 * the projection); once validate's coverage is published too, simulate has missed and waits for the
 * projection or runs, and SIGINT is sent shortly after. Sent while the file exists and validate has
 * published nothing, it interrupts both validate and the projection.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnCli, waitForExit } from "../support/cli.js"
import { smallDefinition, type Workspace, workspace } from "./support.js"

const projectionFiles = (tmp: string): Array<string> => {
  const found: Array<string> = []
  const walk = (dir: string) => {
    let entries: Array<NodeFs.Dirent>
    try {
      entries = NodeFs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = NodePath.join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.includes("-projection.duckdb")) found.push(path)
    }
  }
  walk(tmp)
  return found
}

/**
 * A lower bound of a run's wall time from its recorded nodes: validate and the projection may run
 * side by side, every other node waits for the one before it.
 */
const sequentialNodeTime = (nodes: ReadonlyArray<{ name: string; durationMs: number }>): number => {
  const time = (name: string) => nodes.find((n) => n.name === name)?.durationMs ?? 0
  const besideEachOther = new Set(["validate", "project"])
  const chain = nodes.filter((n) => !besideEachOther.has(n.name)).reduce((sum, n) => sum + n.durationMs, 0)
  return chain + Math.max(time("validate"), time("project"))
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The first run record of the store's only experiment, or undefined while there is none (or it is being written). */
const firstRunOf = (store: string): { status: string; startedAt?: string } | undefined => {
  const experimentsDir = NodePath.join(store, "experiments")
  try {
    const [id] = NodeFs.readdirSync(experimentsDir).filter((n) => n.startsWith("exp_"))
    return JSON.parse(NodeFs.readFileSync(NodePath.join(experimentsDir, id!, "runs", "000001.json"), "utf8"))
  } catch {
    return undefined
  }
}

describe("pipeline run interrupted", () => {
  let ws: Workspace
  beforeAll(() => {
    ws = workspace("pipeline-sigint-")
  })
  afterAll(() => ws.cleanup())

  it("SIGINT during simulate: exit 130, projection disposed, run recorded cancelled", async () => {
    const definition = ws.write("big.json", smallDefinition({ name: "big", tokens: 300, days: 5 }))
    const child = spawnCli(["--store", ws.store, "run", definition], { cwd: ws.dir })
    const exited = waitForExit(child, 150_000)
    let exitedEarly = false
    void exited.then(() => (exitedEarly = true), () => (exitedEarly = true))

    const tmp = NodePath.join(ws.store, "tmp")
    // The projection is built beside validate: simulate has missed once validate's coverage is published.
    const coverageIndex = NodePath.join(ws.store, "artifacts", "by-type", "experiment_coverage")
    const deadline = Date.now() + 140_000
    while ((projectionFiles(tmp).length === 0 || !NodeFs.existsSync(coverageIndex)) && !exitedEarly && Date.now() < deadline) {
      await sleep(50)
    }
    expect(exitedEarly, "the run ended before its projection was built").toBe(false)
    expect(projectionFiles(tmp).length).toBeGreaterThan(0)
    await sleep(300)
    child.kill("SIGINT")
    const result = await exited

    expect(result.signal).toBeNull()
    expect(result.code, result.stderr).toBe(130)
    expect(result.stderr).toContain("pipeline: interrupted")
    expect(projectionFiles(tmp)).toEqual([])

    // The run record, read straight from the store: experiments/<id>/runs/<NNNNNN>.json.
    const experiments = NodeFs.readdirSync(NodePath.join(ws.store, "experiments")).filter((n) => n.startsWith("exp_"))
    expect(experiments).toHaveLength(1)
    const runsDir = NodePath.join(ws.store, "experiments", experiments[0]!, "runs")
    const runs = NodeFs.readdirSync(runsDir).filter((n) => /^\d{6,}\.json$/.test(n)).sort()
    expect(runs).toEqual(["000001.json"])
    const run = JSON.parse(NodeFs.readFileSync(NodePath.join(runsDir, runs.at(-1)!), "utf8"))
    expect(run.status, JSON.stringify(run.error)).toBe("cancelled")
    expect(run.endedAt).toEqual(expect.any(String))
    // The real counts: synthetic and validate ran, simulate had missed and was running.
    expect(run.cache).toEqual({ hits: 0, misses: 3 })
    type Recorded = { name: string; cache: string; outcome?: string }
    const finished = run.nodes.filter((n: Recorded) => n.outcome === undefined).map((n: Recorded) => `${n.name}:${n.cache}`)
    expect(finished.slice(0, 2)).toEqual(["synthetic:miss", "validate:miss"])
    expect(finished).not.toContain("simulate:miss")
    // The node it stopped in is listed as such: simulate, once the projection it reads was built
    // (a resource still being built is not a node that ran).
    const stopped = run.nodes.filter((n: Recorded) => n.outcome !== undefined).map((n: Recorded) => `${n.name}:${n.outcome}`)
    expect(stopped).toEqual(finished.includes("project:miss") ? ["simulate:interrupted"] : [])
    expect(run.durationMs).toBeGreaterThanOrEqual(sequentialNodeTime(run.nodes))
    // Nothing of the simulation was published: no trades artifact exists.
    const byType = NodePath.join(ws.store, "artifacts", "by-type")
    const types = NodeFs.existsSync(byType) ? NodeFs.readdirSync(byType) : []
    const trades = types.includes("experiment_trades") ? NodeFs.readdirSync(NodePath.join(byType, "experiment_trades")) : []
    expect(trades).toEqual([])
  }, 170_000)

  it("SIGINT while validate and the projection both run: exit 130, no projection file, nothing published after the inputs", async () => {
    // The inputs of the test above (the synthetic node hits) over another range: validate and the projection miss.
    const base = smallDefinition({ name: "both", tokens: 300, days: 5 })
    const definition = ws.write("both.json", { ...base, dateRange: { ...base.dateRange, to: "2024-01-05T12:00:00.000Z" } })
    const child = spawnCli(["--store", ws.store, "run", definition], { cwd: ws.dir })
    const exited = waitForExit(child, 150_000)
    let exitedEarly = false
    void exited.then(() => (exitedEarly = true), () => (exitedEarly = true))

    const tmp = NodePath.join(ws.store, "tmp")
    const coverageIndex = NodePath.join(ws.store, "artifacts", "by-type", "experiment_coverage")
    const coverageBefore = NodeFs.existsSync(coverageIndex) ? NodeFs.readdirSync(coverageIndex).length : 0
    const deadline = Date.now() + 140_000
    while (projectionFiles(tmp).length === 0 && !exitedEarly && Date.now() < deadline) await sleep(10)
    expect(exitedEarly, "the run ended before its projection was started").toBe(false)
    child.kill("SIGINT")
    const result = await exited

    expect(result.code, result.stderr).toBe(130)
    expect(result.stderr).toContain("pipeline: interrupted")
    expect(projectionFiles(tmp)).toEqual([])
    // validate was interrupted too: it published no coverage, and it is the node the run stopped in.
    expect(NodeFs.existsSync(coverageIndex) ? NodeFs.readdirSync(coverageIndex).length : 0).toBe(coverageBefore)
    const experiments = NodeFs.readdirSync(NodePath.join(ws.store, "experiments")).filter((n) => n.startsWith("exp_"))
    const records = experiments.map((id) => JSON.parse(NodeFs.readFileSync(NodePath.join(ws.store, "experiments", id, "experiment.json"), "utf8")))
    const both = experiments[records.findIndex((record) => record.name === "both")]!
    const run = JSON.parse(NodeFs.readFileSync(NodePath.join(ws.store, "experiments", both, "runs", "000001.json"), "utf8"))
    expect(run.status).toBe("cancelled")
    type Recorded = { name: string; cache: string; outcome?: string }
    expect(run.nodes.map((n: Recorded) => `${n.name}:${n.cache}:${n.outcome ?? "done"}`)).toEqual([
      "synthetic:hit:done",
      "validate:miss:interrupted"
    ])
  }, 170_000)

  it("SIGINT during synthetic generation: exit 130, the run recorded cancelled (counts, duration); the next run completes the record", async () => {
    const gen = workspace("pipeline-sigint-gen-")
    try {
      const definition = gen.write("gen.json", smallDefinition({ name: "gen", tokens: 300, days: 5 }))
      const child = spawnCli(["--store", gen.store, "run", definition], { cwd: gen.dir })
      const exited = waitForExit(child, 150_000)
      let exitedEarly = false
      void exited.then(() => (exitedEarly = true), () => (exitedEarly = true))

      const experimentsDir = NodePath.join(gen.store, "experiments")
      const alertsIndex = NodePath.join(gen.store, "artifacts", "by-type", "alerts_v1")
      const readRun = () => firstRunOf(gen.store)
      // The run is recorded `running` before the generator starts; its first artifact comes later.
      const deadline = Date.now() + 140_000
      while (readRun()?.status !== "running" && !exitedEarly && Date.now() < deadline) await sleep(25)
      expect(exitedEarly, "the run ended before it was recorded running").toBe(false)
      expect(NodeFs.existsSync(alertsIndex), "generation had already published").toBe(false)
      const runningSince = Date.parse(readRun()!.startedAt!)
      await sleep(500)
      expect(NodeFs.existsSync(alertsIndex), "generation finished before the interrupt").toBe(false)
      child.kill("SIGINT")
      const result = await exited
      const killedAfterMs = Date.now() - runningSince

      expect(result.code, result.stderr).toBe(130)
      expect(result.stderr).toContain("pipeline: interrupted")
      const [experimentId] = NodeFs.readdirSync(experimentsDir).filter((n) => n.startsWith("exp_"))
      const record = JSON.parse(NodeFs.readFileSync(NodePath.join(experimentsDir, experimentId!, "experiment.json"), "utf8"))
      expect(record.inputs).toEqual({})
      const run = readRun() as any
      expect(run.status).toBe("cancelled")
      expect(run.cache).toEqual({ hits: 0, misses: 1 })
      // The generator it stopped in is listed, interrupted, with the time it ran.
      expect(run.nodes).toEqual([
        { name: "synthetic", key: expect.stringMatching(/^blake3:[0-9a-f]{64}$/), cache: "miss", durationMs: expect.any(Number), outcome: "interrupted" }
      ])
      expect(run.nodes[0].durationMs).toBeGreaterThanOrEqual(400)
      // The duration covers the generation it interrupted (at least the 500 ms waited).
      expect(run.durationMs).toBeGreaterThanOrEqual(450)
      expect(run.durationMs).toBeLessThanOrEqual(killedAfterMs + 1_000)
      const shown = await gen.cli(["experiments", "show", experimentId!], 60_000)
      expect(shown.code, shown.stderr).toBe(0)
      expect(shown.stdout).toMatch(/nodes {5}0 hit, 1 miss\n/)
      expect(shown.stdout).toMatch(/miss {2}synthetic .*interrupted\n/)

      // Run again, to completion: the same experiment, a second run; the record gains its inputs.
      const again = await gen.cli(["run", definition, "--json"], 150_000)
      expect(again.code, again.stderr).toBe(0)
      const doc = JSON.parse(again.stdout)
      expect(doc.experimentId).toBe(experimentId)
      const completed = JSON.parse(NodeFs.readFileSync(NodePath.join(experimentsDir, experimentId!, "runs", "000002.json"), "utf8"))
      expect(completed.status).toBe("completed")
      expect(completed.cache).toEqual({ hits: 0, misses: 4 })
      expect(completed.nodes[0]).toMatchObject({ name: "synthetic", cache: "miss" })
      expect(completed.durationMs).toBeGreaterThanOrEqual(sequentialNodeTime(completed.nodes))
      const filled = JSON.parse(NodeFs.readFileSync(NodePath.join(experimentsDir, experimentId!, "experiment.json"), "utf8"))
      const generated = (type: string) => NodeFs.readdirSync(NodePath.join(gen.store, "artifacts", "by-type", type)).sort()
      expect(filled.inputs).toEqual({ alerts: generated("alerts_v1"), ohlcv: generated("ohlcv_slice_v2") })
      expect(filled.inputs.alerts).toHaveLength(1)
      expect(filled.createdAt).toBe(record.createdAt)
    } finally {
      gen.cleanup()
    }
  }, 320_000)

  it("SIGINT during a sweep's synthetic generation: exit 130, the run recorded cancelled, nothing published", async () => {
    const gen = workspace("pipeline-sigint-sweep-gen-")
    try {
      const definition = gen.write("sweep-gen.json", {
        ...smallDefinition({ name: "sweep-gen", tokens: 300, days: 5 }),
        sweep: { grid: { "stopLoss.pct": [0.1, 0.3] }, keep: 1 }
      })
      const child = spawnCli(["--store", gen.store, "run", definition], { cwd: gen.dir })
      const exited = waitForExit(child, 150_000)
      let exitedEarly = false
      void exited.then(() => (exitedEarly = true), () => (exitedEarly = true))

      const byType = NodePath.join(gen.store, "artifacts", "by-type")
      const indexed = () => (NodeFs.existsSync(byType) ? NodeFs.readdirSync(byType) : [])
      const readRun = () => firstRunOf(gen.store)
      // As for a single experiment: recorded `running` before the generator has published anything.
      const deadline = Date.now() + 140_000
      while (readRun()?.status !== "running" && !exitedEarly && Date.now() < deadline) await sleep(25)
      expect(exitedEarly, "the sweep ended before its run was recorded running").toBe(false)
      expect(indexed(), "generation had already published").toEqual([])
      await sleep(500)
      expect(indexed(), "generation finished before the interrupt").toEqual([])
      child.kill("SIGINT")
      const result = await exited

      expect(result.code, result.stderr).toBe(130)
      expect(result.stderr).toContain("pipeline: interrupted")
      const run = readRun() as any
      expect(run.status).toBe("cancelled")
      expect(run.endedAt).toEqual(expect.any(String))
      expect(run.cache).toEqual({ hits: 0, misses: 1 })
      expect(run.durationMs).toBeGreaterThanOrEqual(450)
      // No artifact, partial or whole: nothing indexed, no manifest (artifacts/<id>.json).
      expect(indexed()).toEqual([])
      const artifacts = NodePath.join(gen.store, "artifacts")
      expect((NodeFs.existsSync(artifacts) ? NodeFs.readdirSync(artifacts) : []).filter((n) => n.endsWith(".json"))).toEqual([])
    } finally {
      gen.cleanup()
    }
  }, 200_000)

  it("--timeout during synthetic generation: exit 1, the run recorded failed with RunTimedOut and its real counts", async () => {
    const gen = workspace("pipeline-timeout-gen-")
    try {
      // A market large enough that generating it takes well over the 1 s timeout on an idle
      // machine too (300 tokens × 5 days could finish in time, and validate then ran: 2 misses).
      const definition = gen.write("gen.json", smallDefinition({ name: "gen-timeout", tokens: 3000, days: 10 }))
      const result = await gen.cli(["run", definition, "--timeout", "1s"], 150_000)
      expect(result.code, result.stderr).toBe(1)
      expect(result.stderr).toContain("the run exceeded its timeout of 1s")
      const experimentsDir = NodePath.join(gen.store, "experiments")
      const [experimentId] = NodeFs.readdirSync(experimentsDir).filter((n) => n.startsWith("exp_"))
      const run = JSON.parse(NodeFs.readFileSync(NodePath.join(experimentsDir, experimentId!, "runs", "000001.json"), "utf8"))
      expect(run.status).toBe("failed")
      expect(run.error.tag).toBe("RunTimedOut")
      expect(run.cache).toEqual({ hits: 0, misses: 1 })
      expect(run.durationMs).toBeGreaterThanOrEqual(900)
      // Nothing of the generator was published.
      expect(NodeFs.existsSync(NodePath.join(gen.store, "artifacts", "by-type", "alerts_v1"))).toBe(false)
    } finally {
      gen.cleanup()
    }
  }, 200_000)
})
