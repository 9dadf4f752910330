/**
 * The projection loader (nodes/project/Projection.ts, made faster for the benchmark): whatever path it takes — canonical files
 * read in place, several files, or the sorted-table fallback — it hands out exactly the candles a
 * plain SQL query says it should: per (chain, mint) with an in-range alert, from the first such
 * alert on, sorted by ts. Also: the database file is removed on success and on failure, consumers
 * share the same views, and progress reaches its total.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Stream } from "effect"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { openProjection, type Projection } from "../../nodes/project/Projection.js"
import { generateSynthetic, makeSyntheticConfig } from "../../nodes/synthetic/index.js"
import { expectedCandles, type ExpectedSeries, sql } from "../project/support.js"

let dir: string
let ohlcv: string
let alerts: string
const FROM = Date.parse("2024-01-01T06:00:00Z")
const TO = Date.parse("2024-01-02T00:00:00Z")

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "projection-test-"))
  ohlcv = join(dir, "ohlcv.parquet")
  alerts = join(dir, "alerts.parquet")
  await Effect.runPromise(
    generateSynthetic(makeSyntheticConfig({ tokens: 8, days: 1, seed: 3 }), { ohlcvPath: ohlcv, alertsPath: alerts })
  )
  // The same candles cut in other shapes.
  const write = (select: string, name: string) =>
    sql(`COPY (${select}) TO '${join(dir, name)}' (FORMAT parquet)`, [ohlcv])
  await Effect.runPromise(Effect.all([
    write("SELECT * FROM read_parquet($1) WHERE ts < TIMESTAMP '2024-01-01 12:00:00' ORDER BY chain, mint, ts", "early.parquet"),
    write("SELECT * FROM read_parquet($1) WHERE ts >= TIMESTAMP '2024-01-01 12:00:00' ORDER BY chain, mint, ts", "late.parquet"),
    write("SELECT * FROM read_parquet($1) WHERE mint < (SELECT median(mint) FROM read_parquet($1)) ORDER BY chain, mint, ts", "low.parquet"),
    write("SELECT * FROM read_parquet($1) WHERE mint >= (SELECT median(mint) FROM read_parquet($1)) ORDER BY chain, mint, ts", "high.parquet"),
    write("SELECT * FROM read_parquet($1) ORDER BY chain, mint, ts DESC", "reversed.parquet")
  ]))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What the projection must contain, by plain SQL over the original file. */
const expected = (from: number, to: number) => expectedCandles(ohlcv, alerts, from, to)

const load = (files: ReadonlyArray<string>, from = FROM, to = TO) =>
  Effect.gen(function*() {
    const projection = yield* openProjection({
      databasePath: join(dir, `p-${files.join("-").length}-${from}.duckdb`),
      alertFiles: [alerts],
      ohlcvFiles: files.map((f) => join(dir, f)),
      from,
      to
    })
    const series = Chunk.toReadonlyArray(yield* Stream.runCollect(projection.candles))
    return { projection, series }
  })

const actual = (series: ReadonlyArray<{ chain: string; mint: string; series: any }>): Array<ExpectedSeries> =>
  series.map((m) => {
    const s = m.series
    const ts: Array<number> = []
    const ohlc: Array<Array<number>> = []
    for (let i = 0; i < s.length; i++) {
      ts.push(s.ts[i])
      ohlc.push([s.open[i], s.high[i], s.low[i], s.close[i]])
    }
    return { key: `${m.chain}/${m.mint}`, intervalMs: s.intervalMs, ts, ohlc }
  })

const checkAgainstSql = (projection: Projection, series: ReadonlyArray<any>, want: ReadonlyArray<ExpectedSeries>) => {
  expect(want.length).toBeGreaterThan(2)
  expect(actual(series)).toEqual(want)
  expect(projection.mints.map((m) => `${m.chain}/${m.mint}`)).toEqual(want.map((w) => w.key))
  expect(projection.mints.map((m) => m.count)).toEqual(want.map((w) => w.ts.length))
  expect(projection.candleCount).toBe(want.reduce((n, w) => n + w.ts.length, 0))
}

