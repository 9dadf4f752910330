/**
 * The candle loader's scan (nodes/project/internal/residentCandles.ts): whatever the cut into row
 * ranges and the number of connections reading them, the resident candles are exactly what plain
 * SQL says — per wanted (chain, mint), from its first in-range alert on, in ts order — and the
 * pre-alert cut stays exact when the rows before the alert are out of order. Also: a scan
 * interrupted half-way releases the database.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Stream } from "effect"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duck } from "../../nodes/duckdb/index.js"
import { mintKeyOf } from "../../nodes/simulate/CandleSeries.js"
import {
  DEFAULT_SCAN,
  type Loaded,
  loadResident,
  parquetSource,
  readDirectory,
  type ScanOptions
} from "../../nodes/project/internal/residentCandles.js"
import { openProjection } from "../../nodes/project/Projection.js"
import { generateSynthetic, makeSyntheticConfig } from "../../nodes/synthetic/index.js"
import { expectedCandles, sql } from "./support.js"

let dir: string
let ohlcv: string
let alerts: string
let big: string
let bigAlerts: string
const FROM = Date.parse("2024-01-01T06:00:00Z")
const TO = Date.parse("2024-01-02T00:00:00Z")

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "resident-candles-test-"))
  ohlcv = join(dir, "ohlcv.parquet")
  alerts = join(dir, "alerts.parquet")
  big = join(dir, "big.parquet")
  bigAlerts = join(dir, "big-alerts.parquet")
  const generated = join(dir, "generated.parquet")
  await Effect.runPromise(Effect.all([
    generateSynthetic(makeSyntheticConfig({ tokens: 10, days: 1, seed: 5 }), { ohlcvPath: ohlcv, alertsPath: alerts }),
    generateSynthetic(makeSyntheticConfig({ tokens: 60, days: 3, seed: 9 }), { ohlcvPath: generated, alertsPath: bigAlerts })
  ]))
  // Small row groups (pairs are ~4,300 rows): range cuts at row-group starts fall inside pairs.
  await Effect.runPromise(sql(
    `COPY (SELECT * FROM read_parquet($1) ORDER BY chain, mint, ts) TO '${big}' (FORMAT parquet, ROW_GROUP_SIZE 3000)`,
    [generated]
  ))
  // Each pair's rows before its first in-range alert in reverse ts order, the rest sorted: still
  // one contiguous run per (chain, mint), so it is read in place, and the cut must stay exact.
  await Effect.runPromise(sql(
    `COPY (
       WITH a AS (
         SELECT chain, mint, min(alert_ts) AS first FROM read_parquet($2)
         WHERE epoch_ms(alert_ts) >= ${FROM} AND epoch_ms(alert_ts) < ${TO} GROUP BY chain, mint)
       SELECT o.* FROM read_parquet($1) o LEFT JOIN a USING (chain, mint)
       ORDER BY o.chain, o.mint, (o.ts >= coalesce(a.first, TIMESTAMP '1970-01-01')),
         CASE WHEN o.ts < a.first THEN -epoch_us(o.ts) ELSE epoch_us(o.ts) END
     ) TO '${join(dir, "pre-reversed.parquet")}' (FORMAT parquet)`,
    [ohlcv, alerts]
  ))
  // The same mints under two chains: the footer does not show one chain, so the directory must
  // group by (chain, mint), not by mint.
  await Effect.runPromise(Effect.all([
    sql(
      `COPY (SELECT * FROM (SELECT * FROM read_parquet($1) UNION ALL
         SELECT * REPLACE ('another' AS chain, open * 2 AS open, high * 2 AS high) FROM read_parquet($1))
       ORDER BY chain, mint, ts) TO '${join(dir, "two-chains.parquet")}' (FORMAT parquet)`,
      [ohlcv]
    ),
    sql(
      `COPY (SELECT * FROM read_parquet($1) UNION ALL
         SELECT * REPLACE ('another' AS chain, alert_id || '-b' AS alert_id, alert_ts + INTERVAL 1 HOUR AS alert_ts)
         FROM read_parquet($1)) TO '${join(dir, "two-chains-alerts.parquet")}' (FORMAT parquet)`,
      [alerts]
    )
  ]))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Series {
  readonly key: string
  readonly intervalMs: number
  readonly values: Array<number>
}

/** The wanted candles by plain SQL: ts, open, high, low, close flattened per pair. */
const expected = (ohlcvFile: string, alertsFile: string) =>
  Effect.map(expectedCandles(ohlcvFile, alertsFile, FROM, TO), (series): Array<Series> =>
    series.map(({ intervalMs, key, ohlc, ts }) => ({
      key,
      intervalMs,
      values: ts.flatMap((t, i) => [t, ...ohlc[i]!])
    })))

const actual = (loaded: Pick<Loaded, "series">): Array<Series> =>
  loaded.series.map((m) => {
    const s = m.series
    const values: Array<number> = []
    for (let i = 0; i < s.length; i++) values.push(s.ts[i]!, s.open[i]!, s.high[i]!, s.low[i]!, s.close[i]!)
    return { key: `${m.chain}/${m.mint}`, intervalMs: s.intervalMs, values }
  })

