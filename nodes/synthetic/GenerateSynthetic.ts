/**
 * `generateSynthetic`: writes the seeded synthetic market as two canonical Parquet files,
 * `ohlcv_slice_v2` (sorted `chain, mint, ts`) and `alerts_v1` (sorted `alert_ts, alert_id`).
 *
 * Same config ⇒ byte-identical files (same DuckDB build): all randomness comes from per-token
 * seedrandom streams (internal/market.ts), rows reach DuckDB in a fixed order, and the Parquet
 * options are fixed. Candles stream through a DuckDB table function into `COPY … TO`: nothing is
 * staged, memory stays flat whatever the number of tokens.
 */
import { Effect, Exit, Fiber, Schedule } from "effect"
import { rm } from "node:fs/promises"
import { AlertsV1 } from "../contracts/index.js"
import { PARQUET_COPY_OPTIONS, writeCanonicalParquet } from "../parquet/index.js"
import { Duck, type DuckDBError } from "../duckdb/index.js"
import { ALERTS_FUNCTION, makeAlertSource, makeOhlcvSource, OHLCV_SELECT } from "./internal/sources.js"
import { mintsAndOrder, startMsOf } from "./internal/market.js"
import type { SyntheticConfig } from "./SyntheticConfig.js"
import { SyntheticWriteError } from "./SyntheticError.js"

/** Where to write; the caller stages these paths (e.g. in the store's scratch space). */
export interface SyntheticPaths {
  readonly ohlcvPath: string
  readonly alertsPath: string
}

export interface SyntheticOptions {
  /** Called with (tokens done, tokens total) while candles are written, and once at the end. */
  readonly onProgress?: (done: number, total: number) => Effect.Effect<void>
  /** How often progress is sampled (default 250 ms). */
  readonly progressEvery?: number
}

export interface SyntheticSummary {
  readonly candles: number
  readonly alerts: number
  readonly tokens: number
  /** First / last candle open time, ISO-8601 UTC with µs (`2024-01-01T00:00:00.000000Z`). */
  readonly minTs: string | null
  readonly maxTs: string | null
}

/**
 * Candles arrive from the table function already in `chain, mint, ts` order (one chain, tokens
 * in mint order, slots ascending, one scanning thread) and DuckDB keeps insertion order
 * (`preserve_insertion_order` at its default), so there is no ORDER BY: a sort would materialize
 * every row. The result is byte-identical to the canonical writer's (tested).
 */
const OHLCV_STREAM_COPY = `COPY (${OHLCV_SELECT}) TO $1 (${PARQUET_COPY_OPTIONS})`

/** Epoch µs → `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export const isoMicros = (micros: number): string => {
  const ms = Math.floor(micros / 1000)
  const rest = micros - ms * 1000
  return `${new Date(ms).toISOString().slice(0, 23)}${String(rest).padStart(3, "0")}Z`
}

const writeError =
  (operation: SyntheticWriteError["operation"], path: string) =>
  (error: DuckDBError): SyntheticWriteError =>
    new SyntheticWriteError({ operation, path, reason: error.message })

/** Runs `effect` while sampling `read()` into `onProgress`; reports the final count once more. */
const withProgress = <A, E>(
  effect: Effect.Effect<A, E>,
  read: () => number,
  total: number,
  options: SyntheticOptions
): Effect.Effect<A, E> => {
  const onProgress = options.onProgress
  if (onProgress === undefined) return effect
  let last = -1
  const sample = Effect.suspend(() => {
    const done = read()
    if (done === last) return Effect.void
    last = done
    return onProgress(done, total)
  })
  return Effect.gen(function* () {
    const poller = yield* Effect.fork(Effect.repeat(sample, Schedule.spaced(options.progressEvery ?? 250)))
    const result = yield* effect.pipe(Effect.ensuring(Fiber.interrupt(poller)))
    yield* sample
    return result
  })
}

/** Best-effort removal; `recursive` only for the spill directory this module names itself. */
const removeQuietly = (path: string, recursive = false) =>
  Effect.promise(() => rm(path, { force: true, recursive }).catch(() => undefined))

/**
 * Generates the market described by `config` into `paths.ohlcvPath` and `paths.alertsPath`.
 * On failure or interruption both files are removed (nothing partial is left behind).
 */
export const generateSynthetic = (
  config: SyntheticConfig,
  paths: SyntheticPaths,
  options: SyntheticOptions = {}
): Effect.Effect<SyntheticSummary, SyntheticWriteError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { mints, order } = mintsAndOrder(config.seed, config.tokens)
      // DuckDB spills here if it must (the alerts sort); its default would be `.tmp` in the cwd.
      const spill = `${paths.ohlcvPath}.duckdb-tmp`
      yield* Effect.addFinalizer(() => removeQuietly(spill, true))
      const db = yield* Duck.openDatabase(Duck.MEMORY, { tempDirectory: spill }).pipe(
        Effect.mapError(writeError("open", ""))
      )
      const alertSource = makeAlertSource(config, mints)
      const ohlcvSource = makeOhlcvSource(config, mints, order)
      db.connection.registerTableFunction(alertSource.tableFunction)
      db.connection.registerTableFunction(ohlcvSource.tableFunction)

      yield* writeCanonicalParquet(db.connection, AlertsV1, `SELECT * FROM ${ALERTS_FUNCTION}()`, [], paths.alertsPath)
        .pipe(Effect.mapError(writeError("copy", paths.alertsPath)))
      yield* withProgress(
        Duck.run(db.connection, OHLCV_STREAM_COPY, [paths.ohlcvPath]).pipe(
          Effect.mapError(writeError("copy", paths.ohlcvPath))
        ),
        ohlcvSource.tokensDone,
        config.tokens,
        options
      )

      const startUs = startMsOf(config) * 1000
      const intervalUs = config.intervalS * 1_000_000
      const candles = ohlcvSource.candles()
      return {
        candles,
        alerts: alertSource.alerts(),
        tokens: config.tokens,
        minTs: candles === 0 ? null : isoMicros(startUs + ohlcvSource.minSlot() * intervalUs),
        maxTs: candles === 0 ? null : isoMicros(startUs + ohlcvSource.maxSlot() * intervalUs)
      }
    })
  ).pipe(
    Effect.onExit((exit) =>
      Exit.isSuccess(exit)
        ? Effect.void
        : Effect.zip(removeQuietly(paths.ohlcvPath), removeQuietly(paths.alertsPath))
    )
  )
