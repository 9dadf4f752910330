import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Fiber, Option, Schema } from "effect"
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { AlertsV1, ArtifactType, defineContract, findArtifactType, listArtifactTypes, OhlcvSliceV2 } from "../../nodes/contracts/index.js"
import { PARQUET_COPY_OPTIONS, writeCanonicalParquet } from "../../nodes/parquet/index.js"
import { Duck, DuckDBError } from "../../nodes/duckdb/index.js"
import { hashFile } from "../../store/Digest.js"

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "contracts-test-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

describe("contracts", () => {
  it("alerts_v1 and ohlcv_slice_v2 have the exact DDL, sort order and versions of docs/DESIGN.md §6", () => {
    expect(AlertsV1.type).toBe("alerts_v1")
    expect(AlertsV1.schemaVersion).toBe(1)
    expect(AlertsV1.ddl("alerts")).toBe(
      'CREATE TABLE "alerts" ("alert_id" VARCHAR NOT NULL, "alert_ts" TIMESTAMP NOT NULL, "chain" VARCHAR NOT NULL, ' +
        '"mint" VARCHAR NOT NULL, "caller" VARCHAR)'
    )
    expect(AlertsV1.orderBy).toBe('"alert_ts", "alert_id"')
    expect(AlertsV1.uniqueKeys).toEqual([["alert_id"]])

    expect(OhlcvSliceV2.type).toBe("ohlcv_slice_v2")
    expect(OhlcvSliceV2.schemaVersion).toBe(2)
    expect(OhlcvSliceV2.ddl("c", { temporary: true })).toBe(
      'CREATE TEMP TABLE "c" ("chain" VARCHAR NOT NULL, "mint" VARCHAR NOT NULL, "ts" TIMESTAMP NOT NULL, ' +
        '"interval_s" INTEGER NOT NULL, "open" DOUBLE NOT NULL, "high" DOUBLE NOT NULL, "low" DOUBLE NOT NULL, ' +
        '"close" DOUBLE NOT NULL, "volume" DOUBLE NOT NULL)'
    )
    expect(OhlcvSliceV2.orderBy).toBe('"chain", "mint", "ts"')
  })

  it("the registry looks types up and describes them as plain data", () => {
    expect(ArtifactType.alerts_v1).toBe(AlertsV1)
    expect(Option.getOrThrow(findArtifactType("ohlcv_slice_v2"))).toBe(OhlcvSliceV2)
    expect(Option.isNone(findArtifactType("nope"))).toBe(true)
    const described = listArtifactTypes()
    const names = described.map((d) => d.type)
    expect(names).toEqual([...names].sort())
    expect(names).toContain("alerts_v1")
    const ohlcv = described.find((d) => d.type === "ohlcv_slice_v2")!
    expect(ohlcv.schemaVersion).toBe(2)
    expect(ohlcv.sortKeys).toEqual(["chain", "mint", "ts"])
    expect(ohlcv.columns.find((c) => c.name === "interval_s")).toMatchObject({ duckdbType: "INTEGER", nullable: false })
    const alerts = described.find((d) => d.type === "alerts_v1")!
    expect(alerts.columns.find((c) => c.name === "caller")).toMatchObject({ duckdbType: "VARCHAR", nullable: true })
    expect(JSON.parse(JSON.stringify(described))).toEqual(described)
  })

  it("defineContract rejects inconsistent specs", () => {
    const column = { name: "a", duckdbType: "VARCHAR", nullable: false, description: "" } as const
    expect(() => defineContract({ type: "t", schemaVersion: 1, description: "", columns: [column], sortKeys: ["b" as "a"] }))
      .toThrow(/unknown column b/)
    expect(() => defineContract({ type: "t", schemaVersion: 1, description: "", columns: [column, column], sortKeys: ["a"] }))
      .toThrow(/duplicate/)
    expect(() =>
      defineContract({ type: "Bad-Type", schemaVersion: 1, description: "", columns: [column], sortKeys: ["a"] })
    ).toThrow(/identifier/)
  })

  it("row Schemas enforce NOT NULL, finiteness and the OHLC invariants", () => {
    const decode = Schema.decodeUnknownEither(OhlcvSliceV2.rowSchema)
    const good = {
      chain: "solana", mint: "M", ts: new Date("2024-01-01T00:00:00Z"), interval_s: 60,
      open: 1, high: 2, low: 0.5, close: 1.5, volume: 0
    }
    expect(Either.isRight(decode(good))).toBe(true)
    expect(Either.isLeft(decode({ ...good, high: 1.2 }))).toBe(true)
    expect(Either.isLeft(decode({ ...good, low: 1.2 }))).toBe(true)
    expect(Either.isLeft(decode({ ...good, open: -1 }))).toBe(true)
    expect(Either.isLeft(decode({ ...good, volume: Number.NaN }))).toBe(true)
    expect(Either.isLeft(decode({ ...good, volume: -1 }))).toBe(true)
    expect(Either.isLeft(decode({ ...good, interval_s: 1.5 }))).toBe(true)
    expect(Either.isLeft(decode({ ...good, chain: null }))).toBe(true)
    const alerts = Schema.decodeUnknownEither(AlertsV1.rowSchema)
    const alert = { alert_id: "a1", alert_ts: new Date(0), chain: "solana", mint: "M", caller: null }
    expect(Either.isRight(alerts(alert))).toBe(true)
    expect(Either.isLeft(alerts({ ...alert, alert_id: "" }))).toBe(true)
    expect(Either.isLeft(alerts({ ...alert, alert_ts: new Date(Number.NaN) }))).toBe(true)
    expect(Either.isLeft(alerts("not a row"))).toBe(true)
  })

  it("a row that fails decoding names each failing column", () => {
    const alerts = Schema.decodeUnknownEither(AlertsV1.rowSchema)
    const alert = { alert_id: "a1", alert_ts: new Date(0), chain: "solana", mint: "M", caller: null }
    const failure = alerts({ ...alert, caller: 3, alert_ts: "yesterday" })
    expect(Either.isLeft(failure)).toBe(true)
    const message = Either.isLeft(failure) ? failure.left.message : ""
    expect(message).toContain(`["alert_ts"]`)
    expect(message).toContain(`["caller"]`)
    expect(message).not.toContain(`["mint"]`)
    const { mint: _mint, ...withoutMint } = alert
    const missing = alerts(withoutMint)
    expect(Either.isLeft(missing) ? missing.left.message : "").toMatch(/\["mint"\]\s+└─ is missing/)
    const decoded = alerts(alert)
    expect(Either.isRight(decoded) ? decoded.right.alert_ts : undefined).toEqual(new Date(0))
  })

  it.scoped("the DDL creates exactly the declared column types and NOT NULL constraints", () =>
    Effect.gen(function* () {
      const db = yield* Duck.openDatabase(Duck.MEMORY)
      for (const contract of [AlertsV1, OhlcvSliceV2]) {
        yield* Duck.run(db.connection, contract.ddl(contract.type))
        const described = yield* Duck.readRowsJson(
          db.connection,
          "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
          [contract.type]
        )
        expect(described).toEqual(
          contract.columns.map((c) => ({ column_name: c.name, data_type: c.duckdbType, is_nullable: c.nullable ? "YES" : "NO" }))
        )
      }
    }))

  it.live("writeCanonicalParquet sorts, casts to the contract's types and writes fixed options", () =>
    withTempDir((dir) =>
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* Duck.openDatabase(Duck.MEMORY)
          const path = join(dir, "alerts.parquet")
          // Unsorted input with loose types (INTEGER id, TIMESTAMPTZ, an extra column).
          const { rowCount } = yield* writeCanonicalParquet(
            db.connection,
            AlertsV1,
            `SELECT id AS alert_id, ts AS alert_ts, 'solana' AS chain, mint, NULL AS caller, 'x' AS extra
             FROM (VALUES (3, TIMESTAMPTZ '2024-01-01 00:00:00+00', 'C'), (1, TIMESTAMPTZ '2024-01-01 00:00:00+00', $1),
                          (2, TIMESTAMPTZ '2023-12-31 23:00:00+00', 'B')) t(id, ts, mint)`,
            ["A"],
            path
          )
          expect(rowCount).toBe(3)
          const rows = yield* Duck.readRowsJson(db.connection, "SELECT * FROM read_parquet($1)", [path])
          expect(rows).toEqual([
            { alert_id: "2", alert_ts: "2023-12-31 23:00:00", chain: "solana", mint: "B", caller: null },
            { alert_id: "1", alert_ts: "2024-01-01 00:00:00", chain: "solana", mint: "A", caller: null },
            { alert_id: "3", alert_ts: "2024-01-01 00:00:00", chain: "solana", mint: "C", caller: null }
          ])
          const types = yield* Duck.readRowsJson(
            db.connection,
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))",
            [path]
          )
          expect(types).toEqual(AlertsV1.columns.map((c) => ({ column_name: c.name, column_type: c.duckdbType })))
          const meta = yield* Duck.readRowsJson(
            db.connection,
            "SELECT DISTINCT compression, row_group_num_rows FROM parquet_metadata($1)",
            [path]
          )
          expect(meta).toEqual([{ compression: "ZSTD", row_group_num_rows: "3" }])
          expect(PARQUET_COPY_OPTIONS).toContain("ROW_GROUP_SIZE 122880")
        })
      )
    ))

  it.live("a NULL in a NOT NULL column fails the write and leaves no file", () =>
    withTempDir((dir) =>
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* Duck.openDatabase(Duck.MEMORY)
          const path = join(dir, "bad.parquet")
          const error = yield* Effect.flip(
            writeCanonicalParquet(
              db.connection,
              AlertsV1,
              "SELECT 'a' AS alert_id, TIMESTAMP '2024-01-01' AS alert_ts, NULL AS chain, 'M' AS mint, NULL AS caller",
              [],
              path
            )
          )
          expect(error).toBeInstanceOf(DuckDBError)
          expect(error.message).toContain("NULL in NOT NULL column chain")
          expect(existsSync(path)).toBe(false)
        })
      )
    ))

  it.live("an interrupted write leaves no file", () =>
    withTempDir((dir) =>
      Effect.scoped(
        Effect.gen(function* () {
          const db = yield* Duck.openDatabase(Duck.MEMORY, { threads: 2 })
          const path = join(dir, "big.parquet")
          const fiber = yield* Effect.fork(
            writeCanonicalParquet(
              db.connection,
              OhlcvSliceV2,
              `SELECT 'c' AS chain, 'm' || (i % 1000) AS mint, TIMESTAMP '2020-01-01' + to_minutes(i) AS ts, 60 AS interval_s,
                      1.0 AS open, 2.0 AS high, 0.5 AS low, 1.5 AS close, 0.0 AS volume FROM range(200000000) t(i)`,
              [],
              path
            )
          )
          yield* Effect.sleep("500 millis")
          const exit = yield* Fiber.interrupt(fiber)
          expect(Exit.isInterrupted(exit)).toBe(true)
          expect(existsSync(path)).toBe(false)
          expect(readdirSync(dir)).toEqual([])
        })
      )
    ))

  it.scoped("each contract's SQL checks are valid SQL and catch a violating row", () =>
    Effect.gen(function* () {
      const db = yield* Duck.openDatabase(Duck.MEMORY)
      const conn = db.connection
      yield* Duck.run(conn, OhlcvSliceV2.ddl("candles"))
      yield* Duck.run(conn, AlertsV1.ddl("alerts"))
      yield* Duck.run(conn, `INSERT INTO candles VALUES
        ('c', 'm', TIMESTAMP '2024-01-01 00:00', 60, 1, 2, 0.5, 1.5, 3),
        ('c', 'm', TIMESTAMP '2024-01-01 00:01', 0, -1, 0.9, 1.2, 'NaN', -1)`)
      yield* Duck.run(conn, "INSERT INTO alerts VALUES ('a', TIMESTAMP '2024-01-01', 'solana', 'M', NULL), ('', TIMESTAMP '2024-01-01', '', '', 'x')")
      const violations = (table: string, contract: typeof AlertsV1 | typeof OhlcvSliceV2) =>
        Effect.forEach(contract.checks, (check) =>
          Effect.map(
            Duck.readRowsJson(conn, `SELECT count(*) FILTER (WHERE NOT (${check.condition})) AS bad FROM ${Duck.identifier(table)}`),
            (rows) => [check.name, Number(rows[0]!.bad)] as const
          ))
      const candleViolations = Object.fromEntries(yield* violations("candles", OhlcvSliceV2))
      expect(candleViolations).toEqual({
        interval_positive: 1, open_positive: 1, high_positive: 0, low_positive: 0, close_positive: 1,
        low_below_body: 1, high_above_body: 1, volume_non_negative: 1
      })
      const alertViolations = Object.fromEntries(yield* violations("alerts", AlertsV1))
      expect(alertViolations).toEqual({ alert_id_not_empty: 1, chain_not_empty: 1, mint_not_empty: 1 })
    }))

  it.live("the same rows written by two separate processes give identical bytes", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const script = fileURLToPath(new URL("./fixtures/writeCanonical.ts", import.meta.url))
        const runChild = (out: string, order: string, threads: number) =>
          Effect.async<string, Error>((resume) => {
            execFile(process.execPath, ["--import", "tsx", script, out, order, String(threads)], { cwd: process.cwd() }, (error, stdout, stderr) =>
              resume(error ? Effect.fail(new Error(`${error.message}\n${stderr}`)) : Effect.succeed(stdout))
            )
          })
        const a = join(dir, "a.parquet")
        const b = join(dir, "b.parquet")
        const [outA, outB] = yield* Effect.all([runChild(a, "asc", 1), runChild(b, "shuffled", 2)], { concurrency: 2 })
        expect(JSON.parse(outA)).toEqual({ rowCount: 150_000 })
        expect(JSON.parse(outB)).toEqual({ rowCount: 150_000 })
        const [da, db] = yield* Effect.all([hashFile(a), hashFile(b)])
        expect(da).toMatch(/^blake3:[0-9a-f]{64}$/)
        expect(db).toBe(da)
      })
    ), 60_000)
})
