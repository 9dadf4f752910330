/**
 * The projection: a temporary DuckDB database under the store's tmp/ holding exactly the data one
 * experiment simulates (DESIGN.md §3). A scoped resource: closed and deleted when its scope closes,
 * on success, failure and interruption; a file left by a killed process is swept by gc (its name
 * carries the owner's pid).
 *
 * Contents:
 * - `alerts`: every alert of the input artifacts (sorted alert_ts, alert_id) — out-of-range ones
 *   too, so the simulation can report them as diagnostics instead of dropping them silently;
 * - `ohlcv`: candles of the (chain, mint) pairs that have an alert in the date range, from the
 *   first such alert on, to the end of the data (sorted chain, mint, ts). Candles after `to` stay:
 *   they finish trades opened inside the range, so the window never changes a trade.
 *
 * Candles leave DuckDB as `epoch_ms(ts)::DOUBLE` plus the four prices, chunk by chunk, copied into
 * Float64Arrays one mint at a time (STACK.md: Date/TIMESTAMP values are GC-bound).
 */
import type { DuckDBConnection, DuckDBDataChunk } from "@duckdb/node-api"
import { listValue } from "@duckdb/node-api"
import { Effect, Stream } from "effect"
import { type Database, Duck, type DuckDBError } from "../duckdb/index.js"
import type { CandleSeries, MintSeries } from "../simulate/CandleSeries.js"
import type { SimAlert } from "../simulate/SimAlert.js"

export interface MintRange {
  readonly chain: string
  readonly mint: string
  readonly count: number
  readonly intervalMs: number
}

export interface Projection {
  /** The database file (under the store's tmp/). */
  readonly path: string
  readonly alerts: ReadonlyArray<SimAlert>
  /** (chain, mint) pairs with candles, in physical (= sort) order. */
  readonly mints: ReadonlyArray<MintRange>
  readonly candleCount: number
  /** Each mint's candles, in `mints` order; one mint's arrays in memory at a time. */
  readonly candles: Stream.Stream<MintSeries, DuckDBError>
}

export interface ProjectionSpec {
  readonly databasePath: string
  readonly alertFiles: ReadonlyArray<string>
  readonly ohlcvFiles: ReadonlyArray<string>
  /** Epoch ms; alerts are in range when from ≤ alert_ts < to. */
  readonly from: number
  readonly to: number
  readonly threads?: number
}

const micros = (ms: number) => BigInt(Math.round(ms)) * 1000n

const loadTables = (conn: DuckDBConnection, spec: ProjectionSpec) =>
  Effect.gen(function*() {
    yield* Duck.run(
      conn,
      `CREATE TABLE alerts AS
         SELECT alert_id, alert_ts, chain, mint, caller FROM read_parquet($1)
         ORDER BY alert_ts, alert_id`,
      [listValue([...spec.alertFiles])]
    )
    yield* Duck.run(
      conn,
      `CREATE TABLE ohlcv AS
         WITH wanted AS (
           SELECT chain, mint, min(alert_ts) AS first_alert
           FROM alerts
           WHERE alert_ts >= make_timestamp($2::BIGINT) AND alert_ts < make_timestamp($3::BIGINT)
           GROUP BY chain, mint
         )
         SELECT o.chain, o.mint, o.ts, o.interval_s, o.open, o.high, o.low, o.close
         FROM read_parquet($1) AS o
         JOIN wanted AS w ON o.chain = w.chain AND o.mint = w.mint
         WHERE o.ts >= w.first_alert
         ORDER BY o.chain, o.mint, o.ts`,
      [listValue([...spec.ohlcvFiles]), micros(spec.from), micros(spec.to)]
    )
  })

const readAlerts = (conn: DuckDBConnection) =>
  Effect.map(
    Duck.readAll(
      conn,
      `SELECT alert_id, epoch_ms(alert_ts)::DOUBLE AS alert_ts, chain, mint, caller
       FROM alerts ORDER BY alert_ts, alert_id`
    ),
    (reader) =>
      reader.getRowObjectsJS().map((row): SimAlert => ({
        alert_id: row.alert_id as string,
        alert_ts: row.alert_ts as number,
        chain: row.chain as string,
        mint: row.mint as string,
        caller: (row.caller as string | null) ?? null
      }))
  )

