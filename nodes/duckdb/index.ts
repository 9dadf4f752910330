/**
 * DuckDB helpers: a scoped database, interruptible statements, the library version.
 * Use as `Duck.openDatabase(…)`, `Duck.run(conn, sql, params)`.
 */
export * as Duck from "./Duck.js"
export type { Database, DatabaseOptions, DuckDBBuild, Params } from "./Duck.js"
export { DuckDBError, MAX_SQL_CHARS } from "./DuckDBError.js"
export { DuckWorkspace, type DuckWorkspaceShape, workspaceConnection } from "./Workspace.js"
