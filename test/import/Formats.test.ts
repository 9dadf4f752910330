/**
 * Timestamp formats, header aliases, intervals, logical keys, alerts, and option/source errors.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duck } from "../../nodes/duckdb/index.js"
import {
  type AlertsQuality,
  importFile,
  ImportOptionsError,
  type ImportOptions,
  ImportSourceError,
  type OhlcvQuality
} from "../../nodes/import/index.js"

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "import-formats-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

type WithoutPaths<T> = T extends unknown ? Omit<T, "file" | "output"> : never

/** Writes `content` to `name`, imports it, and returns the result and the output's rows (JSON). */
const importText = (name: string, content: string, options: WithoutPaths<ImportOptions>) =>
  withTempDir((dir) =>
    Effect.gen(function* () {
      const file = join(dir, name)
      writeFileSync(file, content)
      const result = yield* importFile({ ...options, file, output: join(dir, "out.parquet") } as ImportOptions)
      const rows = yield* Effect.scoped(
        Effect.flatMap(Duck.openDatabase(Duck.MEMORY, { threads: 1 }), (db) =>
          Duck.readRowsJson(db.connection, "SELECT * FROM read_parquet($1)", [result.file])
        )
      )
      return { result, rows }
    })
  )

const importError = (name: string, content: string, options: WithoutPaths<ImportOptions>) =>
  withTempDir((dir) => {
    const file = join(dir, name)
    writeFileSync(file, content)
    return Effect.flip(importFile({ ...options, file, output: join(dir, "out.parquet") } as ImportOptions))
  })

