/**
 * NUL and the other C0 control characters (tab excepted) are refused in the text columns of
 * imported rows (alert_id, chain, mint, caller), like in experiment names: each is a problem naming
 * row, column, code point and position (never echoing the character), and nothing is written.
 * The same rule holds for option values (chain, mint, name, logical key).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duck } from "../../nodes/duckdb/index.js"
import {
  importFile,
  type ImportOptions,
  ImportOptionsError,
  ImportSource,
  ImportValidationError
} from "../../nodes/import/index.js"

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "import-controls-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

type WithoutPaths<T> = T extends unknown ? Omit<T, "file" | "output"> : never

/** Imports `content` (written to `name`); returns the failure and whether an output was left. */
const failing = (name: string, content: string | ((file: string) => Effect.Effect<unknown, unknown>), options: WithoutPaths<ImportOptions>) =>
  withTempDir((dir) =>
    Effect.gen(function* () {
      const file = join(dir, name)
      const output = join(dir, "out.parquet")
      if (typeof content === "string") writeFileSync(file, content)
      else yield* Effect.orDie(content(file))
      const error = yield* Effect.flip(importFile({ ...options, file, output } as ImportOptions))
      expect(existsSync(output)).toBe(false)
      return error
    })
  )

const ALERTS_HEADER = "alert_id,alert_ts,chain,mint,caller"

describe("control characters in imported values", () => {
  it.live("alerts: NUL in mint, ESC in chain, U+0001 in caller and alert_id are refused by row and column; tab is allowed", () =>
    Effect.gen(function* () {
      const error = yield* failing(
        "alerts.csv",
        [
          ALERTS_HEADER,
          "a1,2024-01-01T00:00:00Z,solana,MI\u0000NT,bob",
          "a2,2024-01-01T00:01:00Z,sol\u001bana,M2,\u0001x",
          "a3,2024-01-01T00:02:00Z,solana,M3,tab\there",
          "a\u00014,2024-01-01T00:03:00Z,solana,M4,"
        ].join("\n") + "\n",
        { kind: "alerts" }
      )
      expect(error).toBeInstanceOf(ImportValidationError)
      const validation = error as ImportValidationError
      expect(validation.totalProblems).toBe(4)
      expect(validation.problems).toEqual([
        { row: 2, column: "mint", message: "control character U+0000 at character 3 is not allowed (tab is the only one)" },
        { row: 3, column: "chain", message: "control character U+001B at character 4 is not allowed (tab is the only one)" },
        { row: 3, column: "caller", message: "control character U+0001 at character 1 is not allowed (tab is the only one)" },
        { row: 5, column: "alert_id", message: "control character U+0001 at character 2 is not allowed (tab is the only one)" }
      ])
      // The message names the characters, never carries them (its newlines separate problems).
      expect(validation.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/)
    }))

  it.live("ohlcv: a NUL in the mint column, named by the file's header", () =>
    Effect.gen(function* () {
      const error = yield* failing(
        "candles.csv",
        ["ts,symbol,open,high,low,close,volume", "2024-01-01T00:00:00Z,BTC\u0000,1,2,0.5,1.5,3", "2024-01-01T00:01:00Z,BTC,1,2,0.5,1.5,3"]
          .join("\n") + "\n",
        { kind: "ohlcv", chain: "c", intervalS: 60 }
      )
      expect(error).toBeInstanceOf(ImportValidationError)
      expect((error as ImportValidationError).problems).toEqual([
        { row: 2, column: "symbol", message: "control character U+0000 at character 4 is not allowed (tab is the only one)" }
      ])
    }))

  it.live("a Parquet source: the same rule", () =>
    Effect.gen(function* () {
      const error = yield* failing(
        "alerts.parquet",
        (file) =>
          Effect.scoped(
            Effect.flatMap(Duck.openDatabase(Duck.MEMORY, { threads: 1 }), (db) =>
              Duck.run(
                db.connection,
                `COPY (SELECT 'a' || i AS alert_id, TIMESTAMP '2024-01-01' + i * INTERVAL 1 MINUTE AS alert_ts, 'solana' AS chain,
                              CASE WHEN i = 2 THEN 'M' || chr(10) ELSE 'M' END AS mint FROM range(4) t(i)) TO '${file}' (FORMAT parquet)`
              ))
          ),
        { kind: "alerts" }
      )
      expect(error).toBeInstanceOf(ImportValidationError)
      expect((error as ImportValidationError).problems).toEqual([
        { row: 3, column: "mint", message: "control character U+000A at character 2 is not allowed (tab is the only one)" }
      ])
    }))

  it.live("option values: refused by importFile (ImportOptionsError) and by the options Schema", () =>
    Effect.gen(function* () {
      const error = yield* failing(
        "candles.csv",
        "ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,3\n",
        { kind: "ohlcv", chain: "c", mint: "M\u0000" }
      )
      expect(error).toBeInstanceOf(ImportOptionsError)
      expect(error).toMatchObject({ option: "mint", reason: "control character U+0000 is not allowed (tab is the only one)" })
      const decoded = Schema.decodeUnknownEither(ImportSource)({ kind: "alerts", file: "x.csv", chain: "so\u001bl" })
      expect(decoded._tag).toBe("Left")
      expect(Schema.decodeUnknownEither(ImportSource)({ kind: "alerts", file: "x.csv", chain: "so\tl" })._tag).toBe("Right")
    }))
})
