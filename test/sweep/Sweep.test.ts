/**
 * Sweeps end to end on the real store, DuckDB and Parquet: the leaderboard's bytes do not depend
 * on workers, batch size or incremental growth; each row equals the metrics of the same strategy
 * run as a single experiment; reruns and growth simulate exactly what is new.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { ExperimentMetrics, ExperimentSweep, ExperimentTrades, ExperimentWalkForward } from "../../nodes/contracts/index.js"
import { readRowsParquet } from "../../nodes/parquet/index.js"
import { decodeDefinition, isSweep, runExperiment } from "../../nodes/experiment/index.js"
import { Strategy } from "../../nodes/simulate/index.js"
import type { ExecutorEvent } from "../../pipeline/index.js"
import { executeSweep, expandSweep, strategyAsWritten, type SweepResult, type SweepRunOptions } from "../../nodes/sweep/index.js"
import { smallDefinition } from "../cli-run/support.js"
import { storeLayer, tempStore } from "../experiment/support.js"

const stores: Array<ReturnType<typeof tempStore>> = []
const newStore = () => {
  const store = tempStore("pipeline-sweep-")
  stores.push(store)
  return store.root
}
afterAll(() => stores.forEach((store) => store.cleanup()))

const sweepDefinition = (stops: ReadonlyArray<number>) => ({
  ...smallDefinition({ name: "sweep-test", tokens: 12 }),
  metrics: { bootstrapResamples: 200 },
  sweep: {
    grid: { "stopLoss.pct": stops, "exit.targets[0].multiple": [1.5, 2, 3] },
    random: { count: 3, seed: 5, ranges: { "trailing.pct": { min: 0.05, max: 0.4 } } },
    rank: "sharpe",
    keep: 2,
    overfitting: { blocks: 4 },
    walkForward: { folds: 2, scheme: "anchored" }
  }
})

/** The digests of what a sweep publishes about its winner: overfitting and walk-forward artifacts. */
const trustDigests = (result: { readonly sweep: SweepResult["sweep"] }) => {
  const { overfitting, walkForward } = result.sweep
  return {
    overfitting: overfitting?.artifact.digest,
    pbo: overfitting?.pbo,
    sr0: overfitting?.sr0,
    walkForward: [walkForward?.selection, walkForward?.trades, walkForward?.equity, walkForward?.metrics].map((a) => a?.digest)
  }
}

const runSweep = (root: string, encoded: unknown, options: SweepRunOptions = {}) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const decoded = yield* decodeDefinition(encoded, "sweep.json")
      if (!isSweep(decoded)) return yield* Effect.dieMessage("not a sweep")
      return yield* executeSweep(decoded, encoded, options)
    }).pipe(Effect.provide(storeLayer(root)))
  )

const projectionEvents = (events: ReadonlyArray<ExecutorEvent>) => ({
  acquired: events.filter((e) => e._tag === "ResourceAcquired" && e.node.name === "project").length,
  released: events.filter((e) => e._tag === "ResourceReleased" && e.node.name === "project").length
})

const metricsColumns = ExperimentMetrics.columns.map((column) => column.name)

