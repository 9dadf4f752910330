/**
 * The generated Parquet files, checked with DuckDB SQL: exact column types, the ohlcv_slice_v2 and
 * alerts_v1 contracts (zero violations), canonical order, gaps, alerts near pump starts.
 * Also progress, failure cleanup and interruption.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duck } from "../../nodes/duckdb/index.js"
import {
  generateSynthetic,
  makeSyntheticConfig,
  type SyntheticSummary,
  SyntheticMarket as M,
  SyntheticWriteError
} from "../../nodes/synthetic/index.js"

const config = makeSyntheticConfig({ tokens: 40, days: 2, seed: 5, chain: "solana" })
let dir: string
let ohlcv: string
let alerts: string
let summary: SyntheticSummary
const progress: Array<[number, number]> = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "synthetic-test-"))
  ohlcv = join(dir, "ohlcv.parquet")
  alerts = join(dir, "alerts.parquet")
  summary = await Effect.runPromise(
    generateSynthetic(config, { ohlcvPath: ohlcv, alertsPath: alerts }, {
      onProgress: (done, total) => Effect.sync(() => void progress.push([done, total])),
      progressEvery: 1
    })
  )
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `sql` against a fresh in-memory DuckDB; `$1` = ohlcv path, `$2` (if used) = alerts path. */
const query = (sql: string) =>
  Effect.scoped(
    Effect.flatMap(Duck.openDatabase(Duck.MEMORY, { threads: 1 }), (db) =>
      Duck.readRowsJson(db.connection, sql, sql.includes("$2") ? [ohlcv, alerts] : [ohlcv])
    )
  )

const one = (sql: string) => Effect.map(query(sql), (rows) => rows[0] as Record<string, unknown>)

