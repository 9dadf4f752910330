/**
 * DuckDB as an Effect resource (@duckdb/node-api 1.5.6).
 *
 * - `openDatabase` acquires an instance and one connection in a `Scope`; releasing closes the
 *   connection, then the instance, then (with `deleteOnClose`) removes the database file and its
 *   `.wal`. Every connection runs with `TimeZone = 'UTC'`, so TIMESTAMPTZ ⇄ TIMESTAMP casts never
 *   depend on the machine.
 * - `run` / `readAll` / `readRows` / `stream` wrap one statement each. Interrupting the fiber calls
 *   `conn.interrupt()` *and waits for the pending promise to settle*, so the scope can never close a
 *   connection under a running query.
 * - Values always travel as prepared parameters (`$1`, `$name`); `identifier` is the only way a
 *   name enters SQL text, and it accepts plain identifiers written by this code, never user strings.
 * - File paths handed to a reader go through `literalPath` / `literalPaths`: DuckDB globs them.
 */
import type {
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  DuckDBListValue,
  DuckDBMaterializedResult,
  DuckDBResultReader,
  DuckDBValue,
  JS,
  Json
} from "@duckdb/node-api"
import { Effect, Option, type Scope, Stream } from "effect"
import { rm } from "node:fs/promises"
import { type DuckDBError, toDuckDBError } from "./DuckDBError.js"
import { ValueCache } from "../../store/index.js"
import { duckdbApi, duckdbBindings, nativeLibraryIdentity } from "./NodeApi.js"

export const MEMORY = ":memory:"

/** Prepared-statement values: positional (`$1`, `?`) or named (`$name`). */
export type Params = ReadonlyArray<DuckDBValue> | Readonly<Record<string, DuckDBValue>>

export interface DatabaseOptions {
  /** DuckDB worker threads (default: DuckDB's, the number of cores). */
  readonly threads?: number
  /** e.g. `"4GB"`. */
  readonly memoryLimit?: string
  /** Where DuckDB spills; for `:memory:` databases DuckDB's default is `.tmp` in the cwd. */
  readonly tempDirectory?: string
  /** For a file database: delete the file and its `.wal` after closing (projections use this). */
  readonly deleteOnClose?: boolean
}

export interface Database {
  readonly path: string
  readonly instance: DuckDBInstance
  /** The connection opened with the database; more with `connect`. */
  readonly connection: DuckDBConnection
}

/** A statement that cannot be interrupted half-way by `closeSync`: see `interruptible`. */
const interruptible = <A>(
  conn: DuckDBConnection,
  sql: string,
  start: () => Promise<A>
): Effect.Effect<A, DuckDBError> =>
  Effect.async<A, DuckDBError>((resume) => {
    let settled = false
    let pending: Promise<A>
    try {
      pending = start()
    } catch (cause) {
      resume(Effect.fail(toDuckDBError(sql, cause)))
      return
    }
    pending.then(
      (value) => {
        settled = true
        resume(Effect.succeed(value))
      },
      (cause) => {
        settled = true
        resume(Effect.fail(toDuckDBError(sql, cause)))
      }
    )
    // On interruption: ask DuckDB to stop, then wait until the promise has settled, so that
    // whatever runs next (the scope closing the connection) never races the running query.
    return Effect.suspend(() => {
      if (!settled) conn.interrupt()
      return Effect.promise(() => pending.then(() => undefined, () => undefined))
    })
  })

const toConfig = (options: DatabaseOptions): Record<string, string> => {
  const config: Record<string, string> = {}
  if (options.threads !== undefined) config.threads = String(options.threads)
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit
  if (options.tempDirectory !== undefined) config.temp_directory = options.tempDirectory
  return config
}

const removeDatabaseFiles = (path: string): Effect.Effect<void> =>
  Effect.promise(() =>
    Promise.all([rm(path, { force: true }), rm(`${path}.wal`, { force: true })]).then(
      () => undefined,
      () => undefined // best effort: a leftover file under tmp/ is swept by gc
    )
  )

/** Opens a connection on `instance`, closed when the scope closes; session time zone UTC. */
const connectInstance = (instance: DuckDBInstance): Effect.Effect<DuckDBConnection, DuckDBError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => instance.connect(),
      catch: (cause) => toDuckDBError("connect", cause)
    }),
    (conn) => Effect.sync(() => conn.closeSync())
  ).pipe(Effect.tap((conn) => run(conn, "SET TimeZone = 'UTC'")))

/**
 * Opens `path` (a file, or `":memory:"`) with one connection, both released with the scope:
 * connection first, then the instance, then the files when `deleteOnClose` is set.
 */
export const openDatabase = (
  path: string,
  options: DatabaseOptions = {}
): Effect.Effect<Database, DuckDBError, Scope.Scope> =>
  Effect.gen(function* () {
    if (options.deleteOnClose === true && path !== MEMORY) {
      // Registered first, so it runs last: after the connection and the instance are closed.
      yield* Effect.addFinalizer(() => removeDatabaseFiles(path))
    }
    const instance = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => duckdbApi().DuckDBInstance.create(path, toConfig(options)),
        catch: (cause) => toDuckDBError(`open ${path}`, cause)
      }),
      (db) => Effect.sync(() => db.closeSync())
    )
    const connection = yield* connectInstance(instance)
    return { path, instance, connection }
  })

/** Another connection to an open database, closed when the (inner) scope closes. */
export const connect = (database: Database): Effect.Effect<DuckDBConnection, DuckDBError, Scope.Scope> =>
  connectInstance(database.instance)

const values = (params: Params | undefined) =>
  params as DuckDBValue[] | Record<string, DuckDBValue> | undefined

