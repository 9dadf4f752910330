/**
 * Test access to the PostgreSQL server that test/support/servers.ts starts: its URL, and a fresh
 * database per store under test (so every test starts from an empty, freshly migrated catalog).
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { inject } from "vitest"

/** The server's superuser URL (database `postgres`). */
export const postgresUrl = (): string => {
  const url = inject("postgresUrl")
  if (typeof url !== "string" || url === "") {
    throw new Error("no PostgreSQL URL provided: vitest.config.ts must register test/support/servers.ts as globalSetup")
  }
  return url
}

let counter = 0

/** `url` with its database replaced by `database`. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** Creates an empty database with a fresh name and returns its URL (left for the server's removal). */
export const freshDatabase = (prefix = "t"): Effect.Effect<string> =>
  Effect.gen(function* () {
    const url = postgresUrl()
    const name = `${prefix}_${process.pid}_${++counter}_${Math.floor(performance.now() * 1000).toString(36)}`
    yield* Effect.flatMap(PgClient.PgClient, (sql) => sql`CREATE DATABASE ${sql(name)}`).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
      Effect.orDie
    )
    return withDatabase(url, name)
  })

/** Runs `query` with a client on `url` (one connection, closed afterwards). */
export const withSql = <A>(url: string, query: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>): Promise<A> =>
  Effect.runPromise(
    Effect.flatMap(PgClient.PgClient, query).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
      Effect.orDie
    )
  )
