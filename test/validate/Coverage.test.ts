/**
 * validate's coverage table against hand-made inputs in the real store: counts in the hour before
 * and after each in-range alert, window edges, gaps, a mint with no candles, one mint on two chains,
 * and a repeated alert row (counted once per row, never doubled).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { AlertsV1, ExperimentCoverage, OhlcvSliceV2 } from "../../nodes/contracts/index.js"
import { readRowsParquet, writeCanonicalParquet } from "../../nodes/parquet/index.js"
import { workspaceConnection } from "../../nodes/duckdb/index.js"
import { engineVersions } from "../../nodes/runtime/index.js"
import { publishFile } from "../../nodes/parquet/index.js"
import { rememberedRows } from "../../nodes/parquet/KnownRows.js"
import { validateNode } from "../../nodes/validate/index.js"
import { execute } from "../../pipeline/index.js"
import { ArtifactCatalog, ObjectStore } from "../../store/index.js"
import { storeLayer, tempStore } from "../experiment/support.js"

const T = Date.parse("2024-03-01T12:00:00Z")
const MIN = 60_000
const iso = (ms: number) => new Date(ms).toISOString()

/** Candles of one series at the given minute offsets from T. */
const candles = (chain: string, mint: string, minutes: ReadonlyArray<number>) =>
  minutes.map((m) => `('${chain}', '${mint}', TIMESTAMP '${iso(T + m * MIN).replace("T", " ").replace("Z", "")}', 60, 1, 1, 1, 1, 1)`)

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

const stage = (contract: typeof AlertsV1 | typeof OhlcvSliceV2, valuesSql: string, logicalKey: string) =>
  Effect.scoped(
    Effect.gen(function*() {
      const objects = yield* ObjectStore
      const file = yield* objects.scratchPath(".parquet")
      const columns = contract.columns.map((c) => c.name).join(", ")
      const { rowCount } = yield* Effect.scoped(
        Effect.flatMap(workspaceConnection, (conn) =>
          writeCanonicalParquet(conn, contract, `SELECT * FROM (VALUES ${valuesSql}) v(${columns})`, [], file))
      )
      return yield* publishFile({
        contract,
        file,
        rowCount,
        minTs: null,
        maxTs: null,
        logicalKey,
        inputs: [],
        producedBy: { node: "test", key: `blake3:${"0".repeat(64)}` }
      })
    })
  )

describe("validate: coverage", () => {
  it.live("counts candles in [alert − 1h, alert) and [alert, alert + 1h) per alert row", () => {
    const { root, cleanup } = tempStore()
    return Effect.gen(function*() {
      const alertTs = (m: number) => `TIMESTAMP '${iso(T + m * MIN).replace("T", " ").replace("Z", "")}'`
      const alerts = yield* stage(
        AlertsV1,
        [
          `('full', ${alertTs(0)}, 'sol', 'FULL', NULL)`,
          `('gappy', ${alertTs(0)}, 'sol', 'GAP', 'c')`,
          `('none', ${alertTs(0)}, 'sol', 'NONE', NULL)`,
          `('eth-side', ${alertTs(0)}, 'eth', 'FULL', NULL)`,
          `('twice', ${alertTs(30)}, 'sol', 'FULL', NULL)`,
          `('twice', ${alertTs(30)}, 'sol', 'FULL', NULL)`,
          `('late', ${alertTs(24 * 60)}, 'sol', 'FULL', NULL)`
        ].join(", "),
        "alerts/coverage-test"
      )
      const ohlcv = yield* stage(
        OhlcvSliceV2,
        [
          // Every minute from −90 to +89: the hour windows hold exactly 60 each (edges: −60 in, +60 out).
          ...candles("sol", "FULL", range(-90, 90)),
          // Only 10 candles before and 5 after.
          ...candles("sol", "GAP", [...range(-10, 0), ...range(0, 5)]),
          // The same mint name on another chain: 3 candles, all after.
          ...candles("eth", "FULL", [1, 2, 3])
        ].join(", "),
        "ohlcv/coverage-test"
      )
      const node = validateNode({
        alerts: [alerts.artifactId],
        ohlcv: [ohlcv.artifactId],
        dateRange: { from: iso(T - 60 * MIN), to: iso(T + 12 * 60 * MIN) }
      })
      const report = yield* execute([node], { engine: yield* engineVersions })
      const coverage = report.of(node).outputs!.coverage
      const catalog = yield* ArtifactCatalog
      const rows = yield* readRowsParquet(ExperimentCoverage, yield* catalog.dataPath(coverage.artifactId))
      const summary = rows.map((r) => [r.alert_id, r.chain, r.candles_total, r.candles_hour_before, r.candles_hour_after, r.expected_per_hour])
      expect(summary).toEqual([
        ["eth-side", "eth", 3, 0, 3, 60],
        ["full", "sol", 180, 60, 60, 60],
        ["gappy", "sol", 15, 10, 5, 60],
        ["none", "sol", 0, 0, 0, 0],
        // Minutes −30..29 before, 30..89 after: 60 and 60, for each of the two identical rows.
        ["twice", "sol", 180, 60, 60, 60],
        ["twice", "sol", 180, 60, 60, 60]
        // 'late' is out of the date range: no row.
      ])
      // validate keeps the rows it wrote, for the publishes of this process (KnownRows.ts).
      expect(rememberedRows(coverage.artifactId, ExperimentCoverage)).toStrictEqual(rows)
    }).pipe(Effect.provide(storeLayer(root)), Effect.ensuring(Effect.sync(cleanup)))
  })
})
