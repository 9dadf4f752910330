/**
 * Import of the real 1-minute BTC candles (test/support/realData.ts says what they are and where from).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duck } from "../../nodes/duckdb/index.js"
import { importFile, type ImportOhlcvOptions, type OhlcvQuality } from "../../nodes/import/index.js"
import { hashFile } from "../../store/Digest.js"
import { realBtcData } from "../support/realData.js"

const DATA = realBtcData
const KRAKEN_COLUMNS = ["ts", "open", "high", "low", "close", "volume", "trade_count"]

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "import-real-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

const binance = (pair: string): Omit<ImportOhlcvOptions, "kind"> => ({
  file: join(DATA, `binanceus_${pair}_1m.csv`),
  chain: "binanceus",
  mint: pair
})

const cases = [
  { name: "BTCUSDT", options: binance("BTCUSDT"), rows: 30_240, zeroVolume: 658, gaps: 0, unit: "iso" },
  { name: "BTCUSDC", options: binance("BTCUSDC"), rows: 30_240, zeroVolume: 12_971, gaps: 0, unit: "iso" },
  { name: "BTCUSD", options: binance("BTCUSD"), rows: 30_240, zeroVolume: 72, gaps: 0, unit: "iso" },
  {
    name: "kraken BTCUSDC (headerless, epoch seconds, extra trade_count)",
    options: {
      file: join(DATA, "kraken_BTCUSDC_1m_noheader.csv"),
      chain: "kraken",
      mint: "BTCUSDC",
      columns: KRAKEN_COLUMNS
    },
    rows: 56_717,
    zeroVolume: 0,
    gaps: 26_746,
    unit: "s"
  }
] as const

describe("import of the real BTC candles", () => {
  for (const c of cases) {
    it.live(`imports ${c.name}`, () =>
      withTempDir((dir) =>
        Effect.gen(function* () {
          const output = join(dir, "out.parquet")
          const result = yield* importFile({ kind: "ohlcv", ...c.options, output })
          expect(result.type).toBe("ohlcv_slice_v2")
          expect(result.schemaVersion).toBe(2)
          expect(result.rowCount).toBe(c.rows)
          expect(result.file).toBe(output)
          const quality = result.quality as OhlcvQuality
          expect(quality.kind).toBe("ohlcv")
          expect(quality.zeroVolume).toBe(c.zeroVolume)
          expect(quality.gaps).toBe(c.gaps)
          expect(quality.intervalS).toBe(60)
          expect(quality.intervalSource).toBe("inferred")
          expect(quality.tsUnit).toBe(c.unit)
          expect(quality.series).toBe(1)
          expect(result.logicalKey).toBe(`chain=${c.options.chain}/mint=${c.options.mint}/res=60s`)
          if (c.gaps === 0) {
            expect(result.minTs).toBe("2023-03-01T00:00:00.000000Z")
            expect(result.maxTs).toBe("2023-03-21T23:59:00.000000Z")
            expect(quality.missingCandles).toBe(0)
          } else {
            expect(result.minTs).toBe("2023-01-01T00:00:00.000000Z")
            expect(result.maxTs).toBe("2023-03-31T23:59:00.000000Z")
            // 90 days of minutes, minus the candles present.
            expect(quality.missingCandles).toBe(90 * 1440 - c.rows)
          }

          // The file itself: contract types, sorted, same row count, values as in the source.
          const rows = yield* Effect.scoped(
            Effect.flatMap(Duck.openDatabase(Duck.MEMORY, { threads: 1 }), (db) =>
              Effect.all({
                types: Duck.readRowsJson(
                  db.connection,
                  "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))",
                  [output]
                ),
                summary: Duck.readRowsJson(
                  db.connection,
                  `SELECT count(*) AS n, count(DISTINCT ts) AS distinct_ts,
                          bool_and(ts > prev) AS ascending, any_value(interval_s) AS interval_s,
                          bool_and(low <= least(open, close) AND high >= greatest(open, close)) AS ohlc_ok
                   FROM (SELECT *, lag(ts) OVER () AS prev FROM read_parquet($1))`,
                  [output]
                ),
                first: Duck.readRowsJson(db.connection, "SELECT * FROM read_parquet($1) LIMIT 1", [output])
              })
            )
          )
          expect(rows.types.map((r) => `${r.column_name} ${r.column_type}`)).toEqual([
            "chain VARCHAR", "mint VARCHAR", "ts TIMESTAMP", "interval_s INTEGER", "open DOUBLE",
            "high DOUBLE", "low DOUBLE", "close DOUBLE", "volume DOUBLE"
          ])
          expect(rows.summary[0]).toEqual({
            n: String(c.rows), distinct_ts: String(c.rows), ascending: true, interval_s: 60, ohlc_ok: true
          })
          if (c.name === "BTCUSDT") {
            expect(rows.first[0]).toEqual({
              chain: "binanceus", mint: "BTCUSDT", ts: "2023-03-01 00:00:00", interval_s: 60,
              open: 23140.48, high: 23150.77, low: 23128.52, close: 23142.31, volume: 2.131777
            })
          }
          if (c.gaps > 0) {
            expect(rows.first[0]).toMatchObject({ ts: "2023-01-01 00:00:00", open: 16535.97, volume: 0.01429883 })
          }
        })
      ))
  }

  it.live("importing the same file twice gives identical bytes", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const options = { kind: "ohlcv" as const, ...cases[3].options }
        const a = yield* importFile({ ...options, output: join(dir, "a.parquet") })
        const b = yield* importFile({ ...options, output: join(dir, "b.parquet"), threads: 1 })
        const [da, db] = yield* Effect.all([hashFile(a.file), hashFile(b.file)])
        expect(db).toBe(da)
        expect(b.quality).toEqual(a.quality)
      })
    ))

  it.live("a Parquet source with native timestamps imports to the same bytes as the CSV", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const csv = join(DATA, "binanceus_BTCUSD_1m.csv")
        const parquetSource = join(dir, "btcusd.parquet")
        // A Parquet file with other column names, TIMESTAMPTZ, DECIMAL prices, in reverse order.
        yield* Effect.scoped(
          Effect.flatMap(Duck.openDatabase(Duck.MEMORY), (db) =>
            Duck.run(
              db.connection,
              `COPY (SELECT CAST(open_time AS TIMESTAMPTZ) AS "Timestamp", CAST(open AS DECIMAL(18, 8)) AS O,
                            high AS H, low AS L, close AS C, volume AS Vol, 'x' AS ignored
                     FROM read_csv($1, header = true, all_varchar = true) ORDER BY open_time DESC)
               TO $2 (FORMAT parquet)`,
              [csv, parquetSource]
            )
          )
        )
        const fromCsv = yield* importFile({ kind: "ohlcv", file: csv, chain: "binanceus", mint: "BTCUSD", output: join(dir, "a.parquet") })
        // Reverse order is an error for a source...
        const reversed = yield* Effect.flip(
          importFile({ kind: "ohlcv", file: parquetSource, chain: "binanceus", mint: "BTCUSD", intervalS: 60, output: join(dir, "r.parquet") })
        )
        expect(reversed._tag).toBe("ImportValidationError")
        // ...so write it ascending and import again.
        yield* Effect.scoped(
          Effect.flatMap(Duck.openDatabase(Duck.MEMORY), (db) =>
            Duck.run(
              db.connection,
              `COPY (SELECT * FROM read_parquet($1) ORDER BY "Timestamp") TO $2 (FORMAT parquet)`,
              [parquetSource, join(dir, "asc.parquet")]
            )
          )
        )
        const fromParquet = yield* importFile({
          kind: "ohlcv", file: join(dir, "asc.parquet"), chain: "binanceus", mint: "BTCUSD", output: join(dir, "b.parquet")
        })
        expect(fromParquet.rowCount).toBe(30_240)
        expect((fromParquet.quality as OhlcvQuality).tsUnit).toBe("native")
        expect(fromParquet.quality).toEqual({ ...fromCsv.quality, tsUnit: "native" })
        const [da, db] = yield* Effect.all([hashFile(fromCsv.file), hashFile(fromParquet.file)])
        expect(db).toBe(da)
      })
    ))
})
