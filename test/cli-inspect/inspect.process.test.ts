/**
 * `pipeline experiments|artifacts|report`, spawned as real processes on a store holding one small
 * synthetic experiment (10 tokens × 1 day): listing and showing experiments (an abandoned run
 * included), listing/showing artifacts, lineage down to the synthetic inputs, and a report that is
 * byte-identical across invocations and self-contained.
 */
import { execFileSync } from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseJson, pipeline, removeCliEntry, show } from "../fault/support/cli.js"

let work: string
let store: string
/** `experiments show --json` and `artifacts list --json`, read once after the run. */
let shown: { experiment: { inputs: Record<string, Array<string>> } }
let manifests: Array<{ artifactId: string; type: string; rowCount: number; logicalKey: string }>
let runDoc: {
  experimentId: string
  outputs: Record<"trades" | "metrics" | "equity" | "diagnostics", { artifactId: string; digest: string; path: string }>
}

const definition = {
  name: "inspect-tiny",
  seed: 42,
  inputs: { synthetic: { tokens: 10, days: 1, seed: 7 } },
  dateRange: { from: "2024-01-01T00:00:00Z", to: "2024-01-02T00:00:00Z" },
  strategy: {
    entry: { delayCandles: 1 },
    exit: { targets: [{ multiple: 1.5, fraction: 0.5 }, { multiple: 2, fraction: 0.5 }], maxHoldCandles: 240 },
    stopLoss: { pct: 0.25 },
    trailing: { activation: 0.3, pct: 0.15 },
    costs: { feeBps: 25, slippageBps: 15 },
    sizing: { notional: 10, initialCapital: 1000 }
  }
}

/** `pipeline …args --store <store>` that must exit 0. */
const ok = async (args: ReadonlyArray<string>, cwd?: string) => {
  const result = await pipeline([...args, "--store", store], cwd === undefined ? {} : { cwd })
  if (result.code !== 0) throw new Error(`pipeline ${args.join(" ")} failed\n${show(result)}`)
  expect(result.stderr).not.toContain("internal error")
  return result
}
const okJson = async (args: ReadonlyArray<string>) => parseJson(await ok([...args, "--json"]))

beforeAll(async () => {
  work = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "pipeline-inspect-"))
  store = NodePath.join(work, "store")
  const path = NodePath.join(work, "tiny.json")
  NodeFs.writeFileSync(path, JSON.stringify(definition))
  runDoc = await okJson(["run", path])
  ;[shown, manifests] = await Promise.all([
    okJson(["experiments", "show", runDoc.experimentId]),
    okJson(["artifacts", "list"]).then((doc) => doc.artifacts)
  ])
}, 300_000)

/** Process tests spawn several CLIs each; generous for a busy two-core machine. */
const SLOW = 180_000

afterAll(async () => {
  await removeCliEntry()
  NodeFs.rmSync(work, { recursive: true, force: true })
})