/** Loads `file` through the loader itself, with `options`; alerts' first in-range times from SQL. */
const loadWith = (file: string, alertsFile: string, options: ScanOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const database = yield* Duck.openDatabase(Duck.MEMORY, { threads: 2 })
    const firsts = yield* Duck.readRowsJS(
      database.connection,
      `SELECT chain, mint, min(epoch_ms(alert_ts))::DOUBLE AS first FROM read_parquet($1)
       WHERE epoch_ms(alert_ts) >= ${FROM} AND epoch_ms(alert_ts) < ${TO} GROUP BY chain, mint`,
      [alertsFile]
    )
    const first = new Map(firsts.map((r) => [mintKeyOf(r.chain as string, r.mint as string), r.first as number]))
    const sources = [parquetSource(file)]
    const directory = yield* readDirectory(database.connection, sources)
    const progress: Array<[number, number]> = []
    const loaded = yield* loadResident(database, sources, directory, first, true, {
      databasePath: "",
      alertFiles: [],
      ohlcvFiles: [],
      from: FROM,
      to: TO,
      onProgress: (done, total) => Effect.sync(() => void progress.push([done, total]))
    }, options)
    return { loaded, progress }
  }))

describe("loadResident", () => {
  const variants: ReadonlyArray<[string, ScanOptions]> = [
    ["the defaults", DEFAULT_SCAN],
    ["one stream, one range", { streams: 1, rangesPerStream: 1, minRangeRows: 1 << 30, gapRows: 1 << 30 }],
    ["three streams, a range per row group (pairs cut between ranges), unwanted pairs never read", {
      streams: 3,
      rangesPerStream: 1_000_000,
      minRangeRows: 1,
      gapRows: 0
    }],
    ["two streams, a few ranges, gaps read through", { streams: 2, rangesPerStream: 7, minRangeRows: 1, gapRows: 1 << 30 }]
  ]
  for (const [label, options] of variants) {
    it.effect(`copies exactly the wanted candles whatever the ranges and streams: ${label}`, () =>
      Effect.gen(function*() {
        const [groups] = yield* sql("SELECT count(DISTINCT row_group_id)::DOUBLE AS n FROM parquet_metadata($1)", [big])
        expect(groups!.n as number).toBeGreaterThan(20)
        const want = yield* expected(big, bigAlerts)
        const { loaded, progress } = yield* loadWith(big, bigAlerts, options)
        expect(loaded).toBeDefined()
        expect(want.length).toBeGreaterThan(10)
        expect(actual(loaded!)).toEqual(want)
        expect(loaded!.mints.map((m) => m.count)).toEqual(want.map((w) => w.values.length / 5))
        expect(loaded!.candleCount).toBe(want.reduce((n, w) => n + w.values.length / 5, 0))
        const [done, total] = progress[progress.length - 1]!
        expect(done).toBe(total)
      }))
  }

  it.effect("skips unwanted pairs' rows when the gap is not read through", () =>
    Effect.gen(function*() {
      const [rows] = yield* sql("SELECT count(*)::DOUBLE AS n FROM read_parquet($1)", [big])
      const skipping = yield* loadWith(big, bigAlerts, { streams: 2, rangesPerStream: 4, minRangeRows: 1, gapRows: 0 })
      const reading = yield* loadWith(big, bigAlerts, { streams: 2, rangesPerStream: 1, minRangeRows: 1 << 30, gapRows: 1 << 30 })
      const scanned = (p: Array<[number, number]>) => p[p.length - 1]![1]
      expect(scanned(skipping.progress)).toBeLessThan(scanned(reading.progress))
      expect(scanned(reading.progress)).toBeLessThanOrEqual(rows!.n as number)
      expect(actual(skipping.loaded!)).toEqual(actual(reading.loaded!))
    }))

  it.effect("cuts exactly at the first alert when the rows before it are out of order (read in place)", () =>
    Effect.gen(function*() {
      const file = join(dir, "pre-reversed.parquet")
      const want = yield* expected(ohlcv, alerts)
      // Not sorted as a whole: a strict loader reading every row would have to fall back.
      const [unsorted] = yield* sql(
        `SELECT count(*)::DOUBLE AS n FROM (
           SELECT ts < lag(ts) OVER (PARTITION BY chain, mint ORDER BY file_row_number) AS down
           FROM read_parquet($1, file_row_number = true)) WHERE down`,
        [file]
      )
      expect(unsorted!.n as number).toBeGreaterThan(0)
      const { loaded } = yield* loadWith(file, alerts, DEFAULT_SCAN)
      expect(loaded).toBeDefined()
      expect(actual(loaded!)).toEqual(want)

      const projection = yield* Effect.scoped(Effect.map(
        openProjection({ databasePath: join(dir, "pre.duckdb"), alertFiles: [alerts], ohlcvFiles: [file], from: FROM, to: TO }),
        (p) => p.candles
      ))
      expect(actual({ series: Chunk.toReadonlyArray(yield* Stream.runCollect(projection)) })).toEqual(want)
    }))

  it.effect("groups by (chain, mint) when a file holds several chains (one mint under two)", () =>
    Effect.gen(function*() {
      const file = join(dir, "two-chains.parquet")
      const alertsFile = join(dir, "two-chains-alerts.parquet")
      const want = yield* expected(file, alertsFile)
      expect(new Set(want.map((w) => w.key.split("/")[0])).size).toBe(2)
      const { loaded } = yield* loadWith(file, alertsFile, DEFAULT_SCAN)
      expect(actual(loaded!)).toEqual(want)
    }))

  it.live("a scan interrupted half-way stops every stream and releases the database", () =>
    Effect.gen(function*() {
      const path = join(dir, "interrupted.duckdb")
      const started = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(Effect.scoped(openProjection({
        databasePath: path,
        alertFiles: [bigAlerts],
        ohlcvFiles: [big],
        from: FROM,
        to: TO,
        // The final report never returns, so the projection can only end by interruption.
        onProgress: (done, total) => done === total ? Effect.never : Deferred.succeed(started, undefined)
      })))
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(existsSync(path)).toBe(false)
      expect(existsSync(`${path}.wal`)).toBe(false)
    }))
})
