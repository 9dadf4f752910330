/**
 * The one failure of the DuckDB helpers: a statement (or open/connect) that DuckDB rejected.
 * `sql` is the statement, truncated to `MAX_SQL_CHARS`; values never appear in it because every
 * value goes through a prepared parameter.
 */
import { Schema } from "effect"

export const MAX_SQL_CHARS = 500

export class DuckDBError extends Schema.TaggedError<DuckDBError>()("DuckDBError", {
  /** The statement (truncated), or a description such as `open /path/db.duckdb` for open/connect. */
  sql: Schema.String,
  message: Schema.String
}) {}

export const truncateSql = (sql: string): string =>
  sql.length <= MAX_SQL_CHARS ? sql : `${sql.slice(0, MAX_SQL_CHARS)}… (${sql.length} chars)`

export const toDuckDBError = (sql: string, cause: unknown): DuckDBError =>
  new DuckDBError({
    sql: truncateSql(sql),
    message: cause instanceof Error ? cause.message : String(cause)
  })