describe("pipeline experiments", () => {
  it("list: the experiment with its completed run; --json, --name and --status filter", async () => {
    const [doc, textResult, byName, byStatus] = await Promise.all([
      okJson(["experiments", "list"]),
      ok(["experiments", "list"]),
      okJson(["experiments", "list", "--name", "other"]),
      okJson(["experiments", "list", "--status", "failed"])
    ])
    expect(doc.experiments).toHaveLength(1)
    const [e] = doc.experiments
    expect(e).toMatchObject({ experimentId: runDoc.experimentId, name: "inspect-tiny", seed: 42, runs: 1 })
    expect(e.latestRun).toMatchObject({ runId: "000001", status: "completed", effectiveStatus: "completed" })
    expect(e.latestRun.cache.misses).toBeGreaterThan(0)

    const text = textResult.stdout
    expect(text.split("\n")[0]).toMatch(/^ID\s+NAME\s+RUNS\s+LATEST\s+STARTED \(UTC\)\s+DURATION\s+HIT\/MISS\s+TRADES\s+WIN\s+NET PNL\s+SHARPE\s+MAX DD$/)
    expect(text).toMatch(new RegExp(`${runDoc.experimentId}\\s+inspect-tiny\\s+1\\s+completed\\s+\\d{4}-\\d\\d-\\d\\d `))

    expect(byName.experiments).toEqual([])
    expect(byStatus.experiments).toEqual([])
  }, SLOW)

  it("show <prefix>: definition, frozen inputs, the run's nodes, outputs, provenance and owner", async () => {
    const prefix = runDoc.experimentId.slice(0, 12)
    const [doc, textResult] = await Promise.all([okJson(["experiments", "show", prefix]), ok(["experiments", "show", prefix])])
    expect(doc.experiment.experimentId).toBe(runDoc.experimentId)
    expect(doc.experiment.definition).toEqual(definition)
    expect(doc.runs).toHaveLength(1)
    expect(doc.runs[0].outputs.trades.artifactId).toBe(runDoc.outputs.trades.artifactId)
    expect(doc.runs[0].effectiveStatus).toBe("completed")

    const text = textResult.stdout
    expect(text).toContain(`experiment ${runDoc.experimentId}`)
    expect(text).toContain("  seed      42")
    for (const id of [...doc.experiment.inputs.alerts, ...doc.experiment.inputs.ohlcv]) expect(text).toContain(id)
    expect(text).toContain("run 000001  completed")
    expect(text).toMatch(/\n {4}(hit|miss) +simulate /)
    expect(text).toContain(`    metrics     ${runDoc.outputs.metrics.artifactId}`)
    expect(text).toMatch(/engine {4}\S+, DuckDB v\S+, git /)
    expect(text).toMatch(/owner {5}pid \d+ on /)
  }, SLOW)

  it("an unknown experiment and a missing subcommand are usage errors (exit 2)", async () => {
    const [unknown, bare] = await Promise.all([
      pipeline(["experiments", "show", "exp_ffffffff", "--store", store]),
      pipeline(["experiments", "--store", store])
    ])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr.trim()).toBe(
      `pipeline: unknown experiment exp_ffffffff: no experiment with this id or prefix in the store at ${store}`
    )
    expect(bare.code).toBe(2)
  }, SLOW)

  it("a prefix two experiments share lists both (exit 2), for show, report and verify alike", async () => {
    // A second experiment directory whose id shares the first 12 characters of the real one's.
    const id = runDoc.experimentId
    const twin = `${id.slice(0, 12)}${id.slice(12).replace(/./g, (c) => (c === "0" ? "1" : "0"))}`
    const dir = NodePath.join(store, "experiments", twin)
    NodeFs.mkdirSync(dir)
    try {
      const prefix = id.slice(0, 12)
      const results = await Promise.all([
        pipeline(["experiments", "show", prefix, "--store", store]),
        pipeline(["report", prefix, "-o", NodePath.join(work, "ambiguous.html"), "--store", store]),
        pipeline(["verify", prefix.slice(4), "--store", store])
      ])
      const candidates = [id, twin].sort()
      for (const result of results) {
        expect(result.code, show(result)).toBe(2)
        expect(result.stderr).toContain(`is ambiguous: it matches 2 experiments; give more characters:\n`)
        expect(result.stderr).toContain(`pipeline:   ${candidates[0]}\npipeline:   ${candidates[1]}\n`)
        expect(result.stderr).not.toContain("unknown experiment")
      }
      expect(results[0]!.stderr).toContain(`pipeline: experiment id prefix ${prefix} is ambiguous`)
      expect(NodeFs.existsSync(NodePath.join(work, "ambiguous.html"))).toBe(false)
    } finally {
      NodeFs.rmSync(dir, { recursive: true, force: true })
    }
  }, SLOW)
})

