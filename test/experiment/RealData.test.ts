/**
 * End to end on the real candles of test/support/realData.ts (real store, real DuckDB, real Parquet):
 * import all four files, run an experiment with alerts made up for the test, and check the run's
 * status, the outputs (opened with DuckDB's read_parquet) and the lineage back to the imports.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Duck } from "../../nodes/duckdb/index.js"
import { currentProvenance } from "../../nodes/runtime/index.js"
import { decodeDefinition, runExperiment } from "../../nodes/experiment/index.js"
import { importAndPublish } from "../../nodes/import/index.js"
import { ArtifactCatalog, type ArtifactId, ExperimentTracker } from "../../store/index.js"
import { realBtcData } from "../support/realData.js"
import { storeLayer, tempStore } from "./support.js"

const data = realBtcData

const ALERTS = [
  "alert_id,alert_ts,chain,mint,caller",
  "a01,2023-03-02T10:00:00Z,binanceus,BTCUSDT,desk",
  "a02,2023-03-06T14:30:00Z,binanceus,BTCUSDT,desk",
  "a03,2023-03-10T08:00:00Z,binanceus,BTCUSDC,quant",
  "a04,2023-03-11T20:00:00Z,binanceus,BTCUSDC,quant", // the USDC depeg weekend
  "a05,2023-03-13T09:15:00Z,binanceus,BTCUSD,desk",
  "a06,2023-03-15T16:45:00Z,binanceus,BTCUSD,",
  "a07,2023-03-03T00:00:00Z,kraken,BTCUSDC,quant",
  "a08,2023-03-12T12:00:00Z,kraken,BTCUSDC,quant",
  "a09,2023-03-20T23:50:00Z,kraken,BTCUSDC,desk", // near the end of the range
  "a10,2023-03-05T00:00:00Z,binanceus,ETHUSDT,desk", // no candles for this mint
  "a11,2023-02-15T00:00:00Z,binanceus,BTCUSDT,desk" // before the date range
].join("\n")

describe("real data end to end", () => {
  it.live("imports the four real files and runs an experiment with lineage back to them", () => {
    const { root, cleanup } = tempStore("real-data-")
    const alertsFile = `${root}-alerts.csv`
    writeFileSync(alertsFile, ALERTS)
    return Effect.gen(function*() {
      const provenance = yield* currentProvenance
      const imports = [
        { kind: "ohlcv" as const, file: join(data, "binanceus_BTCUSDT_1m.csv"), chain: "binanceus", mint: "BTCUSDT" },
        { kind: "ohlcv" as const, file: join(data, "binanceus_BTCUSDC_1m.csv"), chain: "binanceus", mint: "BTCUSDC" },
        { kind: "ohlcv" as const, file: join(data, "binanceus_BTCUSD_1m.csv"), chain: "binanceus", mint: "BTCUSD" },
        {
          kind: "ohlcv" as const,
          file: join(data, "kraken_BTCUSDC_1m_noheader.csv"),
          chain: "kraken",
          mint: "BTCUSDC",
          columns: ["ts", "open", "high", "low", "close", "volume", "trade_count"],
          tsUnit: "s" as const
        },
        { kind: "alerts" as const, file: alertsFile, name: "made-up" }
      ]
      const imported = yield* Effect.forEach(imports, (source) => importAndPublish({ source, provenance }))
      const rows = imported.map((i) => i.manifest.rowCount)
      expect(rows).toEqual([30_240, 30_240, 30_240, 56_717, 11])
      const kraken = imported[3]!.manifest.metadata as { quality: { gaps: number; intervalS: number } }
      expect(kraken.quality.intervalS).toBe(60)
      const importedIds = imported.map((i) => i.manifest.artifactId)

      const raw = {
        name: "real-btc",
        seed: 7,
        inputs: { alerts: [{ type: "alerts_v1" }], ohlcv: [{ type: "ohlcv_slice_v2" }] },
        dateRange: { from: "2023-03-01T00:00:00Z", to: "2023-03-21T00:00:00Z" },
        strategy: {
          exit: { targets: [{ multiple: 1.01, fraction: 0.5 }, { multiple: 1.03, fraction: 0.5 }], maxHoldCandles: 720 },
          stopLoss: { pct: 0.015 },
          trailing: { activation: 0.005, pct: 0.01 },
          costs: { feeBps: 10, slippageBps: 2 }
        }
      }
      const definition = yield* decodeDefinition(raw, "real-btc")
      const result = yield* runExperiment(definition, raw)

      // The run is recorded as completed, with the resolved inputs frozen.
      const tracker = yield* ExperimentTracker
      const detail = yield* tracker.get(result.experimentId)
      expect(detail.runs.at(-1)!.run.status).toBe("completed")
      expect([...detail.experiment.inputs.ohlcv!, ...detail.experiment.inputs.alerts!].sort()).toEqual([...importedIds].sort())

      // Outputs are Parquet any reader opens.
      const outputs = result.outputs!
      const counts = yield* Effect.scoped(
        Effect.flatMap(Duck.openDatabase(Duck.MEMORY), ({ connection }) =>
          Effect.forEach(Object.values(outputs), (output) =>
            Effect.map(
              Duck.readRowsJson(connection, "SELECT count(*)::INTEGER AS n FROM read_parquet($1)", [output.path]),
              (r) => Number(r[0]!.n)
            )))
      )
      const [trades, metrics, , diagnostics] = counts
      expect(trades).toBe(9) // a01–a09 trade; a10 has no candles, a11 is out of range
      expect(metrics).toBe(1)
      expect(diagnostics).toBeGreaterThanOrEqual(2)
      const codes = yield* Effect.scoped(
        Effect.flatMap(Duck.openDatabase(Duck.MEMORY), ({ connection }) =>
          Duck.readRowsJson(connection, "SELECT alert_id, code FROM read_parquet($1) ORDER BY alert_id, code", [
            outputs.diagnostics.path
          ]))
      )
      expect(codes).toContainEqual({ alert_id: "a10", code: "no_candles" })
      expect(codes).toContainEqual({ alert_id: "a11", code: "out_of_range" })

      // Lineage: every output reaches the imported artifacts it was computed from.
      const catalog = yield* ArtifactCatalog
      for (const output of Object.values(outputs)) {
        const graph = yield* catalog.lineage(output.artifactId)
        const ids = new Set(graph.nodes.map((n) => n.artifactId))
        for (const id of importedIds) expect(ids.has(id as ArtifactId)).toBe(true)
      }
    }).pipe(
      Effect.provide(storeLayer(root)),
      Effect.ensuring(Effect.sync(() => {
        cleanup()
        rmSync(alertsFile, { force: true })
      }))
    )
  }, 180_000)
})
