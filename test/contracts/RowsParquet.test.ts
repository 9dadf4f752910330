/**
 * JS rows ⇄ canonical Parquet through the process's DuckDB workspace: the fast path (typed TEMP
 * table, plain ordered COPY) must give the very bytes of the general canonical writer, and rows
 * must come back as they went in.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ContractRow, ExperimentFills, ExperimentTrades } from "../../nodes/contracts/index.js"
import { readRows, writeCanonicalParquet, writeRows } from "../../nodes/parquet/index.js"
import { Duck, DuckWorkspace } from "../../nodes/duckdb/index.js"
import { hashFile } from "../../store/Digest.js"
import { T0, tradeRows } from "./fixtures/tradeRows.js"

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "rows-parquet-test-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** Enough rows for two data chunks (2,048 rows each), unsorted, with NULLs and unicode. */
const trades = tradeRows(2500)

const sortedLikeContract = [...trades].sort((a, b) =>
  a.entry_ts - b.entry_ts || (a.trade_id < b.trade_id ? -1 : a.trade_id > b.trade_id ? 1 : 0)
)

describe("writeRows / readRows", () => {
  it.live("writes the same bytes as writeCanonicalParquet and reads the rows back in contract order", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const fast = join(dir, "fast.parquet")
        const general = join(dir, "general.parquet")
        const { rowCount } = yield* writeRows(ExperimentTrades, trades, fast)
        expect(rowCount).toBe(trades.length)

        // The general path: the same rows through a JSON file and the guarded canonical SELECT.
        yield* Effect.scoped(
          Effect.gen(function*() {
            const db = yield* Duck.openDatabase(Duck.MEMORY, { threads: 1 })
            yield* Duck.run(db.connection, ExperimentTrades.ddl("staged"))
            const json = join(dir, "rows.json")
            writeFileSync(
              json,
              JSON.stringify(trades.map((row) => ({
                ...row,
                alert_ts: new Date(row.alert_ts).toISOString(),
                entry_ts: new Date(row.entry_ts).toISOString(),
                exit_ts: new Date(row.exit_ts).toISOString()
              })))
            )
            yield* Duck.run(db.connection, `INSERT INTO staged SELECT * FROM read_json($1, format = 'array', columns = {${
              ExperimentTrades.columns.map((c) => `${c.name}: '${c.duckdbType}'`).join(", ")
            }})`, [json])
            yield* writeCanonicalParquet(db.connection, ExperimentTrades, "SELECT * FROM staged", [], general)
          })
        )
        expect(yield* hashFile(fast)).toBe(yield* hashFile(general))

        const back = yield* readRows(ExperimentTrades, fast)
        expect(back).toEqual(sortedLikeContract)
      })
    ).pipe(Effect.provide(DuckWorkspace.layer)))

  it.live("a NULL in a NOT NULL column is refused with the column and row named, and leaves no file", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const path = join(dir, "bad.parquet")
        const rows = [
          { trade_id: "t", seq: 0, side: "buy", ts: T0, price: 1, quantity: 1, fee: 0, pnl: 0, reason: "entry" },
          { trade_id: "t", seq: 1, side: null, ts: T0, price: 1, quantity: 1, fee: 0, pnl: 0, reason: "stop" }
        ]
        // @ts-expect-error -- side is NOT NULL: the row type refuses it; the writer must too
        const error = yield* Effect.flip(writeRows(ExperimentFills, rows, path))
        expect(error.message).toContain("NULL in NOT NULL column side (row 1)")
        expect(existsSync(path)).toBe(false)
      })
    ).pipe(Effect.provide(DuckWorkspace.layer)))

  it.live("concurrent writes on the one workspace keep their rows apart", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const fills = (trade: string) =>
          Array.from({ length: 300 }, (_, seq): ContractRow<typeof ExperimentFills> => ({
            trade_id: trade,
            seq,
            side: seq === 0 ? "buy" : "sell",
            ts: T0 + seq * 60_000,
            price: 1 + seq,
            quantity: 1,
            fee: 0.001,
            pnl: seq,
            reason: seq === 0 ? "entry" : "target"
          }))
        const names = Array.from({ length: 8 }, (_, i) => `trade-${i}`)
        yield* Effect.forEach(names, (name) => writeRows(ExperimentFills, fills(name), join(dir, `${name}.parquet`)), {
          concurrency: "unbounded"
        })
        for (const name of names) {
          const back = yield* readRows(ExperimentFills, join(dir, `${name}.parquet`))
          expect(back).toEqual(fills(name))
        }
      })
    ).pipe(Effect.provide(DuckWorkspace.layer)))
})