describe("pipeline artifacts", () => {
  it("list --type experiment_trades: exactly the run's trades artifact; the table shows short ids", async () => {
    const [doc, textResult, metrics] = await Promise.all([
      okJson(["artifacts", "list", "--type", "experiment_trades"]),
      ok(["artifacts", "list"]),
      okJson(["artifacts", "list", "--prefix", "metrics/", "--status", "active"])
    ])
    expect(doc.artifacts.map((a: { artifactId: string }) => a.artifactId)).toEqual([runDoc.outputs.trades.artifactId])
    // synthetic alerts + ohlcv, coverage, skips, trades, fills, metrics, equity, diagnostics
    expect(manifests).toHaveLength(9)
    const text = textResult.stdout
    const lines = text.split("\n").filter((l) => l !== "")
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+LOGICAL KEY\s+ROWS\s+SIZE\s+STATUS\s+CREATED \(UTC\)$/)
    expect(lines.length - 1).toBe(9)
    expect(text).toContain(runDoc.outputs.trades.artifactId.slice(0, 16) + "  experiment_trades")
    expect(metrics.artifacts.map((a: { artifactId: string }) => a.artifactId)).toEqual([runDoc.outputs.metrics.artifactId])
  }, SLOW)

  it("show <prefix>: the manifest and the data path", async () => {
    const id = runDoc.outputs.equity.artifactId
    const [doc, textResult] = await Promise.all([okJson(["artifacts", "show", id.slice(0, 14)]), ok(["artifacts", "show", id])])
    expect(doc.artifact.artifactId).toBe(id)
    expect(doc.artifact.type).toBe("experiment_equity")
    expect(doc.path).toBe(runDoc.outputs.equity.path)
    const text = textResult.stdout
    expect(text).toContain(`  digest      ${runDoc.outputs.equity.digest}`)
    expect(text).toContain(`  data        ${runDoc.outputs.equity.path}`)
  }, SLOW)

  it("lineage <metrics id> reaches the synthetic inputs; --depth limits it; --downstream goes back up", async () => {
    const inputs = shown.experiment.inputs
    const alerts: string = inputs.alerts[0]
    const ohlcv: string = inputs.ohlcv[0]
    const metrics = runDoc.outputs.metrics.artifactId

    const [graph, treeResult, shallow, down] = await Promise.all([
      okJson(["artifacts", "lineage", metrics]),
      ok(["artifacts", "lineage", metrics]),
      okJson(["artifacts", "lineage", metrics, "--depth", "1"]),
      okJson(["artifacts", "lineage", alerts, "--downstream"])
    ])
    const ids = graph.nodes.map((n: { artifactId: string }) => n.artifactId)
    expect(graph.root).toBe(metrics)
    expect(ids).toContain(alerts)
    expect(ids).toContain(ohlcv)
    expect(ids).toContain(runDoc.outputs.trades.artifactId)
    expect(graph.edges).toContainEqual({ from: runDoc.outputs.trades.artifactId, to: alerts })

    const tree = treeResult.stdout
    expect(tree.split("\n")[0]).toBe(`${metrics.slice(0, 16)}  experiment_metrics  ${graph.nodes.find((n: any) => n.artifactId === metrics).logicalKey}`)
    expect(tree).toMatch(/\n(│ {3}| {4})[├└]── art_[0-9a-f]{12} {2}alerts_v1 {2}/)
    expect(tree).toMatch(/\n(│ {3}| {4})[├└]── art_[0-9a-f]{12} {2}ohlcv_slice_v2 {2}/)

    expect(shallow.nodes.map((n: { artifactId: string }) => n.artifactId)).not.toContain(alerts)

    expect(down.direction).toBe("downstream")
    expect(down.nodes.map((n: { artifactId: string }) => n.artifactId)).toContain(metrics)
  }, SLOW)

  it("an id that names nothing is a usage error (exit 2) naming the id and the store, for show and lineage", async () => {
    const ids = manifests.map((m) => m.artifactId)
    // A prefix of no artifact: eight repeated hex digits that no id starts with.
    const nowhere = `art_${"0123456789abcdef".split("").map((d) => d.repeat(8)).find((p) => !ids.some((id) => id.startsWith(`art_${p}`)))}`
    const [shownMissing, lineageMissing] = await Promise.all([
      pipeline(["artifacts", "show", "art_nonexistent", "--store", store]),
      pipeline(["artifacts", "lineage", nowhere, "--store", store])
    ])
    expect(shownMissing.code).toBe(2)
    expect(shownMissing.stderr.trim()).toBe(
      `pipeline: unknown artifact art_nonexistent: no artifact with this id or prefix in the store at ${store}`
    )
    expect(lineageMissing.code).toBe(2)
    expect(lineageMissing.stderr).toContain(`unknown artifact ${nowhere}: no artifact with this id or prefix in the store at ${store}`)
  }, SLOW)

  it("any unique prefix of an artifact id resolves (4 hex digits as in the README, or fewer); a shared one lists its matches (exit 2)", async () => {
    const ids = manifests.map((m) => m.artifactId).sort()
    const common = (a: string, b: string) => {
      let n = 0
      while (n < a.length && a[n] === b[n]) n++
      return n
    }
    const trades = runDoc.outputs.trades.artifactId
    // The shortest prefix that no other artifact shares, at least `art_` + 1 hex digit.
    const uniqueLength = Math.max(5, ...ids.filter((id) => id !== trades).map((id) => common(id, trades) + 1))
    const short = trades.slice(0, Math.max(uniqueLength, 8)) // art_ + 4 hex when that is unique
    const shortest = trades.slice(0, uniqueLength)
    // The longest prefix two artifacts share (neighbours in sorted order): ambiguous.
    let shared = "art_"
    let pair: Array<string> = []
    for (let i = 1; i < ids.length; i++) {
      const n = common(ids[i - 1]!, ids[i]!)
      if (n >= shared.length) {
        shared = ids[i]!.slice(0, n)
        pair = [ids[i - 1]!, ids[i]!]
      }
    }
    const matching = ids.filter((id) => id.startsWith(shared))
    const [shown, shownShortest, lineage, ambiguous] = await Promise.all([
      pipeline(["artifacts", "show", short, "--store", store, "--json"]),
      pipeline(["artifacts", "show", shortest.slice(4), "--store", store, "--json"]),
      pipeline(["artifacts", "lineage", short, "--store", store, "--json"]),
      pipeline(["artifacts", "show", shared, "--store", store])
    ])
    expect(shown.code, show(shown)).toBe(0)
    expect(parseJson(shown).artifact.artifactId).toBe(trades)
    expect(shownShortest.code, show(shownShortest)).toBe(0)
    expect(parseJson(shownShortest).artifact.artifactId).toBe(trades)
    expect(lineage.code, show(lineage)).toBe(0)
    expect(parseJson(lineage).root).toBe(trades)
    expect(ambiguous.code, show(ambiguous)).toBe(2)
    expect(ambiguous.stderr).toContain(`pipeline: artifact id prefix ${shared} is ambiguous: it matches ${matching.length} artifacts`)
    for (const id of pair) expect(ambiguous.stderr).toContain(`pipeline:   ${id}\n`)
    expect(ambiguous.stderr).not.toContain("unknown artifact")
  }, SLOW)
})

