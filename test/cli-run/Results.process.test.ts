/**
 * Results in the terminal, through the real CLI on a small synthetic experiment: `run` prints the
 * metrics the metrics artifact holds (read back here with DuckDB) and the diagnostics by code;
 * `--json` adds the run id and the metrics row; `experiments list` shows them as columns and
 * `experiments show` leads with them (definition only with --definition); `explain` answers in
 * two lines (`--verbose` for the key material); progress is plain lines on a pipe and drawn in
 * place on a terminal; every output says `hit`/`miss` for the projection as for the other nodes.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { spawn } from "node:child_process"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { formatFixed } from "../../nodes/report/Format.js"
import { binPath, waitForExit } from "../support/cli.js"
import { expectExit, parseJson, smallDefinition, type Workspace, workspace } from "./support.js"

const SLOW = 180_000
let ws: Workspace
let definition: string
let changed: string

const readParquet = async (path: string, sql: string) => {
  const instance = await DuckDBInstance.create(":memory:")
  const connection = await instance.connect()
  try {
    const reader = await connection.runAndReadAll(sql.replace("$path", `'${path.replaceAll("'", "''")}'`))
    return reader.getRowObjectsJS() as Array<Record<string, unknown>>
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`

/** `pipeline …args` on a pseudo-terminal (util-linux `script`); stdout and stderr both arrive in stdout. */
const onTerminal = (args: ReadonlyArray<string>) => {
  const command = [process.execPath, binPath, "--store", ws.store, ...args].map(quote).join(" ")
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", TERM: "xterm" }
  delete env.PIPELINE_STORE
  const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: ws.dir, env, stdio: ["ignore", "pipe", "pipe"] })
  return waitForExit(child, 120_000)
}

beforeAll(() => {
  ws = workspace("results-cli-")
  definition = ws.write("results.json", smallDefinition({ name: "results" }))
  changed = ws.write("changed.json", smallDefinition({ name: "results", multiple: 3 }))
})
afterAll(() => ws.cleanup())