describe("sweep", () => {
  const full = sweepDefinition([0.1, 0.2, 0.3])
  const rootA = newStore()

  it("leaderboard bytes are the same for any workers, batch size, or incremental growth; reruns simulate nothing", async () => {
    const events: Array<ExecutorEvent> = []
    const onEvent = (event: ExecutorEvent) => Effect.sync(() => void events.push(event))
    const a = await runSweep(rootA, full, { workers: 0, batchSize: 1, onEvent })
    // One projection for the batches and the kept variants: built once, disposed once.
    expect(projectionEvents(events)).toEqual({ acquired: 1, released: 1 })
    expect(a.nodes.find((node) => node.node.name === "project")?.acquired).toBe(true)
    expect(a.sweep.variants).toBe(12)
    expect(a.sweep.simulated).toBe(12)
    expect(a.sweep.leaderboard).toBeDefined()

    const b = await runSweep(newStore(), full, { workers: 2, batchSize: 5 })
    expect(b.sweep.leaderboard!.digest).toBe(a.sweep.leaderboard!.digest)
    expect(a.sweep.overfitting!.combinations).toBe(6) // C(4, 2)
    expect(a.sweep.walkForward!.folds).toBe(2)
    expect(trustDigests(b)).toEqual(trustDigests(a))

    const rootC = newStore()
    const first = await runSweep(rootC, sweepDefinition([0.1, 0.2]), { workers: 1, batchSize: 100 })
    expect(first.sweep.simulated).toBe(9)
    events.length = 0
    const grown = await runSweep(rootC, full, { workers: 1, onEvent })
    expect(projectionEvents(events)).toEqual({ acquired: 1, released: 1 })
    expect(grown.sweep.simulated).toBe(3) // exactly the three new variants (0.3 × three multiples)
    expect(grown.sweep.cached).toBe(9)
    expect(grown.sweep.leaderboard!.digest).toBe(a.sweep.leaderboard!.digest)
    expect(trustDigests(grown)).toEqual(trustDigests(a)) // cached variants' daily pnl and windows read back exactly

    events.length = 0
    const again = await runSweep(rootA, full, { workers: 2, onEvent })
    expect(projectionEvents(events)).toEqual({ acquired: 0, released: 0 })
    expect(again.sweep.simulated).toBe(0)
    expect(again.nodes.find((node) => node.node.name === "sweep")?.cache).toBe("hit")
    expect(again.sweep.leaderboard!.digest).toBe(a.sweep.leaderboard!.digest)
    expect(trustDigests(again)).toEqual(trustDigests(a))
    expect(again.outputs).toEqual(a.outputs)
    expect(again.sweep.top.map((entry) => entry.variantId)).toEqual(a.sweep.top.map((entry) => entry.variantId))
  }, 240_000)

  it("every leaderboard row equals the metrics row of the same strategy run as a single experiment", async () => {
    const result = await runSweep(rootA, full, { workers: 0 })
    const leaderboard = await Effect.runPromise(
      readRowsParquet(ExperimentSweep, result.sweep.leaderboard!.path).pipe(Effect.provide(storeLayer(rootA)))
    )
    expect(leaderboard).toHaveLength(12)
    const decoded = await Effect.runPromise(decodeDefinition(full, "sweep.json"))
    const { variants } = await Effect.runPromise(expandSweep(strategyAsWritten(full), decoded.sweep!))
    // Three variants spread over the id order, plus the best (materialised by the sweep: a cache hit).
    const picked = [variants[0]!, variants[5]!, variants[11]!, variants.find((v) => v.variantId === result.sweep.top[0]!.variantId)!]
    for (const variant of picked) {
      const single = { ...full, name: `single-${variant.variantId}`, sweep: undefined, strategy: Schema.encodeSync(Strategy)(variant.strategy) }
      delete (single as { sweep?: unknown }).sweep
      const outcome = await Effect.runPromise(
        Effect.flatMap(decodeDefinition(single, "single.json"), (definition) => runExperiment(definition, single))
          .pipe(Effect.provide(storeLayer(rootA)))
      )
      const [metrics] = await Effect.runPromise(
        readRowsParquet(ExperimentMetrics, outcome.outputs!.metrics.path).pipe(Effect.provide(storeLayer(rootA)))
      )
      const row = leaderboard.find((r) => r.variant_id === variant.variantId)!
      for (const column of metricsColumns) expect(Object.is(row[column], metrics![column]), column).toBe(true)
      if (variant.variantId === result.sweep.top[0]!.variantId) {
        // The sweep materialised it: the single experiment's simulate and publish were cache hits.
        expect(outcome.nodes.filter((node) => node.cache === "miss").map((node) => node.node.name)).toEqual([])
        expect(outcome.outputs!.metrics.digest).toBe(result.outputs!.metrics.digest)
      }
    }
  }, 240_000)

  it("walk-forward: one row per fold; the stitched trades are the selected variants' trades in each test window", async () => {
    const result = await runSweep(rootA, full, { workers: 0 })
    const walkForward = result.sweep.walkForward!
    const rows = (contract: typeof ExperimentTrades | typeof ExperimentWalkForward | typeof ExperimentMetrics, path: string) =>
      Effect.runPromise(readRowsParquet(contract, path).pipe(Effect.provide(storeLayer(rootA))))
    const folds = await rows(ExperimentWalkForward, walkForward.selection.path)
    const stitched = await rows(ExperimentTrades, walkForward.trades.path)
    const [metrics] = await rows(ExperimentMetrics, walkForward.metrics.path)
    expect(folds.map((fold) => fold.fold)).toEqual([0, 1])
    // Anchored: every fold trains from the start of the range; fold k tests on window k + 1.
    expect(folds.every((fold) => fold.train_from === Date.parse(full.dateRange.from))).toBe(true)
    expect(folds[0]!.test_from).toBe(folds[0]!.train_to)
    expect(folds[1]!.test_from).toBe(folds[0]!.test_to)
    expect(folds[1]!.test_to).toBe(Date.parse(full.dateRange.to))
    for (const fold of folds) {
      const inWindow = stitched.filter((t) => Number(t.alert_ts) >= Number(fold.test_from) && Number(t.alert_ts) < Number(fold.test_to))
      expect(inWindow.length).toBe(fold.oos_trades)
      expect(inWindow.reduce((sum, t) => sum + Number(t.net_pnl), 0)).toBeCloseTo(Number(fold.oos_net_pnl), 9)
    }
    expect(stitched.length).toBe(folds.reduce((sum, fold) => sum + Number(fold.oos_trades), 0))
    expect(metrics!.trades).toBe(stitched.length)
  }, 240_000)
})
