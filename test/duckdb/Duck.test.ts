import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Duck, DuckDBError } from "../../nodes/duckdb/index.js"
import { nativeLibraryIdentity } from "../../nodes/duckdb/NodeApi.js"
import { makeLayout, StoreRoot, ValueCache, valueCacheEntryPath } from "../../store/index.js"

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "duck-test-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

// Runs for minutes unless interrupted.
const LONG_QUERY = "SELECT sum(hash(i)) FROM range(50000000000) t(i)"

describe("Duck", () => {
  it.scoped("runs parameterized queries with exact values and UTC session time zone", () =>
    Effect.gen(function* () {
      const db = yield* Duck.openDatabase(Duck.MEMORY, { threads: 1 })
      const rows = yield* Duck.readRowsJson(
        db.connection,
        "SELECT $1::INTEGER + 1 AS n, $2::VARCHAR AS s, current_setting('TimeZone') AS tz, " +
          "CAST(TIMESTAMPTZ '2023-03-01 05:00:00+05:00' AS TIMESTAMP) AS ts",
        [41, "it's"]
      )
      expect(rows).toEqual([{ n: 42, s: "it's", tz: "UTC", ts: "2023-03-01 00:00:00" }])
    }))

  it.scoped("maps a failing statement to DuckDBError with the (truncated) sql", () =>
    Effect.gen(function* () {
      const db = yield* Duck.openDatabase(Duck.MEMORY)
      const longSql = `SELECT * FROM no_such_table /* ${"x".repeat(2000)} */`
      const error = yield* Effect.flip(Duck.run(db.connection, longSql))
      expect(error).toBeInstanceOf(DuckDBError)
      expect(error._tag).toBe("DuckDBError")
      expect(error.message).toContain("no_such_table")
      expect(error.sql.startsWith("SELECT * FROM no_such_table")).toBe(true)
      expect(error.sql.length).toBeLessThan(600)
    }))

  it.live("interruption calls conn.interrupt() and waits for the query to settle before the scope closes", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const db = yield* Scope.extend(Duck.openDatabase(Duck.MEMORY, { threads: 2 }), scope)
      const conn = db.connection
      let interrupts = 0
      let settled = false
      let settledBeforeClose: boolean | undefined
      const originalInterrupt = conn.interrupt.bind(conn)
      conn.interrupt = () => {
        interrupts++
        originalInterrupt()
      }
      const originalRun = conn.run.bind(conn)
      conn.run = ((...args: Parameters<typeof conn.run>) => {
        const pending = originalRun(...args)
        pending.then(() => (settled = true), () => (settled = true))
        return pending
      }) as typeof conn.run
      const originalClose = conn.closeSync.bind(conn)
      conn.closeSync = () => {
        settledBeforeClose = settled
        originalClose()
      }

      const fiber = yield* Effect.fork(Duck.run(conn, LONG_QUERY))
      yield* Effect.sleep("300 millis")
      expect(settled).toBe(false)
      yield* Fiber.interrupt(fiber)
      expect(interrupts).toBe(1)
      expect(settled).toBe(true)

      // The connection is still usable after an interrupted query.
      const rows = yield* Duck.readRowsJson(conn, "SELECT 7 AS n")
      expect(rows).toEqual([{ n: 7 }])

      yield* Scope.close(scope, Exit.void)
      expect(settledBeforeClose).toBe(true)
    }))

  it.live("interrupting the scope's fiber mid-query releases everything without crashing", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const path = join(dir, "p.duckdb")
        const fiber = yield* Effect.fork(
          Effect.scoped(
            Effect.flatMap(Duck.openDatabase(path, { deleteOnClose: true }), (db) =>
              Effect.zipRight(
                Duck.run(db.connection, "CREATE TABLE t AS SELECT range AS i FROM range(1000)"),
                Duck.run(db.connection, LONG_QUERY)
              )
            )
          )
        )
        yield* Effect.sleep("400 millis")
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(existsSync(path)).toBe(false)
        expect(existsSync(`${path}.wal`)).toBe(false)
      })
    ))

  it.live("an interrupt on an idle connection does not poison the next statement", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const db = yield* Duck.openDatabase(Duck.MEMORY)
        db.connection.interrupt()
        const rows = yield* Duck.readRowsJson(db.connection, "SELECT 1 AS n")
        expect(rows).toEqual([{ n: 1 }])
      })
    ))

  it.live("deleteOnClose removes a file database and its wal; without it the file stays", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const kept = join(dir, "kept.duckdb")
        const dropped = join(dir, "dropped.duckdb")
        yield* Effect.scoped(
          Effect.flatMap(Duck.openDatabase(dropped, { deleteOnClose: true }), (db) =>
            Effect.flatMap(Duck.run(db.connection, "CREATE TABLE t AS SELECT 1 AS x"), () =>
              Effect.sync(() => expect(existsSync(dropped)).toBe(true))
            )
          )
        )
        expect(existsSync(dropped)).toBe(false)
        expect(existsSync(`${dropped}.wal`)).toBe(false)

        yield* Effect.scoped(
          Effect.flatMap(Duck.openDatabase(kept), (db) => Duck.run(db.connection, "CREATE TABLE t AS SELECT 1 AS x"))
        )
        expect(existsSync(kept)).toBe(true)
        // Reopening sees the data: the instance was closed cleanly.
        const rows = yield* Effect.scoped(
          Effect.flatMap(Duck.openDatabase(kept), (db) => Duck.readRowsJson(db.connection, "SELECT x FROM t"))
        )
        expect(rows).toEqual([{ x: 1 }])
      })
    ))

  it.scoped("streams a result chunk by chunk", () =>
    Effect.gen(function* () {
      const db = yield* Duck.openDatabase(Duck.MEMORY)
      const chunks = yield* Stream.runCollect(
        Duck.stream(db.connection, "SELECT range AS i FROM range($1::BIGINT)", [5000])
      )
      const sizes = Chunk.toReadonlyArray(chunks).map((chunk) => chunk.rowCount)
      expect(sizes.length).toBeGreaterThan(1)
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(5000)
    }))

  it.scoped("a stream abandoned after its first chunk leaves the connection usable", () =>
    Effect.gen(function* () {
      const db = yield* Duck.openDatabase(Duck.MEMORY)
      const first = yield* Stream.runCollect(
        Stream.take(Duck.stream(db.connection, "SELECT range AS i FROM range(1000000)"), 1)
      )
      expect(Chunk.size(first)).toBe(1)
      expect(yield* Duck.readRowsJson(db.connection, "SELECT 5 AS n")).toEqual([{ n: 5 }])
    }))

  it.scoped("an extra connection closes with its own scope", () =>
    Effect.gen(function* () {
      const db = yield* Duck.openDatabase(Duck.MEMORY)
      yield* Duck.run(db.connection, "CREATE TABLE t AS SELECT 3 AS x")
      const rows = yield* Effect.scoped(
        Effect.flatMap(Duck.connect(db), (conn) => Duck.readRowsJson(conn, "SELECT x, current_setting('TimeZone') AS tz FROM t"))
      )
      expect(rows).toEqual([{ x: 3, tz: "UTC" }])
    }))

  it.effect("reports the library version, cached", () =>
    Effect.gen(function* () {
      const version = yield* Duck.duckdbVersion
      expect(version).toMatch(/^v\d+\.\d+\.\d+/)
      const build = yield* Duck.duckdbBuild
      expect(build.version).toBe(version)
      expect(build.sourceId).toMatch(/^[0-9a-f]+$/)
      expect(yield* Duck.duckdbBuild).toBe(build)
    }))

  it.scoped("memoises the library version in a store's ValueCache, keyed by the native library files", () =>
    Effect.gen(function* () {
      const real = yield* Duck.duckdbVersion
      const key = nativeLibraryIdentity()
      expect(key).toContain("duckdb.node")
      const root = join(yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "duck-version-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      ), "store")
      const entry = valueCacheEntryPath(makeLayout(root), Duck.DUCKDB_VERSION_CACHE_NAME)
      const withStore = <A, E>(effect: Effect.Effect<A, E, ValueCache>) =>
        Effect.provide(effect, ValueCache.layerFileSystem.pipe(Layer.provide(StoreRoot.layer(root))))
      const memoised = withStore(Duck.duckdbVersion)

      // A memo whose key is not the library's is ignored: the real string, recorded for the real key.
      mkdirSync(dirname(entry), { recursive: true })
      writeFileSync(entry, JSON.stringify({ key: `${key}-replaced`, value: "v0.0.0-stale" }))
      expect(yield* memoised).toBe(real)
      expect(JSON.parse(readFileSync(entry, "utf8"))).toEqual({ key, value: real })

      // A memo for the library's key is what a later process answers (here: a marked value).
      writeFileSync(entry, JSON.stringify({ key, value: "v9.9.9-memo" }))
      expect(yield* memoised).toBe("v9.9.9-memo")
      // Without a ValueCache the bindings are asked.
      expect(yield* Duck.duckdbVersion).toBe(real)
    }))

  it("accepts only plain identifiers", () => {
    expect(Duck.identifier("raw_rows")).toBe('"raw_rows"')
    expect(() => Duck.identifier('x"; DROP TABLE t; --')).toThrow(/identifier/)
    expect(() => Duck.identifier("1abc")).toThrow()
  })
})