describe("generateSynthetic", () => {
  it.effect("writes ohlcv_slice_v2 with the exact column types", () =>
    Effect.gen(function* () {
      const rows = yield* query("DESCRIBE SELECT * FROM read_parquet($1)")
      expect(rows.map((r) => [r.column_name, r.column_type])).toEqual([
        ["chain", "VARCHAR"],
        ["mint", "VARCHAR"],
        ["ts", "TIMESTAMP"],
        ["interval_s", "INTEGER"],
        ["open", "DOUBLE"],
        ["high", "DOUBLE"],
        ["low", "DOUBLE"],
        ["close", "DOUBLE"],
        ["volume", "DOUBLE"]
      ])
      const alertRows = yield* query("DESCRIBE SELECT * FROM read_parquet($2) WHERE $1 IS NOT NULL")
      expect(alertRows.map((r) => [r.column_name, r.column_type])).toEqual([
        ["alert_id", "VARCHAR"],
        ["alert_ts", "TIMESTAMP"],
        ["chain", "VARCHAR"],
        ["mint", "VARCHAR"],
        ["caller", "VARCHAR"]
      ])
    })
  )

  it.effect("reports counts and the time range of what it wrote", () =>
    Effect.gen(function* () {
      const row = yield* one(`SELECT count(*)::INTEGER AS n, count(DISTINCT mint)::INTEGER AS mints,
        strftime(min(ts), '%Y-%m-%dT%H:%M:%S.%fZ') AS min_ts, strftime(max(ts), '%Y-%m-%dT%H:%M:%S.%fZ') AS max_ts,
        (SELECT count(*)::INTEGER FROM read_parquet($2)) AS alerts
        FROM read_parquet($1)`)
      expect(summary).toEqual({
        candles: row.n,
        alerts: row.alerts,
        tokens: 40,
        minTs: "2024-01-01T00:00:00.000000Z",
        maxTs: row.max_ts
      })
      expect(row.mints).toBe(40)
      expect(row.min_ts).toBe(summary.minTs)
      expect(summary.candles).toBeGreaterThan(40 * 2 * 1440 * 0.5)
    })
  )

  it.effect("every candle satisfies the ohlcv_slice_v2 contract (zero violations)", () =>
    Effect.gen(function* () {
      const row = yield* one(`SELECT
        count(*) FILTER (WHERE chain IS NULL OR mint IS NULL OR ts IS NULL OR interval_s IS NULL OR open IS NULL
          OR high IS NULL OR low IS NULL OR close IS NULL OR volume IS NULL)::INTEGER AS nulls,
        count(*) FILTER (WHERE NOT (open > 0 AND high > 0 AND low > 0 AND close > 0))::INTEGER AS non_positive,
        count(*) FILTER (WHERE NOT (isfinite(open) AND isfinite(high) AND isfinite(low) AND isfinite(close)
          AND isfinite(volume)))::INTEGER AS non_finite,
        count(*) FILTER (WHERE low > least(open, close))::INTEGER AS low_above_body,
        count(*) FILTER (WHERE high < greatest(open, close))::INTEGER AS high_below_body,
        count(*) FILTER (WHERE volume < 0)::INTEGER AS negative_volume,
        count(*) FILTER (WHERE epoch_us(ts) % (interval_s::BIGINT * 1000000) <> 0)::INTEGER AS misaligned,
        count(*) FILTER (WHERE interval_s <> 60)::INTEGER AS other_interval,
        count(*) FILTER (WHERE chain <> 'solana')::INTEGER AS other_chain,
        (count(*) - count(DISTINCT (chain, mint, ts)))::INTEGER AS duplicates
        FROM read_parquet($1)`)
      expect(row).toEqual({
        nulls: 0,
        non_positive: 0,
        non_finite: 0,
        low_above_body: 0,
        high_below_body: 0,
        negative_volume: 0,
        misaligned: 0,
        other_interval: 0,
        other_chain: 0,
        duplicates: 0
      })
    })
  )

  it.effect("stores candles in canonical (chain, mint, ts) order and alerts in (alert_ts, alert_id) order", () =>
    Effect.gen(function* () {
      const row = yield* one(`SELECT
        (SELECT count(*)::INTEGER FROM (
          SELECT file_row_number, row_number() OVER (ORDER BY chain, mint, ts) - 1 AS rn
          FROM read_parquet($1, file_row_number = true)) WHERE file_row_number <> rn) AS ohlcv_out_of_order,
        (SELECT count(*)::INTEGER FROM (
          SELECT file_row_number, row_number() OVER (ORDER BY alert_ts, alert_id) - 1 AS rn
          FROM read_parquet($2, file_row_number = true)) WHERE file_row_number <> rn) AS alerts_out_of_order`)
      expect(row).toEqual({ ohlcv_out_of_order: 0, alerts_out_of_order: 0 })
    })
  )

  it.effect("has gaps (missing candles), zero-volume flat candles and heavy-tailed returns", () =>
    Effect.gen(function* () {
      const row = yield* one(`WITH c AS (
          SELECT *, epoch(ts - lag(ts) OVER (PARTITION BY chain, mint ORDER BY ts)) AS step FROM read_parquet($1))
        SELECT count(*) FILTER (WHERE step > 60)::INTEGER AS gaps,
          count(DISTINCT mint) FILTER (WHERE step > 60)::INTEGER AS mints_with_gaps,
          count(*) FILTER (WHERE volume = 0)::INTEGER AS zero_volume,
          count(*) FILTER (WHERE volume = 0 AND NOT (open = high AND high = low AND low = close))::INTEGER AS zero_volume_not_flat,
          kurtosis(ln(close / open)) FILTER (WHERE volume > 0) AS excess_kurtosis
        FROM c`)
      expect(row.gaps).toBeGreaterThan(100)
      expect(row.mints_with_gaps).toBeGreaterThan(20)
      expect(row.zero_volume).toBeGreaterThan(0)
      expect(row.zero_volume_not_flat).toBe(0)
      // A normal distribution has excess kurtosis 0; memecoin returns are far from it.
      expect(row.excess_kurtosis).toBeGreaterThan(5)
    })
  )

  it.effect("alerts: unique ids, existing mints, the config's chain, known callers, inside the window", () =>
    Effect.gen(function* () {
      const row = yield* one(`SELECT count(*)::INTEGER AS n,
          (count(*) - count(DISTINCT alert_id))::INTEGER AS duplicate_ids,
          count(*) FILTER (WHERE alert_id IS NULL OR alert_ts IS NULL OR chain IS NULL OR mint IS NULL)::INTEGER AS nulls,
          count(*) FILTER (WHERE NOT EXISTS (
            SELECT 1 FROM read_parquet($1) o WHERE o.chain = a.chain AND o.mint = a.mint))::INTEGER AS unknown_mint,
          count(*) FILTER (WHERE caller NOT IN ('${M.CALLERS.join("', '")}'))::INTEGER AS unknown_caller,
          count(*) FILTER (WHERE alert_ts < TIMESTAMP '2024-01-01' OR alert_ts >= TIMESTAMP '2024-01-03')::INTEGER AS outside,
          count(*) FILTER (WHERE NOT regexp_full_match(alert_id, 'syn-5-[0-9]+-[0-9]+'))::INTEGER AS bad_id,
          count(DISTINCT caller)::INTEGER AS callers
        FROM read_parquet($2) a`)
      expect(row).toEqual({
        n: summary.alerts,
        duplicate_ids: 0,
        nulls: 0,
        unknown_mint: 0,
        unknown_caller: 0,
        outside: 0,
        bad_id: 0,
        callers: M.CALLERS.length
      })
      // ~1.3 alerts per token-day with the defaults.
      expect(summary.alerts).toBeGreaterThan(40 * 2 * 0.6)
      expect(summary.alerts).toBeLessThan(40 * 2 * 2.5)
    })
  )

  it.effect("most alerts, not all, lie within minutes of a pump start, and prices rally after them", () =>
    Effect.gen(function* () {
      // Pump starts of every token, from the model; their price moves are checked in the file.
      const { mints } = M.mintsAndOrder(config.seed, config.tokens)
      const startMs = M.startMsOf(config)
      const pumps: Array<{ mint: string; startUs: number; endUs: number; multiple: number }> = []
      for (let token = 0; token < config.tokens; token++) {
        for (const pump of M.planToken(config, token).pumps) {
          if (pump.startSlot + pump.length > M.slotCount(config)) continue
          pumps.push({
            mint: mints[token],
            startUs: (startMs + pump.startSlot * 60_000) * 1000,
            endUs: (startMs + (pump.startSlot + pump.length - 1) * 60_000) * 1000,
            multiple: pump.multiple
          })
        }
      }
      expect(pumps.length).toBeGreaterThan(40)
      const rows = yield* Effect.scoped(
        Effect.gen(function* () {
          const db = yield* Duck.openDatabase(Duck.MEMORY, { threads: 1 })
          const conn = db.connection
          yield* Duck.run(conn, "CREATE TABLE pumps (mint VARCHAR, start_us BIGINT, end_us BIGINT, multiple DOUBLE)")
          const appender = yield* Effect.promise(() => conn.createAppender("pumps"))
          for (const p of pumps) {
            appender.appendVarchar(p.mint)
            appender.appendBigInt(BigInt(p.startUs))
            appender.appendBigInt(BigInt(p.endUs))
            appender.appendDouble(p.multiple)
            appender.endRow()
          }
          appender.closeSync()
          const priceCheck = yield* Duck.readRowsJson(
            conn,
            `SELECT count(*)::INTEGER AS pumps,
               count(*) FILTER (WHERE abs(l.close / f.open / p.multiple - 1) > 1e-9)::INTEGER AS off_target,
               count(*) FILTER (WHERE l.close / f.open < 2 - 1e-9)::INTEGER AS below_2x
             FROM pumps p
             JOIN read_parquet($1) f ON f.mint = p.mint AND f.ts = make_timestamp(p.start_us)
             JOIN read_parquet($1) l ON l.mint = p.mint AND l.ts = make_timestamp(p.end_us)`,
            [ohlcv]
          )
          const nearness = yield* Duck.readRowsJson(
            conn,
            `SELECT count(*)::INTEGER AS alerts,
               count(*) FILTER (WHERE EXISTS (
                 SELECT 1 FROM pumps p WHERE p.mint = a.mint
                   AND epoch_us(a.alert_ts) BETWEEN p.start_us - ${config.alertLeadS} * 1000000
                                                AND p.start_us + ${config.alertLagS} * 1000000))::INTEGER AS near_pump
             FROM read_parquet($1) a`,
            [alerts]
          )
          return { priceCheck: priceCheck[0], nearness: nearness[0] }
        })
      )
      expect(rows.priceCheck).toEqual({ pumps: pumps.length, off_target: 0, below_2x: 0 })
      const near = rows.nearness.near_pump as number
      const total = rows.nearness.alerts as number
      expect(near / total).toBeGreaterThan(0.55)
      expect(near).toBeLessThan(total) // false alarms exist
    })
  )

  it("reported progress up to (tokens, tokens)", () => {
    expect(progress.length).toBeGreaterThan(0)
    expect(progress[progress.length - 1]).toEqual([40, 40])
    for (let i = 1; i < progress.length; i++) expect(progress[i][0]).toBeGreaterThanOrEqual(progress[i - 1][0])
  })

  it.effect("fails with SyntheticWriteError naming the path, and leaves no file behind", () =>
    Effect.gen(function* () {
      const okDir = mkdtempSync(join(tmpdir(), "synthetic-fail-"))
      try {
        const alertsPath = join(okDir, "alerts.parquet")
        const ohlcvPath = join(okDir, "missing-dir", "ohlcv.parquet")
        const error = yield* Effect.flip(
          generateSynthetic(makeSyntheticConfig({ tokens: 3, days: 1, seed: 1 }), { ohlcvPath, alertsPath })
        )
        expect(error).toBeInstanceOf(SyntheticWriteError)
        expect(error.operation).toBe("copy")
        expect(error.path).toBe(ohlcvPath)
        expect(existsSync(alertsPath)).toBe(false)
      } finally {
        rmSync(okDir, { recursive: true, force: true })
      }
    })
  )

  it.live("interruption mid-write stops DuckDB and removes both files", () =>
    Effect.gen(function* () {
      const tmp = mkdtempSync(join(tmpdir(), "synthetic-interrupt-"))
      try {
        const paths = { ohlcvPath: join(tmp, "ohlcv.parquet"), alertsPath: join(tmp, "alerts.parquet") }
        const started = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(
          generateSynthetic(makeSyntheticConfig({ tokens: 400, days: 3, seed: 2 }), paths, {
            onProgress: (done) => (done >= 1 ? Deferred.succeed(started, undefined) : Effect.void),
            progressEvery: 1
          })
        )
        yield* Deferred.await(started)
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(existsSync(paths.ohlcvPath)).toBe(false)
        expect(existsSync(paths.alertsPath)).toBe(false)
      } finally {
        rmSync(tmp, { recursive: true, force: true })
      }
    })
  )
})
