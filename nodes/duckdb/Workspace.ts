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
import { Context, Effect, Layer, type Scope } from "effect"
import { connect, MEMORY, openDatabase } from "./Duck.js"
import type { DuckDBError } from "./DuckDBError.js"

export interface DuckWorkspaceShape {
  /** A fresh connection (session time zone UTC), closed when the caller's scope closes. */
  readonly connect: Effect.Effect<DuckDBConnection, DuckDBError, Scope.Scope>
}

export class DuckWorkspace extends Context.Tag("pipeline/nodes/DuckWorkspace")<DuckWorkspace, DuckWorkspaceShape>() {
  /**
   * The instance lives as long as the layer: opened on first build, closed when the program's
   * scope closes. Two threads: the tables are small, and the projection or the kernel run beside.
   */
  static readonly layer: Layer.Layer<DuckWorkspace, DuckDBError> = Layer.scoped(
    DuckWorkspace,
    Effect.map(openDatabase(MEMORY, { threads: 2 }), (database) => ({ connect: connect(database) }))
  )
}

/** A connection from the process's workspace, closed with the current scope. */
export const workspaceConnection: Effect.Effect<DuckDBConnection, DuckDBError, DuckWorkspace | Scope.Scope> =
  Effect.flatMap(DuckWorkspace, (workspace) => workspace.connect)
