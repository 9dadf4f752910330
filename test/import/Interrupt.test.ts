/**
 * Interrupting an import at any point leaves no output file and releases DuckDB cleanly.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duck } from "../../nodes/duckdb/index.js"
import { importFile } from "../../nodes/import/index.js"

describe("import interruption", () => {
  it.live("an interrupted import writes nothing", () =>
    Effect.acquireUseRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "import-interrupt-"))),
      (dir) =>
        Effect.gen(function* () {
          const file = join(dir, "big.csv")
          yield* Effect.scoped(
            Effect.flatMap(Duck.openDatabase(Duck.MEMORY), (db) =>
              Duck.run(
                db.connection,
                `COPY (SELECT strftime(TIMESTAMP '2020-01-01' + to_minutes(i), '%Y-%m-%d %H:%M:%S+00:00') AS open_time,
                              1.0 AS open, 2.0 AS high, 0.5 AS low, 1.5 AS close, i % 5 AS volume
                       FROM range(600000) t(i)) TO $1 (HEADER, DELIMITER ',')`,
                [file]
              )
            )
          )
          for (const [i, delay] of [50, 400].entries()) {
            const output = join(dir, `out-${i}.parquet`)
            const fiber = yield* Effect.fork(importFile({ kind: "ohlcv", file, chain: "c", mint: "m", output }))
            yield* Effect.sleep(`${delay} millis`)
            const exit = yield* Fiber.interrupt(fiber)
            expect(Exit.isInterrupted(exit)).toBe(true)
            expect(existsSync(output)).toBe(false)
          }
          // Uninterrupted, the same import succeeds (the interrupted ones were not slow by accident).
          const result = yield* importFile({ kind: "ohlcv", file, chain: "c", mint: "m", output: join(dir, "ok.parquet") })
          expect(result.rowCount).toBe(600_000)
        }),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ), 120_000)
})
