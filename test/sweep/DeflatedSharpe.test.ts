/**
 * The leaderboard's Deflated Sharpe columns on a real sweep: each variant's return moments equal
 * those of its trades run as a single experiment (re-computed here from the trades file), and
 * psr0, dsr, sr0 and trials follow the README formulas over the whole leaderboard.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { ExperimentSweep, ExperimentTrades } from "../../nodes/contracts/index.js"
import { readRowsParquet } from "../../nodes/parquet/index.js"
import { decodeDefinition, isSweep, runExperiment } from "../../nodes/experiment/index.js"
import { Strategy } from "../../nodes/simulate/index.js"
import { EULER_GAMMA, normalCdf, normalQuantile } from "../../nodes/stats/index.js"
import { executeSweep, expandSweep, strategyAsWritten } from "../../nodes/sweep/index.js"
import { smallDefinition } from "../cli-run/support.js"
import { storeLayer, tempStore } from "../experiment/support.js"

const store = tempStore("pipeline-dsr-")
afterAll(() => store.cleanup())

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
const moment = (xs: ReadonlyArray<number>, k: number) => mean(xs.map((x) => Math.pow(x - mean(xs), k)))

describe("sweep Deflated Sharpe columns", () => {
  it("match the formulas over the leaderboard and the moments of each variant's own trades", async () => {
    const definition = {
      ...smallDefinition({ name: "dsr-sweep", tokens: 14 }),
      metrics: { bootstrapResamples: 50 },
      sweep: { grid: { "stopLoss.pct": [0.05, 0.15, 0.3], "exit.targets[0].multiple": [1.3, 2.5] }, keep: 1 }
    }
    const run = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.runPromise(effect.pipe(Effect.provide(storeLayer(store.root))) as Effect.Effect<A, E>)
    const decoded = await Effect.runPromise(decodeDefinition(definition, "sweep.json"))
    if (!isSweep(decoded)) throw new Error("not a sweep")
    const result = await run(executeSweep(decoded, definition, { workers: 0 }))
    const rows = await run(readRowsParquet(ExperimentSweep, result.sweep.leaderboard!.path))
    expect(rows).toHaveLength(6)

    const sharpes = rows.map((row) => row.sharpe).filter((s): s is number => typeof s === "number")
    const n = sharpes.length
    const v = sharpes.map((s) => Math.pow(s - mean(sharpes), 2)).reduce((a, b) => a + b, 0) / (n - 1)
    const sr0 = Math.sqrt(v) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / n) + EULER_GAMMA * normalQuantile(1 - 1 / (n * Math.E)))
    expect(n).toBeGreaterThanOrEqual(2)
    for (const row of rows) {
      expect(row.trials).toBe(n)
      expect(row.sr0 as number).toBeCloseTo(sr0, 12)
      const sr = row.sharpe as number
      const t = row.trades as number
      const root = Math.sqrt(1 - (row.return_skew as number) * sr + (((row.return_kurtosis as number) - 1) / 4) * sr * sr)
      expect(row.psr0 as number).toBeCloseTo(normalCdf((sr * Math.sqrt(t - 1)) / root), 12)
      expect(row.dsr as number).toBeCloseTo(normalCdf(((sr - sr0) * Math.sqrt(t - 1)) / root), 12)
    }

    // Two variants' moments against their own trades, run as single experiments.
    const { variants } = await Effect.runPromise(expandSweep(strategyAsWritten(definition), decoded.sweep))
    for (const variant of [variants[0]!, variants[4]!]) {
      const single = { ...definition, name: `single-${variant.variantId}`, strategy: Schema.encodeSync(Strategy)(variant.strategy) }
      delete (single as { sweep?: unknown }).sweep
      const outcome = await run(Effect.flatMap(decodeDefinition(single, "single.json"), (d) => runExperiment(d, single)))
      const trades = await run(readRowsParquet(ExperimentTrades, outcome.outputs!.trades.path))
      const returns = trades.map((trade) => trade.return as number)
      const row = rows.find((r) => r.variant_id === variant.variantId)!
      expect(row.trades).toBe(returns.length)
      expect(row.return_skew as number).toBeCloseTo(moment(returns, 3) / Math.pow(moment(returns, 2), 1.5), 11)
      expect(row.return_kurtosis as number).toBeCloseTo(moment(returns, 4) / Math.pow(moment(returns, 2), 2), 11)
    }
  }, 180_000)
})
