/**
 * One in-memory DuckDB instance shared by everything a process does with small tables: writing
 * JS rows as canonical Parquet, reading a small Parquet file back, building a coverage table.
 *
 * Why a service: creating a DuckDB instance costs 50–110 ms here (measured), a connection well under
 * a millisecond. A simulate node publishes three tables and publish reads four and writes three;
 * with an instance per table a 6 ms simulation took ~325 ms. Each user takes its own connection
 * (closed with its scope) and works in connection-local TEMP tables, so concurrent fibers never see
 * each other's data and nothing outlives the connection.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Context, Effect, Layer, Runtime, Scope } from "effect"
import { connect, type Database, MEMORY, openDatabase } from "./Duck.js"
import type { DuckDBError } from "./DuckDBError.js"

/**
 * Connections in use at once. Every running statement of @duckdb/node-api holds one of libuv's
 * four threadpool threads, which the store's file operations share: unbounded, a node publishing
 * three tables beside another would leave fs calls queueing behind COPYs. Further callers wait —
 * so never ask for a second connection while holding one (two such fibers would wait forever).
 */
const CONCURRENT_CONNECTIONS = 2

export interface DuckWorkspaceShape {
  /**
   * A fresh connection (session time zone UTC), closed when the caller's scope closes; waits while
   * `CONCURRENT_CONNECTIONS` are in use.
   */
  readonly connect: Effect.Effect<DuckDBConnection, DuckDBError, Scope.Scope>
  /**
   * Opens the instance now if it is not open yet (loading the library first), taking no
   * connection: for a caller that will connect soon, so that the loading overlaps its other work.
   */
  readonly open: Effect.Effect<void, DuckDBError>
}

export class DuckWorkspace extends Context.Tag("pipeline/nodes/DuckWorkspace")<DuckWorkspace, DuckWorkspaceShape>() {
  /**
   * The instance is opened by the first `connect` (a command that never asks for one, such as
   * `experiments list` or a run whose nodes all hit, neither loads DuckDB nor opens it) and lives
   * as long as the layer: closed when the program's scope closes. A failure to open fails that
   * `connect`; the next one tries again. Two threads: the tables are small, and the projection or the
   * kernel run beside.
   */
  static readonly layer: Layer.Layer<DuckWorkspace> = Layer.scoped(
    DuckWorkspace,
    Effect.gen(function*() {
      const scope = yield* Effect.scope
      const runtime = yield* Effect.runtime<never>()
      const opening = yield* Effect.makeSemaphore(1)
      let opened: Database | undefined
      // Opened on a fiber of the layer's runtime, not on the caller's: a finalizer keeps the
      // FiberRefs of the fiber that registered it (effect's addFinalizer), and the first caller's
      // (its context: the run it belongs to, with its reports and resources — a sweep's projection)
      // would stay reachable from this scope, as long as the process.
      const open = Effect.flatten(
        Effect.promise(() => Runtime.runPromiseExit(runtime, Scope.extend(openDatabase(MEMORY, { threads: 2 }), scope)))
      )
      // One opener at a time; uninterruptible, so a caller interrupted meanwhile leaves either an
      // open database or none (the next caller opens it) — never a half-registered one.
      const database = opening.withPermits(1)(
        Effect.suspend(() =>
          opened !== undefined
            ? Effect.succeed(opened)
            : Effect.uninterruptible(
              Effect.tap(open, (db) =>
                Effect.sync(() => {
                  opened = db
                }))
            )
        )
      )
      const permits = yield* Effect.makeSemaphore(CONCURRENT_CONNECTIONS)
      return {
        connect: Effect.zipRight(
          Effect.acquireRelease(permits.take(1), () => permits.release(1)),
          Effect.flatMap(database, connect)
        ),
        open: Effect.asVoid(database)
      }
    })
  )
}

/** A connection from the process's workspace, closed with the current scope. */
export const workspaceConnection: Effect.Effect<DuckDBConnection, DuckDBError, DuckWorkspace | Scope.Scope> =
  Effect.flatMap(DuckWorkspace, (workspace) => workspace.connect)