describe("import formats", () => {
  it.live("ISO timestamps with T/Z and offsets are stored as UTC; aliases o/h/l/c/v, any case", () =>
    Effect.gen(function* () {
      const { result, rows } = yield* importText(
        "x.csv",
        "Datetime,O,H,L,C,Vol\n2023-03-01T00:00:00Z,1,2,0.5,1.5,3\n2023-03-01T05:01:00+05:00,1,2,0.5,1.5,-0\n2023-03-01 00:02:00,1,2,0.5,1.5,4\n",
        { kind: "ohlcv", chain: "c", mint: "m" }
      )
      expect(rows.map((r) => r.ts)).toEqual(["2023-03-01 00:00:00", "2023-03-01 00:01:00", "2023-03-01 00:02:00"])
      expect(rows[1]!.volume).toBe(0)
      expect(Object.is(rows[1]!.volume, -0)).toBe(false)
      expect((result.quality as OhlcvQuality).tsUnit).toBe("iso")
      expect((result.quality as OhlcvQuality).zeroVolume).toBe(1)
    }))

  it.live("epoch milliseconds are detected by magnitude; epoch seconds can be forced", () =>
    Effect.gen(function* () {
      const ms = yield* importText(
        "ms.csv",
        "timestamp,open,high,low,close,volume\n1677628800000,1,2,0.5,1.5,3\n1677629100000,1,2,0.5,1.5,3\n1677629400000,1,2,0.5,1.5,3\n",
        { kind: "ohlcv", chain: "c", mint: "m" }
      )
      expect((ms.result.quality as OhlcvQuality).tsUnit).toBe("ms")
      expect((ms.result.quality as OhlcvQuality).intervalS).toBe(300)
      expect(ms.rows.map((r) => r.ts)).toEqual(["2023-03-01 00:00:00", "2023-03-01 00:05:00", "2023-03-01 00:10:00"])
      expect(ms.result.logicalKey).toBe("chain=c/mint=m/res=300s")

      const s = yield* importText(
        "s.csv",
        "time,open,high,low,close,volume\n1677628800,1,2,0.5,1.5,3\n1677628860,1,2,0.5,1.5,3\n",
        { kind: "ohlcv", chain: "c", mint: "m", tsUnit: "s" }
      )
      expect(s.rows.map((r) => r.ts)).toEqual(["2023-03-01 00:00:00", "2023-03-01 00:01:00"])
      expect((s.result.quality as OhlcvQuality).tsUnit).toBe("s")
    }))

  it.live("a UTF-8 byte order mark is ignored, with or without a header", () =>
    Effect.gen(function* () {
      const headerless = yield* importText(
        "bom.csv",
        "\uFEFF1677628800,1,2,0.5,1.5,3\n1677628860,1,2,0.5,1.5,3\n",
        { kind: "ohlcv", chain: "c", mint: "m", columns: ["ts", "open", "high", "low", "close", "volume"] }
      )
      expect(headerless.rows.map((r) => r.ts)).toEqual(["2023-03-01 00:00:00", "2023-03-01 00:01:00"])
      const withHeader = yield* importText(
        "bom2.csv",
        "\uFEFFts,open,high,low,close,volume\n1677628800,1,2,0.5,1.5,3\n1677628860,1,2,0.5,1.5,3\n",
        { kind: "ohlcv", chain: "c", mint: "m" }
      )
      expect(withHeader.result.rowCount).toBe(2)
    }))

  it.live("gaps and missing candles are counted; an explicit interval is used as given", () =>
    Effect.gen(function* () {
      const { result } = yield* importText(
        "g.csv",
        ["ts,open,high,low,close,volume", ...[0, 1, 2, 5, 6, 10].map((m) => `${1677628800 + m * 60},1,2,0.5,1.5,3`)].join("\n"),
        { kind: "ohlcv", chain: "c", mint: "m", intervalS: 60 }
      )
      const quality = result.quality as OhlcvQuality
      expect(quality).toMatchObject({ intervalS: 60, intervalSource: "option", gaps: 2, missingCandles: 5, rowCount: 6 })
    }))

  it.live("chain and mint columns: one series gives the default key; several need logicalKey and are sorted", () =>
    Effect.gen(function* () {
      const csv = [
        "chain,mint,ts,open,high,low,close,volume",
        "sol,B,2024-01-01T00:00:00Z,1,2,0.5,1.5,3",
        "sol,A,2024-01-01T00:00:00Z,1,2,0.5,1.5,3",
        "sol,B,2024-01-01T00:01:00Z,1,2,0.5,1.5,3",
        "sol,A,2024-01-01T00:01:00Z,1,2,0.5,1.5,3"
      ].join("\n")
      const error = yield* importError("multi.csv", csv, { kind: "ohlcv" })
      expect(error).toBeInstanceOf(ImportOptionsError)
      expect((error as ImportOptionsError).option).toBe("logicalKey")

      const { result, rows } = yield* importText("multi.csv", csv, { kind: "ohlcv", logicalKey: "chain=sol/set=two" })
      expect(result.logicalKey).toBe("chain=sol/set=two")
      expect((result.quality as OhlcvQuality).series).toBe(2)
      expect(rows.map((r) => `${r.mint} ${r.ts}`)).toEqual([
        "A 2024-01-01 00:00:00", "A 2024-01-01 00:01:00", "B 2024-01-01 00:00:00", "B 2024-01-01 00:01:00"
      ])

      const one = yield* importText("one.csv", csv.split("\n").filter((l) => !l.startsWith("sol,B")).join("\n"), { kind: "ohlcv" })
      expect(one.result.logicalKey).toBe("chain=sol/mint=A/res=60s")
    }))

  it.live("a mint option that contradicts the mint column is a problem", () =>
    Effect.gen(function* () {
      const error = yield* importError(
        "m.csv",
        "mint,ts,open,high,low,close,volume\nA,2024-01-01T00:00:00Z,1,2,0.5,1.5,3\nB,2024-01-01T00:01:00Z,1,2,0.5,1.5,3\n",
        { kind: "ohlcv", chain: "c", mint: "A", intervalS: 60 }
      )
      expect(error._tag).toBe("ImportValidationError")
      expect(error).toMatchObject({ problems: [{ row: 3, column: "mint", message: 'mint "B" differs from the mint option "A"' }] })
    }))

  it.live("semicolon-delimited CSV with quoted fields", () =>
    Effect.gen(function* () {
      const { rows } = yield* importText(
        "semi.csv",
        '"open_time";"open";"high";"low";"close";"volume"\n"2024-01-01 00:00:00";1;2;0.5;1.5;3\n"2024-01-01 00:01:00";1;2;0.5;1.5;3\n',
        { kind: "ohlcv", chain: "c", mint: "m", delimiter: ";" }
      )
      expect(rows).toHaveLength(2)
    }))

  it.live("alerts: unsorted input is written in (alert_ts, alert_id) order; chain from the option; key from the file name", () =>
    Effect.gen(function* () {
      const { result, rows } = yield* importText(
        "calls-2024.csv",
        "alert_id,ts,mint,source\nz9,2024-01-01T00:05:00Z,MintA,bob\nb2,2024-01-01T00:00:00Z,MintB,\na1,2024-01-01T00:00:00Z,mintb,amy\n",
        { kind: "alerts", chain: "solana" }
      )
      expect(result.type).toBe("alerts_v1")
      expect(result.schemaVersion).toBe(1)
      expect(result.logicalKey).toBe("alerts/calls-2024")
      expect(rows).toEqual([
        { alert_id: "a1", alert_ts: "2024-01-01 00:00:00", chain: "solana", mint: "mintb", caller: "amy" },
        { alert_id: "b2", alert_ts: "2024-01-01 00:00:00", chain: "solana", mint: "MintB", caller: null },
        { alert_id: "z9", alert_ts: "2024-01-01 00:05:00", chain: "solana", mint: "MintA", caller: "bob" }
      ])
      expect(result.quality as AlertsQuality).toEqual({
        kind: "alerts", rowCount: 3, minTs: "2024-01-01T00:00:00.000000Z", maxTs: "2024-01-01T00:05:00.000000Z",
        tsUnit: "iso", chains: 1, mints: 3, callers: 2, withoutCaller: 1
      })
      const named = yield* importText("x.csv", "id,time,chain,token\n1,1704067200,sol,M\n", { kind: "alerts", name: "my/set" })
      expect(named.result.logicalKey).toBe("alerts/my%2Fset")
      expect(named.rows).toEqual([{ alert_id: "1", alert_ts: "2024-01-01 00:00:00", chain: "sol", mint: "M", caller: null }])
    }))

  it.live("option and source errors", () =>
    Effect.gen(function* () {
      const candles = "ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,3\n"
      const noMint = yield* importError("a.csv", candles, { kind: "ohlcv", chain: "c" })
      expect(noMint).toBeInstanceOf(ImportOptionsError)
      expect(noMint).toMatchObject({ option: "mint" })
      const oneRow = yield* importError("a.csv", candles, { kind: "ohlcv", chain: "c", mint: "m" })
      expect(oneRow).toMatchObject({ _tag: "ImportOptionsError", option: "intervalS" })
      const empty = yield* importError("a.csv", "ts,open,high,low,close,volume\n", { kind: "ohlcv", chain: "c", mint: "m", intervalS: 60 })
      expect(empty).toMatchObject({ _tag: "ImportValidationError", problems: [{ row: null, message: "the file holds no rows" }] })
      const gz = yield* importError("a.csv.gz", candles, { kind: "ohlcv", chain: "c", mint: "m" })
      expect(gz).toBeInstanceOf(ImportSourceError)
      const notParquet = yield* importError("a.parquet", candles, { kind: "ohlcv", chain: "c", mint: "m" })
      expect(notParquet).toBeInstanceOf(ImportSourceError)
      expect((notParquet as ImportSourceError).reason).toContain("Parquet")
      const missing = yield* Effect.flip(importFile({ kind: "ohlcv", file: "/nonexistent/x.csv", output: "/tmp/never.parquet" }))
      expect(missing).toMatchObject({ _tag: "ImportSourceError", reason: "ENOENT" })
    }))
})
