/**
 * Reading a sweep leaderboard for the report, on the real store, DuckDB and Parquet: its parameter
 * columns come from the file's own schema (whatever the sweep swept), a hostile text value comes
 * back as plain data, and files of another shape fail naming the artifact and the column. The
 * store lives under a directory whose name holds glob characters, so every read must pass the
 * path literally.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ColumnDef, type Contract, defineContract, ExperimentMetrics, type JsRowOf, sweepLeaderboardContract } from "../../nodes/contracts/index.js"
import { publishRows } from "../../nodes/parquet/index.js"
import { loadLeaderboard, ReportDataError } from "../../nodes/report/index.js"
import { storeLayer, tempStore } from "../experiment/support.js"
import { sampleInput } from "./fixtures.js"

const store = tempStore("pipeline-report-[lb]*?-")
afterAll(() => store.cleanup())

const HOSTILE = `<script>alert("x")</script>`
const KEY = `blake3:${"0".repeat(64)}`
const metrics = (sharpe: number | null) => ({ ...sampleInput().metrics!, sharpe })
/** The leaderboard's columns after the metrics: return moments and Deflated Sharpe (not read by the report). */
const deflated = { return_skew: null, return_kurtosis: null, psr0: null, dsr: null, sr0: null, trials: 1 }

const publish = <Cols extends ReadonlyArray<ColumnDef>>(
  contract: Contract<Cols>,
  rows: ReadonlyArray<JsRowOf<Cols>>,
  logicalKey: string
) =>
  publishRows({ contract, rows, logicalKey, inputs: [], producedBy: { node: "sweep", key: KEY } })

describe("loadLeaderboard", () => {
  it.effect("reads the parameter columns from the file, in its order and types, and every row", () =>
    Effect.gen(function*() {
      const contract = sweepLeaderboardContract([
        { path: "stopLoss.pct", duckdbType: "DOUBLE" },
        { path: "intrabar", duckdbType: "VARCHAR" },
        { path: "exit.targets[1].multiple", duckdbType: "DOUBLE" },
        { path: "flags.on", duckdbType: "BOOLEAN" }
      ])
      const manifest = yield* publish(contract, [
        { variant_id: "var_b", "stopLoss.pct": 0.2, intrabar: HOSTILE, "exit.targets[1].multiple": null, "flags.on": true, ...metrics(null), ...deflated },
        { variant_id: "var_a", "stopLoss.pct": 0.1, intrabar: "stop-first", "exit.targets[1].multiple": 3, "flags.on": false, ...metrics(1.5), ...deflated }
      ], "sweep/test-1")
      const { parameters, rows } = yield* loadLeaderboard(manifest.artifactId)
      expect(parameters).toEqual([
        { path: "stopLoss.pct", duckdbType: "DOUBLE" },
        { path: "intrabar", duckdbType: "VARCHAR" },
        { path: "exit.targets[1].multiple", duckdbType: "DOUBLE" },
        { path: "flags.on", duckdbType: "BOOLEAN" }
      ])
      expect(rows.map((row) => [row.variantId, row.parameters, row.metrics.sharpe, row.metrics.trades])).toEqual([
        ["var_a", { "stopLoss.pct": 0.1, intrabar: "stop-first", "exit.targets[1].multiple": 3, "flags.on": false }, 1.5, 4],
        ["var_b", { "stopLoss.pct": 0.2, intrabar: HOSTILE, "exit.targets[1].multiple": null, "flags.on": true }, null, 4]
      ])
    }).pipe(Effect.provide(storeLayer(store.root))))

  it.effect("a parameter column of another type: ReportDataError naming the artifact and the column", () =>
    Effect.gen(function*() {
      const contract = defineContract({
        type: "experiment_sweep",
        schemaVersion: 1,
        description: "a leaderboard with an INTEGER parameter",
        columns: [
          { name: "variant_id", duckdbType: "VARCHAR", nullable: false, description: "" },
          { name: "entry.delayCandles", duckdbType: "INTEGER", nullable: true, description: "" },
          ...(ExperimentMetrics.columns as ReadonlyArray<ColumnDef>)
        ],
        sortKeys: ["variant_id"],
        pathColumns: true
      })
      const manifest = yield* publish(contract, [{ variant_id: "var_a", "entry.delayCandles": 2, ...metrics(1) }], "sweep/test-2")
      const error = yield* Effect.flip(loadLeaderboard(manifest.artifactId))
      expect(error).toBeInstanceOf(ReportDataError)
      expect(error.message).toContain(manifest.artifactId)
      expect(error.message).toContain("parameter column entry.delayCandles is INTEGER, expected DOUBLE, VARCHAR or BOOLEAN")
    }).pipe(Effect.provide(storeLayer(store.root))))

  it.effect("an artifact of another type: ReportDataError", () =>
    Effect.gen(function*() {
      const manifest = yield* publish(ExperimentMetrics, [metrics(1)], "metrics/test-3")
      const error = yield* Effect.flip(loadLeaderboard(manifest.artifactId))
      expect(error).toBeInstanceOf(ReportDataError)
      expect(error.message).toContain("expected an artifact of type experiment_sweep")
    }).pipe(Effect.provide(storeLayer(store.root))))
})