describe("openProjection", () => {
  for (
    const [label, files] of [
      ["one canonical file (read in place)", ["ohlcv.parquet"]],
      ["a mint spread over two files (sorted-table fallback)", ["late.parquet", "early.parquet"]],
      ["mints split between two files", ["high.parquet", "low.parquet"]],
      ["candles out of ts order (sorted-table fallback)", ["reversed.parquet"]]
    ] as const
  ) {
    it.scoped(`loads exactly the wanted candles: ${label}`, () =>
      Effect.gen(function*() {
        const { projection, series } = yield* load(files)
        checkAgainstSql(projection, series, yield* expected(FROM, TO))
      }))
  }

  it.scoped("keeps every alert, in (alert_ts, alert_id) order, out-of-range ones included", () =>
    Effect.gen(function*() {
      const { projection } = yield* load(["ohlcv.parquet"])
      const rows = yield* sql(
        "SELECT alert_id, epoch_ms(alert_ts)::DOUBLE AS t FROM read_parquet($1) ORDER BY alert_ts, alert_id",
        [alerts]
      )
      expect(projection.alerts.map((a) => [a.alert_id, a.alert_ts])).toEqual(rows.map((r) => [r.alert_id, r.t]))
      expect(projection.alerts.some((a) => a.alert_ts < FROM)).toBe(true)
    }))

  it.scoped("a narrower date range projects fewer mints and candles", () =>
    Effect.gen(function*() {
      const from = Date.parse("2024-01-01T18:00:00Z")
      const wide = yield* load(["ohlcv.parquet"])
      const narrow = yield* load(["ohlcv.parquet"], from, TO)
      checkAgainstSql(narrow.projection, narrow.series, yield* expected(from, TO))
      expect(narrow.projection.candleCount).toBeLessThan(wide.projection.candleCount)
    }))

  it.scoped("consumers share the same arrays (no second load)", () =>
    Effect.gen(function*() {
      const { projection, series } = yield* load(["ohlcv.parquet"])
      const again = Chunk.toReadonlyArray(yield* Stream.runCollect(projection.candles))
      expect(again.length).toBe(series.length)
      expect(again[0]!.series.open.buffer).toBe(series[0]!.series.open.buffer)
    }))

  it.effect("reports progress up to the rows to scan: the wanted pairs' rows, not the whole file", () =>
    Effect.gen(function*() {
      const seen: Array<[number, number]> = []
      yield* Effect.scoped(openProjection({
        databasePath: join(dir, "progress.duckdb"),
        alertFiles: [alerts],
        ohlcvFiles: [ohlcv],
        from: FROM,
        to: TO,
        onProgress: (done, total) => Effect.sync(() => void seen.push([done, total]))
      }))
      const [rows] = yield* sql(
        `SELECT count(*)::DOUBLE AS n,
           count(*) FILTER (WHERE (chain, mint) IN (
             SELECT (chain, mint) FROM read_parquet($2)
             WHERE epoch_ms(alert_ts) >= ${FROM} AND epoch_ms(alert_ts) < ${TO}))::DOUBLE AS wanted
         FROM read_parquet($1)`,
        [ohlcv, alerts]
      )
      expect(seen.length).toBeGreaterThan(0)
      const [done, total] = seen[seen.length - 1]!
      expect(done).toBe(total)
      // Every row of a wanted pair is scanned; rows of other pairs only when they sit between two.
      expect(total).toBeGreaterThanOrEqual(rows!.wanted as number)
      expect(total).toBeLessThanOrEqual(rows!.n as number)
      expect(rows!.wanted as number).toBeLessThan(rows!.n as number)
      for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0])
    }))

  it.effect("removes its database when the scope closes, on success and on failure", () =>
    Effect.gen(function*() {
      const ok = join(dir, "released.duckdb")
      let during = false
      yield* Effect.scoped(Effect.tap(
        openProjection({ databasePath: ok, alertFiles: [alerts], ohlcvFiles: [ohlcv], from: FROM, to: TO }),
        () => Effect.sync(() => void (during = existsSync(ok)))
      ))
      expect(during).toBe(true)
      expect(existsSync(ok)).toBe(false)

      const bad = join(dir, "failed.duckdb")
      const exit = yield* Effect.exit(Effect.scoped(
        openProjection({ databasePath: bad, alertFiles: [alerts], ohlcvFiles: [join(dir, "missing.parquet")], from: FROM, to: TO })
      ))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(JSON.stringify(exit)).toContain("DuckDBError")
      expect(existsSync(bad)).toBe(false)
      expect(existsSync(`${bad}.wal`)).toBe(false)
    }))
})
