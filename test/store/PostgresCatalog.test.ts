/**
 * The PostgreSQL catalog's connection and schema (store/postgres/PostgresCatalog.ts), on the test
 * server: migrations applied once and recorded, concurrent first connections migrate once, a
 * database migrated past this code is refused, an unreachable server is a StoreIOError naming the
 * database without its password.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer } from "effect"
import { PostgresCatalog, PostgresCatalogLive, LATEST_MIGRATION, MIGRATIONS_TABLE } from "../../store/postgres/index.js"
import { freshDatabase } from "../support/postgres.js"

const open = (url: string) => Effect.scoped(Layer.build(PostgresCatalogLive.layer({ url, maxConnections: 2 })))

const migrationsOf = (url: string) =>
  Effect.scoped(
    Effect.flatMap(Layer.build(PostgresCatalogLive.layer({ url, maxConnections: 1 })), (context) => {
      const { sql } = Context.get(context, PostgresCatalog)
      return sql<{ migration_id: number; name: string }>`SELECT migration_id, name FROM ${sql(MIGRATIONS_TABLE)} ORDER BY migration_id`
    })
  )

describe("PostgreSQL catalog schema", () => {
  it.live("a fresh database is migrated once, even by four connections at once, and the migrations are recorded", () =>
    Effect.gen(function* () {
      const url = yield* freshDatabase("mig")
      yield* Effect.all([open(url), open(url), open(url), open(url)], { concurrency: "unbounded" })
      const rows = yield* migrationsOf(url)
      expect(rows.map((row) => [row.migration_id, row.name])).toEqual([[1, "catalog"], [2, "jobs"], [3, "job_withdrawn"]])
      expect(LATEST_MIGRATION).toBe(3)
    }))

  it.live("a database migrated past this code is refused with StoreIOError naming it", () =>
    Effect.gen(function* () {
      const url = yield* freshDatabase("newer")
      yield* Effect.scoped(
        Effect.flatMap(Layer.build(PostgresCatalogLive.layer({ url })), (context) => {
          const { sql } = Context.get(context, PostgresCatalog)
          return sql`INSERT INTO ${sql(MIGRATIONS_TABLE)} (migration_id, name) VALUES (${LATEST_MIGRATION + 1}, ${"future"})`
        })
      )
      const exit = yield* Effect.exit(open(url))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? exit.cause : undefined
      expect(String(error)).toMatch(/migration 4, newer than this pipeline knows \(3\)/)
    }))

  it.live("an unreachable server fails with StoreIOError{operation: connect} without the password", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(open("postgres://someone:s3cret@127.0.0.1:1/db?sslmode=disable"))
      expect(error).toMatchObject({ _tag: "StoreIOError", operation: "connect", path: "postgres://someone@127.0.0.1:1/db" })
      expect(error.message).not.toContain("s3cret")
    }))
})
