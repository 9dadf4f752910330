/**
 * Rows remembered from the row writer (nodes/parquet/KnownRows.ts) must be exactly what reading
 * the written file back gives — values, columns and order — and anything whose round trip is not
 * plain must not be remembered at all (then the file is read).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ContractRow, ExperimentDiagnostics, ExperimentFills, ExperimentTrades } from "../../nodes/contracts/index.js"
import { DuckWorkspace } from "../../nodes/duckdb/index.js"
import { readArtifactRows, readRows, writeRows } from "../../nodes/parquet/index.js"
import { rememberedRows, rememberRows } from "../../nodes/parquet/KnownRows.js"
import { ArtifactCatalog, type ArtifactId, StoreMemory } from "../../store/index.js"
import { tradeRows } from "./fixtures/tradeRows.js"

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "known-rows-test-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** Unsorted, with NULLs, unicode (above U+FFFF too), fractional milliseconds and an extra field. */
const trades = tradeRows(300).map((row, k) => ({
  ...row,
  trade_id: k % 7 === 0 ? `${row.trade_id}\u{1F600}` : k % 11 === 0 ? `${row.trade_id}\uFF21` : row.trade_id,
  alert_ts: row.alert_ts + 0.4,
  entry_ts: row.entry_ts + 0.6,
  extra: k
}))

let ids = 0
const freshId = () => `art_${(++ids).toString(16).padStart(64, "0")}` as ArtifactId

describe("KnownRows", () => {
  it.live("remembers exactly the rows readRows gives back for the written file", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const path = join(dir, "trades.parquet")
        yield* writeRows(ExperimentTrades, trades, path)
        const fromFile = yield* readRows(ExperimentTrades, path)
        const id = freshId()
        rememberRows(id, ExperimentTrades, trades)
        const remembered = rememberedRows(id, ExperimentTrades)
        expect(remembered).toBeDefined()
        expect(remembered).toStrictEqual(fromFile)
        // Key order too: the rows are objects of the contract's columns, in its order.
        expect(Object.keys(remembered![0]!)).toStrictEqual(Object.keys(fromFile[0]!))
        // Only under its own contract.
        expect(rememberedRows(id, ExperimentFills)).toBeUndefined()
      }).pipe(Effect.provide(DuckWorkspace.layer))))

  it("keeps nothing of a table whose round trip is not plain", () => {
    const base = trades.slice(0, 20)
    const cases: ReadonlyArray<readonly [string, ReadonlyArray<Readonly<Record<string, unknown>>>]> = [
      ["a negative-zero DOUBLE", base.map((row, i) => (i === 3 ? { ...row, gross_pnl: -0 } : row))],
      ["a NaN DOUBLE", base.map((row, i) => (i === 3 ? { ...row, fees: Number.NaN } : row))],
      ["a non-integer INTEGER", base.map((row, i) => (i === 3 ? { ...row, hold_candles: 1.5 } : row))],
      ["a lone surrogate", base.map((row, i) => (i === 3 ? { ...row, mint: "M\uD800x" } : row))],
      ["two rows alike on every sort key", [...base, base[5]!]],
      ["a NULL in a NOT NULL column", base.map((row, i) => (i === 3 ? { ...row, chain: null } : row))]
    ]
    for (const [what, rows] of cases) {
      const id = freshId()
      rememberRows(id, ExperimentTrades, rows)
      expect(rememberedRows(id, ExperimentTrades), what).toBeUndefined()
    }
    const id = freshId()
    rememberRows(id, ExperimentTrades, base)
    expect(rememberedRows(id, ExperimentTrades)).toHaveLength(20)
  })

  it.effect("readArtifactRows answers from remembered rows without the catalog or the file", () =>
    Effect.gen(function*() {
      const id = freshId()
      const rows: Array<ContractRow<typeof ExperimentDiagnostics>> = [
        { alert_id: "b", level: "warning", code: "no_candles", message: "none" },
        { alert_id: "a", level: "info", code: "sparse_coverage", message: "few" }
      ]
      rememberRows(id, ExperimentDiagnostics, rows)
      const read = yield* readArtifactRows(id, ExperimentDiagnostics)
      expect(read.map((row) => row.alert_id)).toStrictEqual(["a", "b"])
      // Not remembered: the catalog is asked, and has no such artifact.
      const missing = yield* Effect.flip(readArtifactRows(freshId(), ExperimentDiagnostics))
      expect(missing._tag).toBe("ArtifactNotFound")
      expect(yield* ArtifactCatalog).toBeDefined()
    }).pipe(Effect.provide(StoreMemory.layer), Effect.provide(DuckWorkspace.layer)))
})
