/**
 * vitest globalSetup: the servers the tests talk to, started once per test run on 127.0.0.1 and
 * stopped afterwards. Each server is a module under ./servers/ whose start function returns a
 * handle with `stop`; its address reaches tests through `inject` (ProvidedContext below) and, for
 * spawned CLI processes, through the test itself. A server that cannot start fails the run with its
 * reason: no test is skipped for want of a server.
 */
import type { TestProject } from "vitest/node"
import { startPostgres } from "./servers/postgres.js"
import { startS3 } from "./servers/s3.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL server (database `postgres`). */
    readonly postgresUrl: string
    /** The test S3-API server (s3rver): endpoint, bucket and credentials. */
    readonly s3: { readonly endpoint: string; readonly bucket: string; readonly accessKeyId: string; readonly secretAccessKey: string }
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => void | Promise<void>> = []
  try {
    const postgres = await startPostgres()
    stops.push(postgres.stop)
    project.provide("postgresUrl", postgres.url)
    const s3 = await startS3()
    stops.push(s3.stop)
    project.provide("s3", { endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey })
  } catch (error) {
    for (const stop of stops.reverse()) await stop()
    throw error
  }
  return async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop()
      } catch (error) {
        console.error(error)
      }
    }
  }
}
