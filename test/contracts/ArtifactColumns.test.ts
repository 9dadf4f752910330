/**
 * An artifact's Parquet columns against its contract (what validate, the projection, publish and
 * report check before reading): a missing column, a column of another type and a column the
 * contract does not have are each named, with the artifact and its type.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import { AlertsV1, ExperimentDiagnostics, ExperimentMetrics, OhlcvSliceV2 } from "../../nodes/contracts/index.js"
import { columnMismatch, contractDataPath } from "../../nodes/contracts/ArtifactColumns.js"
import { Duck, workspaceConnection } from "../../nodes/duckdb/index.js"
import { publishRows, readRows } from "../../nodes/parquet/index.js"
import { ArtifactCatalog, ObjectStore } from "../../store/index.js"
import { storeAt, tempDir } from "../gc/support.js"

const alertsColumns = [
  { name: "alert_id", type: "VARCHAR" },
  { name: "alert_ts", type: "TIMESTAMP" },
  { name: "chain", type: "VARCHAR" },
  { name: "mint", type: "VARCHAR" },
  { name: "caller", type: "VARCHAR" }
]

describe("artifact columns", () => {
  it("columnMismatch names the first missing, mistyped or extra column", () => {
    expect(columnMismatch(AlertsV1, alertsColumns)).toBeUndefined()
    expect(columnMismatch(AlertsV1, alertsColumns.filter((c) => c.name !== "mint"))).toEqual({
      column: "mint",
      problem: "is missing (the file has: alert_id, alert_ts, chain, caller)"
    })
    expect(columnMismatch(AlertsV1, alertsColumns.map((c) => (c.name === "alert_ts" ? { ...c, type: "VARCHAR" } : c)))).toEqual({
      column: "alert_ts",
      problem: "is VARCHAR, expected TIMESTAMP"
    })
    expect(columnMismatch(AlertsV1, [...alertsColumns, { name: "extra", type: "DOUBLE" }])).toEqual({
      column: "extra",
      problem: "is not a column of this type"
    })
  })

  it.live("contractDataPath fails ArtifactSchemaMismatch for an alerts file filed as candles, and returns the path of a right one", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = path.join(yield* tempDir("columns-"), "store")
        yield* Effect.gen(function* () {
          const objects = yield* ObjectStore
          const catalog = yield* ArtifactCatalog
          const file = yield* objects.scratchPath(".parquet")
          yield* Effect.scoped(
            Effect.flatMap(workspaceConnection, (connection) =>
              Duck.run(
                connection,
                `COPY (SELECT 'a1' AS alert_id, TIMESTAMP '2024-01-01' AS alert_ts, 'solana' AS chain, 'M' AS mint, NULL::VARCHAR AS caller) TO '${file}' (FORMAT parquet)`
              )
            )
          )
          const common = {
            file,
            rowCount: 1,
            minTs: null,
            maxTs: null,
            inputs: [],
            producedBy: { node: "test", key: "blake3:test" },
            provenance: { engineVersion: "t", duckdbVersion: "t", git: { commit: null, dirty: false } }
          }
          const alerts = yield* catalog.publish({ ...common, type: "alerts_v1", schemaVersion: 1, logicalKey: "a" })
          const filedAsCandles = yield* catalog.publish({ ...common, type: "ohlcv_slice_v2", schemaVersion: 2, logicalKey: "c" })
          expect(yield* contractDataPath(alerts.artifactId, AlertsV1)).toBe(yield* objects.path(alerts.digest))
          const error = yield* Effect.flip(contractDataPath(filedAsCandles.artifactId, OhlcvSliceV2))
          expect(error).toMatchObject({
            _tag: "ArtifactSchemaMismatch",
            artifactId: filedAsCandles.artifactId,
            type: "ohlcv_slice_v2",
            column: "ts"
          })
          expect(error.message).toContain(`artifact ${filedAsCandles.artifactId} (ohlcv_slice_v2)`)
          // A check that passed is remembered for that artifact and those columns only.
          expect(yield* contractDataPath(alerts.artifactId, AlertsV1)).toBe(yield* objects.path(alerts.digest))
          expect(yield* Effect.flip(contractDataPath(alerts.artifactId, OhlcvSliceV2))).toMatchObject({
            _tag: "ArtifactSchemaMismatch",
            artifactId: alerts.artifactId
          })
        }).pipe(Effect.provide(storeAt(root)))
      })
    )
  )
  it.live("a table written by publishRows reads back through contractDataPath; against other columns it is still a mismatch", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = path.join(yield* tempDir("columns-rows-"), "store")
        yield* Effect.gen(function* () {
          const rows = [{ alert_id: "a1", level: "warning" as const, code: "no_candles" as const, message: "none" }]
          const published = yield* publishRows({
            contract: ExperimentDiagnostics,
            rows,
            logicalKey: "diagnostics/x",
            inputs: [],
            producedBy: { node: "test", key: "blake3:test" }
          })
          const dataPath = yield* contractDataPath(published.artifactId, ExperimentDiagnostics)
          expect(yield* readRows(ExperimentDiagnostics, dataPath)).toEqual(rows)
          expect(yield* Effect.flip(contractDataPath(published.artifactId, ExperimentMetrics))).toMatchObject({
            _tag: "ArtifactSchemaMismatch",
            artifactId: published.artifactId,
            type: "experiment_metrics"
          })
        }).pipe(Effect.provide(storeAt(root)))
      })
    )
  )
})
