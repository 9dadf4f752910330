/**
 * Progress of an import's long steps (docs/DESIGN.md §9): the CSV scan (bytes of the file), the load
 * into DuckDB (bytes of the file, from DuckDB's query progress), the validation (rows) and the
 * write (rows, from DuckDB's query progress). Sampled every 250 ms, like the projection's scan;
 * values only grow, and each step ends with `total` of `total`.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Effect, Schedule } from "effect"
import { Duck, type DuckDBError } from "../../duckdb/index.js"
import type { ImportProgress } from "../ImportOptions.js"

const EVERY = "250 millis"

/**
 * Runs `effect` while reporting `read()` of `total` in `unit` (at the start, then every 250 ms when
 * it grew), and `total` of `total` once it succeeded. `effect` alone when there is no reporter.
 */
export const withProgress = <A, E>(
  effect: Effect.Effect<A, E>,
  read: () => number,
  total: number,
  unit: string,
  onProgress: ImportProgress | undefined
): Effect.Effect<A, E> => {
  if (onProgress === undefined) return effect
  let last = -1
  const report = (done: number) =>
    Effect.suspend(() => {
      if (done <= last) return Effect.void
      last = done
      return onProgress(done, total, unit)
    })
  const sample = Effect.suspend(() => report(Math.max(0, Math.min(read(), total))))
  return Effect.scoped(
    Effect.zipRight(
      Effect.forkScoped(Effect.repeat(sample, Schedule.spaced(EVERY))),
      Effect.zipLeft(effect, Effect.suspend(() => report(total)))
    )
  )
}

/** Reports `total` of `total` in `unit` (a step that has no useful intermediate count). */
export const reportDone = (total: number, unit: string, onProgress: ImportProgress | undefined): Effect.Effect<void> =>
  onProgress === undefined ? Effect.void : onProgress(total, total, unit)

/**
 * Turns on DuckDB's query progress for `conn` (without its terminal progress bar), so that
 * `queryProgress` can read it while a statement runs.
 */
export const enableQueryProgress = (conn: DuckDBConnection): Effect.Effect<void, DuckDBError> =>
  Effect.asVoid(
    Effect.zipRight(Duck.run(conn, "SET enable_progress_bar = true"), Duck.run(conn, "SET enable_progress_bar_print = false"))
  )

/**
 * The running statement's progress on `conn` as a share of `total` (DuckDB's percentage: for a
 * file scan, about the share of its bytes read); 0 when none is known.
 */
export const queryProgress = (conn: DuckDBConnection, total: number) => (): number => {
  const percentage = conn.progress.percentage
  return Number.isFinite(percentage) && percentage > 0 ? Math.floor((percentage / 100) * total) : 0
}
