/**
 * The probability of backtest overfitting end to end, on a synthetic market whose alerts come at
 * random times (random-entry strategies: noise): a sweep of noise variants lands near 0.5; the
 * same sweep with one variant that pays no costs while the others pay heavy fees (a strongly
 * dominant variant) lands near 0, with that variant best in sample in every combination.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ExperimentOverfitting } from "../../nodes/contracts/index.js"
import { readRowsParquet } from "../../nodes/parquet/index.js"
import { currentProvenance } from "../../nodes/runtime/index.js"
import { decodeDefinition, isSweep } from "../../nodes/experiment/index.js"
import { importAndPublish } from "../../nodes/import/index.js"
import { executeSweep } from "../../nodes/sweep/index.js"
import { generateSynthetic, makeSyntheticConfig } from "../../nodes/synthetic/index.js"
import { storeLayer, tempStore } from "../experiment/support.js"

const store = tempStore("pipeline-overfitting-")
afterAll(() => store.cleanup())

const DAYS = 16
let inputs: { readonly alerts: ReadonlyArray<string>; readonly ohlcv: ReadonlyArray<string> } = { alerts: [], ohlcv: [] }

// A market whose alerts come at random times: 99.9% false alarms (a pump is alerted 1 time in 1,000).
beforeAll(async () => {
  const ohlcvPath = `${store.root}-ohlcv.parquet`
  const alertsPath = `${store.root}-alerts.parquet`
  const config = makeSyntheticConfig({ tokens: 24, days: DAYS, seed: 11, alertedPumpRate: 0.001, falseAlarmRate: 0.999 })
  await Effect.runPromise(Effect.gen(function*() {
    yield* generateSynthetic(config, { ohlcvPath, alertsPath })
    const provenance = yield* currentProvenance
    const [ohlcv, alerts] = yield* Effect.forEach([
      { kind: "ohlcv" as const, file: ohlcvPath, logicalKey: "random-entry/ohlcv" },
      { kind: "alerts" as const, file: alertsPath, name: "random-entry" }
    ], (source) => importAndPublish({ source, provenance }))
    inputs = { alerts: [alerts!.manifest.artifactId], ohlcv: [ohlcv!.manifest.artifactId] }
  }).pipe(Effect.provide(storeLayer(store.root))))
}, 120_000)

const noiseDefinition = (name: string, sweep: Record<string, unknown>) => ({
  name,
  seed: 42,
  inputs,
  dateRange: { from: "2024-01-01T00:00:00Z", to: new Date(Date.parse("2024-01-01T00:00:00Z") + DAYS * 86_400_000).toISOString() },
  metrics: { bootstrapResamples: 0 },
  strategy: {
    entry: { delayCandles: 0 },
    exit: { targets: [{ multiple: 1.5, fraction: 1 }], maxHoldCandles: 240 },
    stopLoss: { pct: 0.2 },
    costs: { feeBps: 0, slippageBps: 0 },
    sizing: { notional: 10, initialCapital: 1000 }
  },
  sweep: { ...sweep, keep: 0, overfitting: { blocks: 8 } }
})

const runSweep = (encoded: unknown) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const decoded = yield* decodeDefinition(encoded, "sweep.json")
      if (!isSweep(decoded)) return yield* Effect.dieMessage("not a sweep")
      const result = yield* executeSweep(decoded, encoded, { workers: 1 })
      const rows = yield* readRowsParquet(ExperimentOverfitting, result.sweep.overfitting!.artifact.path)
      return { result, rows }
    }).pipe(Effect.provide(storeLayer(store.root)))
  )

describe("probability of backtest overfitting, end to end", () => {
  it("noise variants land near 0.5; one dominant variant near 0", async () => {
    const noise = await runSweep(noiseDefinition("pbo-noise", {
      // The same rules entered at different delays: each variant another draw of random entries.
      grid: { "entry.delayCandles": [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377] }
    }))
    expect(noise.rows).toHaveLength(70) // C(8, 4)
    const pbo = noise.result.sweep.overfitting!.pbo!
    expect(pbo).toBeGreaterThan(0.2)
    expect(pbo).toBeLessThan(0.8)

    const dominant = await runSweep(noiseDefinition("pbo-dominant", {
      variants: [
        { "costs.feeBps": 0 },
        ...[0, 3, 7, 15, 30, 60, 90].map((delay) => ({ "costs.feeBps": 400, "entry.delayCandles": delay }))
      ]
    }))
    const best = dominant.result.sweep.top[0]!.variantId
    expect(dominant.result.sweep.overfitting!.pbo).toBeLessThan(0.1)
    expect(dominant.rows.filter((row) => row.best_variant_id === best).length).toBeGreaterThan(60)
  }, 300_000)
})
