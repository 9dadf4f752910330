/**
 * The connection to a PostgreSQL catalog: one pooled client per process, migrated to this code's
 * schema before first use.
 *
 * `@effect/sql-pg` (and `pg` under it) is imported when the layer is built, not when this module is
 * loaded: a CLI run without `--catalog` never pays for it. Everything else here uses its types only.
 *
 * Migrations run inside one transaction holding a transaction-level advisory lock, so processes that
 * open a fresh database at the same time migrate it once; the migrations table is created inside that
 * lock too (the Migrator's own create-if-missing would race). A database migrated past what this code
 * knows is refused: newer code owns it.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Context, Duration, Effect, Layer, Redacted, Stream } from "effect"
import { StoreIOError } from "../StoreError.js"
import { LATEST_MIGRATION, migrations, MIGRATIONS_TABLE } from "./Migrations.js"
import { describeSqlError, redactUrl, sqlFailure } from "./internal/sqlFailure.js"

export interface PostgresCatalogShape {
  readonly sql: SqlClient
  /**
   * The payloads of the notifications sent on `channel` (LISTEN, on a connection of its own) while
   * the stream runs. Best effort: one sent before the LISTEN took effect, or while the connection
   * was down, is not seen, so a caller must not rely on it alone (the job queue polls as well).
   */
  readonly listen: (channel: string) => Stream.Stream<string, StoreIOError>
  /** The database, for messages (password and query parameters removed). */
  readonly where: string
}

/** The migrated catalog database the PostgreSQL layers read and write. */
export class PostgresCatalog extends Context.Tag("pipeline/store/PostgresCatalog")<
  PostgresCatalog,
  PostgresCatalogShape
>() {}

export interface PostgresCatalogOptions {
  /** `postgres://user[:password]@host[:port]/database` (libpq-style query parameters allowed). */
  readonly url: string
  /** Pool size (default 10). */
  readonly maxConnections?: number
  /** How long to wait for the server when connecting (default 10 s). */
  readonly connectTimeout?: Duration.DurationInput
}

/** An arbitrary constant: the advisory lock key that serialises migrations across processes. */
const MIGRATION_LOCK = 7_364_129_001

const migrate = (sql: SqlClient, where: string) =>
  Effect.gen(function* () {
    const [Migrator, { SqlClient: SqlClientTag }] = yield* Effect.promise(() =>
      Promise.all([import("@effect/sql/Migrator"), import("@effect/sql/SqlClient")])
    )
    const locked = Effect.gen(function* () {
      yield* sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
      yield* sql`CREATE TABLE IF NOT EXISTS ${sql(MIGRATIONS_TABLE)} (
        migration_id integer PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        name text NOT NULL
      )`
      const rows = yield* sql<{ readonly latest: number | null }>`SELECT max(migration_id) AS latest FROM ${sql(MIGRATIONS_TABLE)}`
      const latest = rows[0]?.latest ?? 0
      if (latest > LATEST_MIGRATION) {
        return yield* new StoreIOError({
          operation: "migrate",
          path: where,
          reason: "Database",
          detail: `the catalog's schema is at migration ${latest}, newer than this pipeline knows (${LATEST_MIGRATION}): upgrade pipeline`
        })
      }
      yield* Migrator.make({})({ loader: Migrator.fromRecord(migrations(sql)), table: MIGRATIONS_TABLE }).pipe(
        Effect.provideService(SqlClientTag, sql),
        Effect.mapError((error) =>
          error._tag === "MigrationError"
            ? new StoreIOError({ operation: "migrate", path: where, reason: "Database", detail: error.message })
            : sqlFailure("migrate", where)(error)
        )
      )
    })
    // Already at this code's version (every connection after the first): one read, no lock.
    const current = yield* sql<{ readonly latest: number | null }>`SELECT max(migration_id) AS latest FROM ${sql(MIGRATIONS_TABLE)}`.pipe(
      Effect.map((rows) => rows[0]?.latest ?? 0),
      Effect.orElseSucceed(() => 0)
    )
    if (current === LATEST_MIGRATION) return
    yield* sql.withTransaction(locked).pipe(
      Effect.catchTag("SqlError", (error) => Effect.fail(sqlFailure("migrate", where)(error)))
    )
  })

export const PostgresCatalogLive = {
  /**
   * Connects (failing with StoreIOError{operation: "connect"} when the server cannot be reached) and
   * migrates. The pool is closed when the layer is released.
   */
  layer: (options: PostgresCatalogOptions): Layer.Layer<PostgresCatalog, StoreIOError> => {
    const where = redactUrl(options.url)
    return Layer.unwrapEffect(
      Effect.gen(function* () {
        const [{ PgClient }, { SqlClient: SqlClientTag }] = yield* Effect.promise(() =>
          Promise.all([import("@effect/sql-pg"), import("@effect/sql/SqlClient")])
        )
        const client = PgClient.layer({
          url: Redacted.make(options.url),
          maxConnections: options.maxConnections ?? 10,
          connectTimeout: options.connectTimeout ?? Duration.seconds(10),
          applicationName: "pipeline"
        }).pipe(
          Layer.mapError((error) => new StoreIOError({ operation: "connect", path: where, reason: "Database", detail: describeSqlError(error) }))
        )
        return Layer.effect(
          PostgresCatalog,
          Effect.gen(function* () {
            const sql = yield* SqlClientTag
            const pg = yield* PgClient.PgClient
            yield* migrate(sql, where)
            const listen = (channel: string) => Stream.mapError(pg.listen(channel), sqlFailure("listen", `${where} (${channel})`))
            return { sql, where, listen }
          })
        ).pipe(Layer.provide(client))
      })
    )
  },
  /**
   * An already connected client (tests, embedding), migrated here. Without `listen` no notification
   * is ever seen: the job queue's waits then last their whole poll interval.
   */
  fromClient: (
    sql: SqlClient,
    where: string,
    listen: PostgresCatalogShape["listen"] = () => Stream.empty
  ): Layer.Layer<PostgresCatalog, StoreIOError> =>
    Layer.effect(PostgresCatalog, Effect.as(migrate(sql, where), { sql, where, listen }))
}