describe("results in the terminal", () => {
  let doc: any
  let text: Awaited<ReturnType<Workspace["cli"]>>

  it("run prints the metrics artifact's numbers; --json adds the run id, the metrics row and diagnostics by code", async () => {
    text = await ws.cli(["run", definition])
    expectExit(text, 0)
    const json = await ws.cli(["run", definition, "--json"])
    expectExit(json, 0)
    doc = parseJson(json)
    // docs/DESIGN.md §9's fields are all there; run id, metrics and diagnostics are added.
    expect(Object.keys(doc).sort()).toEqual(["diagnostics", "experimentId", "metrics", "nodes", "outputs", "runId", "status"])
    expect(doc.runId).toBe("000002")

    const [row] = await readParquet(doc.outputs.metrics.path, "SELECT * FROM read_parquet($path)")
    const codes = await readParquet(
      doc.outputs.diagnostics.path,
      "SELECT code, count(*)::INTEGER AS n FROM read_parquet($path) GROUP BY code ORDER BY code"
    )
    expect(Object.keys(doc.metrics).sort()).toEqual(Object.keys(row!).sort())
    for (const [column, value] of Object.entries(row!)) expect(doc.metrics[column], column).toBe(value)
    expect(doc.diagnostics).toEqual(Object.fromEntries(codes.map((c) => [c.code, c.n])))

    const m = row as Record<string, number>
    const out = text.stdout
    expect(out.split("\n")[0]).toBe(`experiment ${doc.experimentId} (results), run 000001: completed`)
    expect(out).toContain(`  trades        ${m.trades}  win rate ${(m.win_rate * 100).toFixed(1)}% (${m.wins} won, ${m.losses} lost)`)
    const pnl = formatFixed(m.total_net_pnl, 2)
    expect(out).toContain(`  net pnl       ${m.total_net_pnl > 0 ? "+" : ""}${pnl}  (equity ${formatFixed(m.initial_capital, 2)} → ${formatFixed(m.final_equity, 2)})`)
    expect(out).toContain(
      `  sharpe        ${formatFixed(m.sharpe, 3)} (95% CI ${formatFixed(m.sharpe_ci_low, 3)} … ${formatFixed(m.sharpe_ci_high, 3)})`
    )
    expect(out).toContain(`  max drawdown  ${(m.max_drawdown * 100).toFixed(2)}%`)
    const diagnosticsLine = out.split("\n").find((line) => line.startsWith("  diagnostics   "))!
    for (const { code, n } of codes) expect(diagnosticsLine).toContain(`${n} ${code}`)
    if (codes.length === 0) expect(diagnosticsLine).toBe("  diagnostics   none")
    // Where the outputs are: every output's file.
    for (const name of ["trades", "metrics", "equity", "diagnostics"]) {
      expect(out).toContain(`  ${name.padEnd(11)} ${doc.outputs[name].artifactId}  ${doc.outputs[name].path}`)
    }
    // Results before the nodes, nodes before the outputs.
    expect(out.indexOf("  trades  ")).toBeLessThan(out.indexOf("nodes: "))
    expect(out.indexOf("nodes: ")).toBeLessThan(out.indexOf("outputs (Parquet"))
  }, SLOW)

  it("one vocabulary for the projection: a built projection is a miss with its build time everywhere", async () => {
    // The cold run: every node a miss, the projection too, with the time it took to build.
    expect(text.stdout).toContain("nodes: 0 hit, 5 miss")
    expect(text.stdout).toMatch(/\n {2}miss {2}project +\d+(ms|\.\ds) {2}[0-9a-f]{12} {2}built \(never cached\)\n/)
    // Plain progress lines on a pipe: the same words, no control characters.
    expect(text.stderr).toMatch(/^ {2}… synthetic running$/m)
    expect(text.stderr).toMatch(/^ {2}miss {2}project {2}\d+(ms|\.\ds) {2}\(built\)$/m)
    expect(text.stderr).toMatch(/^ {2}miss {2}simulate {2}\d+(ms|\.\ds)$/m)
    expect(text.stderr).toMatch(/^ {2}… validate \d+\/\d+ checks \(100%\)/m)
    expect(text.stderr).not.toMatch(/[\x1b\r]/)
    // The cached rerun: nothing needed the projection, so it is a hit.
    expect(doc.nodes.map((node: any) => `${node.name} ${node.cache}`)).toEqual([
      "synthetic hit",
      "validate hit",
      "project hit",
      "simulate hit",
      "publish hit"
    ])

    const [dry, dryJson] = await Promise.all([ws.cli(["run", changed, "--dry-run"]), ws.cli(["run", changed, "--dry-run", "--json"])])
    expectExit(dry, 0)
    expect(dry.stdout).toContain("nodes: 2 hit, 3 miss (a miss would run)")
    expect(dry.stdout).toMatch(/\n {2}miss {2}project +[0-9a-f]{12} {2}would be built \(never cached\)\n/)
    expect(parseJson(dryJson).nodes.map((node: any) => `${node.name} ${node.cache}`)).toEqual([
      "synthetic hit",
      "validate hit",
      "project miss",
      "simulate miss",
      "publish miss"
    ])
  }, SLOW)

  it("explain: the two-line answer, the key material behind --verbose", async () => {
    const [short, verbose] = await Promise.all([ws.cli(["explain", changed]), ws.cli(["explain", changed, "--verbose"])])
    expectExit(short, 0)
    const lines = short.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^experiment exp_[0-9a-f]+ \(results\): 2 hit, 3 miss$/)
    expect(lines.slice(1, 3)).toEqual([
      "  simulate  key changed: strategy.exit.targets[0].multiple: 2 → 3",
      "  publish   key changed: inputs.simulated (upstream will run)"
    ])
    expect(lines.slice(3)).toEqual(["  hit: synthetic, validate · project built for them, never cached"])
    expect(short.stdout).not.toContain("material")
    expectExit(verbose, 0)
    expect(verbose.stdout).toContain("  material: node simulate v")
    expect(verbose.stdout).toContain("    strategy.exit.targets[0].multiple: 2 → 3")
  }, SLOW)

  it("on a terminal, progress is redrawn in place and erased before the summary", async () => {
    const result = await onTerminal(["run", changed])
    expect(result.code, result.stdout).toBe(0)
    const out = result.stdout
    expect(out).toContain("\r\x1b[2K  miss  simulate  ")
    expect(out).toMatch(/\x1b\[\d+A/) // back up over the block
    // The block is erased (up, then erase below) right before the summary begins.
    expect(out).toMatch(/\x1b\[\d+A\r\x1b\[J(\r\n)?experiment exp_[0-9a-f]+ \(results\), run 000001: completed/)
    // Nothing scrolls: every progress write rewrites whole lines, never a bare newline of its own.
    const progress = out.slice(0, out.indexOf("experiment exp_"))
    expect(progress).not.toMatch(/\n\r?\n/)
  }, SLOW)

  it("experiments list shows the results as columns; show leads with them and folds the definition away", async () => {
    const [list, show, withDefinition, showJson] = await Promise.all([
      ws.cli(["experiments", "list"]),
      ws.cli(["experiments", "show", doc.experimentId.slice(0, 10)]),
      ws.cli(["experiments", "show", doc.experimentId, "--definition"]),
      ws.cli(["experiments", "show", doc.experimentId, "--json"])
    ])
    expectExit(list, 0)
    const m = doc.metrics
    expect(list.stdout.split("\n")[0]).toMatch(
      /^ID\s+NAME\s+RUNS\s+LATEST\s+STARTED \(UTC\)\s+DURATION\s+HIT\/MISS\s+TRADES\s+WIN\s+NET PNL\s+SHARPE\s+MAX DD$/
    )
    const row = list.stdout.split("\n").find((line) => line.startsWith(doc.experimentId))!
    expect(row).toMatch(
      new RegExp(
        `\\s5/0\\s+${m.trades}\\s+${(m.win_rate * 100).toFixed(1)}%\\s+\\+?${
          formatFixed(m.total_net_pnl, 2).replace("+", "\\+")
        }\\s+${formatFixed(m.sharpe, 3)}\\s+${(m.max_drawdown * 100).toFixed(1)}%$`
      )
    )

    expectExit(show, 0)
    const out = show.stdout
    expect(out.split("\n")[1]).toMatch(/^results of run 000002 \(the latest completed, /)
    expect(out).toContain(`  sharpe        ${formatFixed(m.sharpe, 3)} (95% CI`)
    expect(out.indexOf("  sharpe  ")).toBeLessThan(out.indexOf("  inputs"))
    expect(out.indexOf("  inputs")).toBeLessThan(out.indexOf("runs (2)"))
    expect(out).toContain("  definition (--definition to print it)")
    expect(out).not.toContain('"stopLoss"')
    expect(out).toMatch(/\n {4}miss {2}project +\d+(ms|\.\ds) {2}[0-9a-f]{12}\n/) // run 000001 built it
    expect(out).toMatch(/\n {4}hit {3}project +[0-9a-f]{12}\n/) // run 000002 did not need it
    expectExit(withDefinition, 0)
    expect(withDefinition.stdout).toContain('"stopLoss"')
    // --json: each run's record carries its results.
    expect(parseJson(showJson).runs.map((run: any) => run.results.metrics.sharpe)).toEqual([m.sharpe, m.sharpe])
  }, SLOW)
})