/** Runs one statement; the result is materialized (use for DDL, INSERT, COPY). */
export const run = (
  conn: DuckDBConnection,
  sql: string,
  params?: Params
): Effect.Effect<DuckDBMaterializedResult, DuckDBError> =>
  interruptible(conn, sql, () => conn.run(sql, values(params)))

/** Runs one query and reads every row into a reader (`getRowObjects()`, `getColumns()`, …). */
export const readAll = (
  conn: DuckDBConnection,
  sql: string,
  params?: Params
): Effect.Effect<DuckDBResultReader, DuckDBError> =>
  interruptible(conn, sql, () => conn.runAndReadAll(sql, values(params)))

/** Rows as objects with JS values (BIGINT → bigint, TIMESTAMP → Date: ms precision). */
export const readRowsJS = (
  conn: DuckDBConnection,
  sql: string,
  params?: Params
): Effect.Effect<ReadonlyArray<Record<string, JS>>, DuckDBError> =>
  Effect.map(readAll(conn, sql, params), (reader) => reader.getRowObjectsJS())

/** Rows as objects with JSON values (BIGINT and TIMESTAMP as exact strings). */
export const readRowsJson = (
  conn: DuckDBConnection,
  sql: string,
  params?: Params
): Effect.Effect<ReadonlyArray<Record<string, Json>>, DuckDBError> =>
  Effect.map(readAll(conn, sql, params), (reader) => reader.getRowObjectsJson())

/**
 * Streams a query's result chunk by chunk (`fetchChunk`); each fetch is interruptible like `run`.
 * Chunks stay valid after the next one is fetched (they are copies owned by JS).
 */
export const stream = (
  conn: DuckDBConnection,
  sql: string,
  params?: Params
): Stream.Stream<DuckDBDataChunk, DuckDBError> =>
  Stream.unwrap(
    Effect.map(
      interruptible(conn, sql, () => conn.stream(sql, values(params))),
      (result) =>
        Stream.repeatEffectOption(
          interruptible(conn, sql, () => result.fetchChunk()).pipe(
            Effect.mapError(Option.some),
            Effect.flatMap((chunk) =>
              chunk === null || chunk.rowCount === 0 ? Effect.fail(Option.none()) : Effect.succeed(chunk)
            )
          )
        )
    )
  )

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Quotes a table or column name written by this code base. Anything but a plain identifier is a
 * programming error (a defect), never user input: user-supplied values go through parameters.
 */
export const identifier = (name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`)
  return `"${name}"`
}

/**
 * A file path that DuckDB's readers (`read_parquet`, `read_csv`, `parquet_metadata`, `DESCRIBE`)
 * take literally. They expand `*`, `?` and `[…]` in every path, whether a string literal, a prepared
 * parameter or a list element (measured on 1.5.6: `glob[1]store/…` read `glob1store/…`), and have no
 * escape character; a one-character class matches only its character, so each metacharacter
 * becomes `[*]`, `[?]`, `[[]`. Braces are not expanded. Every path handed to a reader goes
 * through this (or `literalPaths`); `COPY … TO` and database files are not globbed.
 */
export const literalPath = (path: string): string => path.replace(/[*?[]/g, (char) => `[${char}]`)

/** `literalPath` of each path, as a DuckDB list parameter (`read_parquet($1)` over many files). */
export const literalPaths = (paths: ReadonlyArray<string>): DuckDBListValue => duckdbApi().listValue(paths.map(literalPath))

export interface DuckDBBuild {
  /** `SELECT version()`, e.g. `v1.5.6`. */
  readonly version: string
  /** The build's source id (git short hash); Parquet footers record it. */
  readonly sourceId: string
}

let cachedBuild: DuckDBBuild | undefined

/** The linked DuckDB library's version and build, queried once per process. */
export const duckdbBuild: Effect.Effect<DuckDBBuild, DuckDBError> = Effect.suspend(() =>
  cachedBuild !== undefined
    ? Effect.succeed(cachedBuild)
    : Effect.scoped(
        Effect.flatMap(openDatabase(MEMORY, { threads: 1 }), (db) =>
          readRowsJson(
            db.connection,
            "SELECT version() AS version, (SELECT source_id FROM pragma_version()) AS source_id"
          )
        )
      ).pipe(
        Effect.map((rows) => {
          const build = { version: String(rows[0]?.version), sourceId: String(rows[0]?.source_id) }
          cachedBuild = build
          return build
        })
      )
)

const loadedLibraryVersion: Effect.Effect<string, DuckDBError> = Effect.try({
  try: () => duckdbBindings().library_version(),
  catch: (cause) => toDuckDBError("duckdb_library_version()", cause)
})

/** The `ValueCache` entry holding the library version, keyed by `nativeLibraryIdentity()`. */
export const DUCKDB_VERSION_CACHE_NAME = "duckdb-library-version"

/**
 * The linked library's version (e.g. `v1.5.6`, what `SELECT version()` returns): the engine
 * version's DuckDB part, in every node key. Asked of the C API (`duckdb_library_version`), so a run
 * whose nodes all hit the cache neither loads @duckdb/node-api nor opens a database. With a
 * `ValueCache` in context (a filesystem store) the answer is memoised there, keyed by the native
 * library files' identity, so such a run does not even load the native bindings while those files
 * stay the same.
 */
export const duckdbVersion: Effect.Effect<string, DuckDBError> = Effect.flatMap(
  Effect.serviceOption(ValueCache),
  Option.match({
    onNone: () => loadedLibraryVersion,
    onSome: (cache) =>
      Effect.suspend(() => {
        const key = nativeLibraryIdentity()
        return key === undefined ? loadedLibraryVersion : cache.get(DUCKDB_VERSION_CACHE_NAME, key, loadedLibraryVersion)
      })
  })
)