describe("pipeline report", () => {
  it("writes the same bytes twice (default path in the cwd, and -o), self-contained", async () => {
    const cwd = NodePath.join(work, "reports")
    NodeFs.mkdirSync(cwd)
    const other = NodePath.join(work, "again.html")
    const [first, doc] = await Promise.all([
      ok(["report", runDoc.experimentId.slice(0, 10)], cwd),
      okJson(["report", runDoc.experimentId, "-o", other])
    ])
    const defaultPath = NodePath.join(cwd, `report-${runDoc.experimentId}.html`)
    expect(first.stdout).toContain(defaultPath)
    expect(doc).toMatchObject({ experimentId: runDoc.experimentId, runId: "000001", path: other })

    const a = NodeFs.readFileSync(defaultPath)
    const b = NodeFs.readFileSync(other)
    expect(doc.bytes).toBe(b.length)
    expect(a.equals(b)).toBe(true)

    const html = a.toString("utf8")
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true)
    expect(/https?:\/\//.test(html)).toBe(false)
    expect(html.toLowerCase().match(/<script|<link|<iframe|<img|@import|url\(|\bsrc=/g)).toBeNull()
    // the data is there: the trades count, the output ids, both charts, the input types
    const trades = manifests.find((m) => m.artifactId === runDoc.outputs.trades.artifactId)!.rowCount
    expect(html).toContain(`<div class="card-label">Trades</div><div class="card-value">${trades}</div>`)
    for (const output of Object.values(runDoc.outputs)) expect(html).toContain(output.artifactId)
    expect(html.split(`<svg class="chart"`).length - 1).toBe(2)
    expect(html).toContain(`<span class="type">alerts_v1</span>`)
    expect(html).toContain(`<span class="type">ohlcv_slice_v2</span>`)
    // no leftover temporary file beside the report
    expect(NodeFs.readdirSync(cwd)).toEqual([`report-${runDoc.experimentId}.html`])
  }, SLOW)

  it("an abandoned latest run reads as abandoned; the report still uses the completed run", async () => {
    // A run left `running` by a process that is gone (a child that has exited).
    const deadPid = Number(execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]))
    const runs = NodePath.join(store, "experiments", runDoc.experimentId, "runs")
    const completed = JSON.parse(NodeFs.readFileSync(NodePath.join(runs, "000001.json"), "utf8"))
    const { endedAt: _e, durationMs: _d, ...rest } = completed
    NodeFs.writeFileSync(
      NodePath.join(runs, "000002.json"),
      JSON.stringify({
        ...rest,
        runId: "000002",
        status: "running",
        outputs: {},
        nodes: [],
        owner: { pid: deadPid, host: NodeOs.hostname() }
      })
    )
    const [doc, showResult, report] = await Promise.all([
      okJson(["experiments", "list", "--status", "abandoned"]),
      ok(["experiments", "show", runDoc.experimentId]),
      okJson(["report", runDoc.experimentId, "-o", NodePath.join(work, "after.html")])
    ])
    expect(doc.experiments).toHaveLength(1)
    expect(doc.experiments[0].latestRun).toMatchObject({ runId: "000002", status: "running", effectiveStatus: "abandoned" })
    expect(showResult.stdout).toContain("run 000002  abandoned (recorded running)")
    expect(report.runId).toBe("000001")
    expect(NodeFs.readFileSync(NodePath.join(work, "after.html")).equals(NodeFs.readFileSync(NodePath.join(work, "again.html")))).toBe(true)
  }, SLOW)

  it("an unknown experiment: a usage error (exit 2) and no file", async () => {
    const cwd = NodePath.join(work, "none")
    NodeFs.mkdirSync(cwd)
    const result = await pipeline(["report", "exp_ffffffff", "--store", store], { cwd })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`unknown experiment exp_ffffffff: no experiment with this id or prefix in the store at ${store}`)
    expect(NodeFs.readdirSync(cwd)).toEqual([])
  }, SLOW)
})

