/**
 * The projection: a temporary DuckDB database under the store's tmp/ plus the candles one
 * experiment simulates, resident in Float64Arrays (docs/DESIGN.md §3). A scoped resource: the database
 * is closed and deleted when its scope closes, on success, failure and interruption; a file left
 * by a killed process is swept by gc (its name carries the owner's pid).
 *
 * Contents:
 * - `Projection.alerts`: every alert of the input artifacts (sorted alert_ts, alert_id) —
 *   out-of-range ones too, so the simulation can report them as diagnostics instead of dropping
 *   them silently;
 * - the candles of the (chain, mint) pairs that have an alert in the date range, from the first
 *   such alert on, to the end of the data (`mints` sorted chain, mint; each series sorted by ts).
 *   Candles after `to` stay: they finish trades opened inside the range, so the window never
 *   changes a trade. A pair with no candle at or after its first alert is left out (its alerts
 *   get `no_candles`).
 *
 * Loading (the hot path: moving candles out of DuckDB costs more than the backtest loop itself).
 * `ohlcv_slice_v2` artifacts are sorted by (chain, mint, ts) with unique keys, so the Parquet
 * files are read in place — no table copy, no sort:
 * 1. a directory query per file, on a second connection while the alerts load: (chain, mint) →
 *    row count and first/last `file_row_number` (grouped by `mint` alone when the footer shows
 *    one `chain` for the whole file);
 * 2. the rows of the wanted pairs, by `file_row_number` ranges cut at row-group starts (DuckDB
 *    skips the row groups outside them), `epoch_ms(ts)::DOUBLE, open, high, low, close` in file
 *    order (DuckDB preserves the row order of a single-relation SELECT), on two connections at
 *    once, copied chunk by chunk from the vectors' bytes straight into one set of Float64Arrays;
 *    each pair's candles before its first alert are skipped, not copied.
 * If the inputs break that shape — a pair spread over several files, non-contiguous rows, or ts
 * not strictly increasing from the first alert on — the loader falls back to `CREATE TABLE ohlcv
 * … ORDER BY chain, mint, ts` in the projection database and reads that table the same way (by
 * rowid). Either way the candles are the same, bit for bit.
 *
 * The candles are read once per projection and shared: every consumer's `candles` stream hands
 * out views (`subarray`) of the same arrays, so a sweep of many strategies over one projection
 * pays the load once and no consumer touches DuckDB. Memory is ~40 bytes (five Float64 columns)
 * per projected candle (the arrays are sized for the wanted pairs' whole rows, but the room of the
 * candles before each first alert is left as one unwritten block per range, which never becomes
 * resident) plus a small per-pair record, whatever the number of consumers.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Effect, Stream } from "effect"
import { Duck, type DuckDBError } from "../duckdb/index.js"
import { mintKeyOf, type MintSeries } from "../simulate/CandleSeries.js"
import type { SimAlert } from "../simulate/SimAlert.js"
import { loadResident, loadThroughTable, parquetSource, readDirectory } from "./internal/residentCandles.js"

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
  /** (chain, mint) pairs with candles, sorted (chain, mint). */
  readonly mints: ReadonlyArray<MintRange>
  readonly candleCount: number
  /** Each mint's candles, in `mints` order: views of the projection's resident arrays. */
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
  /** Called while candles are read (every 250 ms and at the end): (rows scanned, rows to scan). */
  readonly onProgress?: (done: number, total: number) => Effect.Effect<void>
}

/** Every alert, read straight from the artifacts' files (no table: only the fallback needs one). */
const loadAlerts = (conn: DuckDBConnection, spec: ProjectionSpec) =>
  Effect.map(
    Duck.readAll(
      conn,
      `SELECT alert_id, epoch_ms(alert_ts)::DOUBLE AS alert_ts, chain, mint, caller
       FROM read_parquet($1) ORDER BY alert_ts, alert_id`,
      [Duck.literalPaths(spec.alertFiles)]
    ),
    (reader) => {
      // Column-wise: ~5× faster than row objects for 10k alerts.
      const c = reader.getColumnsObjectJS() as Record<string, ReadonlyArray<unknown>>
      const ids = c.alert_id!
      return ids.map((id, i): SimAlert => ({
        alert_id: id as string,
        alert_ts: c.alert_ts![i] as number,
        chain: c.chain![i] as string,
        mint: c.mint![i] as string,
        caller: (c.caller![i] as string | null) ?? null
      }))
    }
  )

/** (chain, mint) → the first in-range alert's time (epoch ms), from the alerts in JS. */
const firstAlerts = (alerts: ReadonlyArray<SimAlert>, from: number, to: number): Map<string, number> => {
  const first = new Map<string, number>()
  for (const a of alerts) {
    if (!(from <= a.alert_ts && a.alert_ts < to)) continue
    const key = mintKeyOf(a.chain, a.mint)
    const seen = first.get(key)
    if (seen === undefined || a.alert_ts < seen) first.set(key, a.alert_ts)
  }
  return first
}

/** Builds the projection and loads its candles; the database is released with the scope. */
export const openProjection = (spec: ProjectionSpec) =>
  Effect.gen(function*() {
    const database = yield* Duck.openDatabase(spec.databasePath, {
      threads: spec.threads ?? 2,
      deleteOnClose: true
    })
    const sources = spec.ohlcvFiles.map(parquetSource)
    // The directory does not depend on the alerts: both run at once, on two connections.
    const [alerts, directory] = yield* Effect.all([
      loadAlerts(database.connection, spec),
      Effect.scoped(Effect.flatMap(Duck.connect(database), (conn) => readDirectory(conn, sources)))
    ], { concurrency: 2 })
    const first = firstAlerts(alerts, spec.from, spec.to)
    const loaded = (yield* loadResident(database, sources, directory, first, true, spec)) ??
      (yield* loadThroughTable(database, spec, first))
    const projection: Projection = {
      path: spec.databasePath,
      alerts,
      mints: loaded.mints,
      candleCount: loaded.candleCount,
      candles: Stream.fromIterable(loaded.series)
    }
    return projection
  })
