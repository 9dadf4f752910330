/**
 * `pipeline diff` as a user runs it: two runs that differ only in the stop — the diff names the
 * one definition field, no input, and exactly the trades whose exit changed (checked against the
 * two trades files read independently), with the exit-reason transitions counted; the text view;
 * two variants of a sweep named `<experiment>:<variant>`; an unknown id is a usage error.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ExperimentSweep, ExperimentTrades } from "../../nodes/contracts/index.js"
import { readRowsParquet } from "../../nodes/parquet/index.js"
import { expectExit, parseJson, smallDefinition, type Workspace, workspace } from "../cli-run/support.js"
import { storeLayer } from "../experiment/support.js"

const EXIT_COLUMNS = ["exit_ts", "exit_price", "exit_reason"]

describe("pipeline diff", () => {
  let ws: Workspace
  beforeAll(() => {
    ws = workspace("pipeline-diff-")
  })
  afterAll(() => ws.cleanup())

  const readTrades = (path: string) =>
    Effect.runPromise(readRowsParquet(ExperimentTrades, path).pipe(Effect.provide(storeLayer(ws.store))))

  it("two runs differing only in the stop: exactly the trades whose exit changed, and how their exit reasons moved", async () => {
    const base = smallDefinition({ name: "diff-stop", tokens: 16 })
    const wide = ws.write("wide.json", base)
    const tight = ws.write("tight.json", { ...base, strategy: { ...base.strategy, stopLoss: { pct: 0.08 } } })
    const runA = parseJson(await ws.cli(["run", wide, "--json"]))
    const runB = parseJson(await ws.cli(["run", tight, "--json"]))

    const result = await ws.cli(["diff", runA.experimentId, runB.experimentId.slice(0, 12), "--json"])
    expectExit(result, 0)
    const diff = parseJson(result)
    expect(diff.definition).toEqual([{ path: "strategy.stopLoss.pct", a: 0.25, b: 0.08 }])
    expect(diff.inputs).toEqual([])
    expect(diff.a.experimentId).toBe(runA.experimentId)
    expect(diff.b.experimentId).toBe(runB.experimentId)

    // The expectation, from the two trades files read here.
    const tradesA = await readTrades(runA.outputs.trades.path)
    const tradesB = await readTrades(runB.outputs.trades.path)
    const byIdB = new Map(tradesB.map((row) => [row.trade_id, row]))
    const exitChanged = tradesA
      .filter((row) => EXIT_COLUMNS.some((column) => row[column] !== byIdB.get(row.trade_id)![column]))
      .map((row) => String(row.trade_id))
    const transitions: Record<string, number> = {}
    for (const row of tradesA) {
      const other = byIdB.get(row.trade_id)!
      if (row.exit_reason !== other.exit_reason) {
        const key = `${row.exit_reason} → ${other.exit_reason}`
        transitions[key] = (transitions[key] ?? 0) + 1
      }
    }
    expect(tradesA.length).toBe(tradesB.length) // a stop never adds or removes a position
    expect(exitChanged.length).toBeGreaterThan(0)
    expect(exitChanged.length).toBeLessThan(tradesA.length)

    expect(diff.trades.added).toEqual([])
    expect(diff.trades.removed).toEqual([])
    expect(diff.trades.changed.map((trade: { trade_id: string }) => trade.trade_id).sort()).toEqual([...exitChanged].sort())
    expect(diff.trades.same).toBe(tradesA.length - exitChanged.length)
    for (const trade of diff.trades.changed as Array<{ columns: Array<string> }>) {
      // The entry side never moves; the exit does.
      expect(trade.columns.some((column) => EXIT_COLUMNS.includes(column))).toBe(true)
      for (const column of ["alert_id", "entry_ts", "entry_price", "quantity", "notional"]) expect(trade.columns).not.toContain(column)
    }
    expect(diff.exitTransitions).toEqual(transitions)
    expect(Object.keys(transitions).some((key) => key.endsWith("→ stop"))).toBe(true)
    // The first divergence is the earliest changed trade in entry order.
    const firstChanged = tradesA.find((row) => exitChanged.includes(String(row.trade_id)))!
    expect(diff.firstDivergence).toMatchObject({ trade_id: firstChanged.trade_id, kind: "changed" })
    // Metrics side by side with deltas.
    expect(diff.metrics.trades).toEqual({ a: tradesA.length, b: tradesB.length, delta: 0 })
    expect(diff.metrics.total_net_pnl.delta).toBeCloseTo(diff.metrics.total_net_pnl.b - diff.metrics.total_net_pnl.a, 9)

    // The text view says the same in short.
    const text = await ws.cli(["diff", runA.experimentId, runB.experimentId])
    expectExit(text, 0)
    expect(text.stdout).toContain("strategy.stopLoss.pct: 0.25 → 0.08")
    expect(text.stdout).toContain(`${exitChanged.length} changed, 0 added, 0 removed`)
    for (const [key, count] of Object.entries(transitions)) expect(text.stdout).toContain(`${key}: ${count}`)
    expect(text.stdout).toContain(`first divergence: trade ${firstChanged.trade_id} (changed)`)
  }, 300_000)

  it("compares two variants of a sweep (<experiment>:<variant>); an unknown experiment is exit 2", async () => {
    const sweep = ws.write("sweep.json", {
      ...smallDefinition({ name: "diff-sweep" }),
      sweep: { grid: { "stopLoss.pct": [0.1, 0.3] }, keep: 1 }
    })
    const run = parseJson(await ws.cli(["run", sweep, "--json", "--workers", "0"]))
    const leaderboard = await Effect.runPromise(
      readRowsParquet(ExperimentSweep, run.sweep.leaderboard.path).pipe(Effect.provide(storeLayer(ws.store)))
    )
    const ids = leaderboard.map((row) => String(row.variant_id))
    expect(ids).toHaveLength(2)
    const result = await ws.cli(["diff", `${run.experimentId}:${ids[0]}`, `${run.experimentId.slice(0, 10)}:${ids[1]!.slice(0, 8)}`, "--json"])
    expectExit(result, 0)
    const diff = parseJson(result)
    expect(diff.a.variantId).toBe(ids[0])
    expect(diff.b.variantId).toBe(ids[1])
    expect(diff.definition.map((change: { path: string }) => change.path)).toEqual(["name", "strategy.stopLoss.pct"])

    const unknown = await ws.cli(["diff", "exp_ffffffffffff", run.experimentId])
    expectExit(unknown, 2)
    expect(unknown.stderr).toContain("exp_ffffffffffff")
  }, 300_000)
})