/** Every entry under `root`: relative path → size and mtime (directories too: a new entry changes them). */
const tree = (root: string): Record<string, string> => {
  const entries: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const entry of NodeFs.readdirSync(dir, { withFileTypes: true })) {
      const full = NodePath.join(dir, entry.name)
      const stats = NodeFs.statSync(full)
      entries[NodePath.relative(root, full)] = `${entry.isDirectory() ? "dir" : stats.size}:${stats.mtimeMs}`
      if (entry.isDirectory()) walk(full)
    }
  }
  walk(root)
  return entries
}

describe("read-only commands", () => {
  it("experiments list/show, artifacts list/show/lineage, explain and report write nothing in the store", async () => {
    const before = tree(store)
    const metrics = runDoc.outputs.metrics.artifactId
    await Promise.all([
      ok(["experiments", "list"]),
      ok(["experiments", "show", runDoc.experimentId]),
      ok(["artifacts", "list"]),
      ok(["artifacts", "show", metrics]),
      ok(["artifacts", "lineage", metrics, "--downstream"]),
      ok(["explain", NodePath.join(work, "tiny.json")]),
      ok(["report", runDoc.experimentId, "-o", NodePath.join(work, "read-only.html")])
    ])
    expect(tree(store)).toEqual(before)
  }, SLOW)
})
