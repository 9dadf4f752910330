/**
 * vitest globalSetup: the servers the tests talk to, started once per test run on 127.0.0.1 and
 * stopped afterwards. Each server is a module under ./servers/ whose start function returns a
 * handle with `stop`; its address reaches tests through `inject` (ProvidedContext below) and, for
 * spawned CLI processes, through the test itself. A server that cannot start fails the run with its
 * reason: no test is skipped for want of a server.
 */
import type { TestProject } from "vitest/node"
import { startPostgres } from "./servers/postgres.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL server (database `postgres`). */
    readonly postgresUrl: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => void> = []
  try {
    const postgres = await startPostgres()
    stops.push(postgres.stop)
    project.provide("postgresUrl", postgres.url)
  } catch (error) {
    for (const stop of stops.reverse()) stop()
    throw error
  }
  return async () => {
    for (const stop of stops.reverse()) {
      try {
        stop()
      } catch (error) {
        console.error(error)
      }
    }
  }
}