const readDirectory = (conn: DuckDBConnection) =>
  Effect.map(
    Duck.readAll(
      conn,
      `SELECT chain, mint, count(*)::DOUBLE AS n, min(interval_s)::DOUBLE AS interval_s
       FROM ohlcv GROUP BY chain, mint ORDER BY chain, mint`
    ),
    (reader) =>
      reader.getRowObjectsJS().map((row): MintRange => ({
        chain: row.chain as string,
        mint: row.mint as string,
        count: row.n as number,
        intervalMs: (row.interval_s as number) * 1000
      }))
  )

/**
 * Copies column `column` of `chunk` (DOUBLE, no NULLs by contract) into `target` at `offset`.
 * The vector's backing Float64Array is a copy owned by JS; reading it whole is ~10× faster than
 * `getItem` per value.
 */
const copyDoubles = (chunk: DuckDBDataChunk, column: number, from: number, count: number, target: Float64Array, offset: number) => {
  const vector = chunk.getColumnVector(column) as unknown as { items?: Float64Array; getItem: (i: number) => number | null }
  if (vector.items instanceof Float64Array) {
    target.set(vector.items.subarray(from, from + count), offset)
  } else {
    for (let i = 0; i < count; i++) target[offset + i] = vector.getItem(from + i) ?? Number.NaN
  }
}

const makeSeries = (count: number, intervalMs: number): CandleSeries & {
  ts: Float64Array
  open: Float64Array
  high: Float64Array
  low: Float64Array
  close: Float64Array
} => ({
  ts: new Float64Array(count),
  open: new Float64Array(count),
  high: new Float64Array(count),
  low: new Float64Array(count),
  close: new Float64Array(count),
  length: count,
  intervalMs
})

/**
 * Cuts the physically ordered candle stream into one series per mint, following the directory.
 * Each consumption opens its own connection: several simulate nodes may read one projection at
 * once, and two result streams on one connection would interleave.
 */
const candleStream = (database: Database, mints: ReadonlyArray<MintRange>): Stream.Stream<MintSeries, DuckDBError> =>
  Stream.unwrapScoped(Effect.map(Duck.connect(database), (conn) => {
    let mintIndex = 0
    let filled = 0
    let current = mints.length > 0 ? makeSeries(mints[0]!.count, mints[0]!.intervalMs) : undefined
    return Duck.stream(
      conn,
      "SELECT epoch_ms(ts)::DOUBLE, open, high, low, close FROM ohlcv ORDER BY chain, mint, ts"
    ).pipe(
      Stream.mapConcat((chunk) => {
        const out: Array<MintSeries> = []
        let row = 0
        const rows = chunk.rowCount
        while (row < rows && current !== undefined) {
          const take = Math.min(rows - row, current.length - filled)
          copyDoubles(chunk, 0, row, take, current.ts, filled)
          copyDoubles(chunk, 1, row, take, current.open, filled)
          copyDoubles(chunk, 2, row, take, current.high, filled)
          copyDoubles(chunk, 3, row, take, current.low, filled)
          copyDoubles(chunk, 4, row, take, current.close, filled)
          row += take
          filled += take
          if (filled === current.length) {
            const range = mints[mintIndex]!
            out.push({ chain: range.chain, mint: range.mint, series: current })
            mintIndex += 1
            filled = 0
            current = mintIndex < mints.length
              ? makeSeries(mints[mintIndex]!.count, mints[mintIndex]!.intervalMs)
              : undefined
          }
        }
        return out
      })
    )
  }))

/** Builds the projection database and opens it; everything is released with the scope. */
export const openProjection = (spec: ProjectionSpec) =>
  Effect.gen(function*() {
    const database = yield* Duck.openDatabase(spec.databasePath, {
      threads: spec.threads ?? 2,
      deleteOnClose: true
    })
    const conn = database.connection
    yield* loadTables(conn, spec)
    const alerts = yield* readAlerts(conn)
    const mints = yield* readDirectory(conn)
    let candleCount = 0
    for (const m of mints) candleCount += m.count
    const projection: Projection = {
      path: spec.databasePath,
      alerts,
      mints,
      candleCount,
      candles: candleStream(database, mints)
    }
    return projection
  })
