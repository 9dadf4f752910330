/**
 * A throwaway S3-API server for tests: s3rver (devDependency) on 127.0.0.1 and a free port, its
 * data in a fresh temp directory, with one bucket. s3rver accepts its fixed credentials
 * (S3RVER / S3RVER); a server that cannot start is an error (tests never skip).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import S3rver from "s3rver"
import { freePort } from "./postgres.js"

export interface S3Server {
  /** `http://127.0.0.1:<port>`: the endpoint (AWS_ENDPOINT_URL). */
  readonly endpoint: string
  readonly bucket: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** Where s3rver keeps the objects: `<directory>/<bucket>/<key>._S3rver_object`. */
  readonly directory: string
  /** Stops the server, keeping its directory (a fault test reads what it left). */
  readonly halt: () => Promise<void>
  /** Stops the server (if running) and removes its directory. */
  readonly stop: () => Promise<void>
}

export const S3_TEST_BUCKET = "pipeline-test"

export const startS3 = async (): Promise<S3Server> => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-s3rver-"))
  const port = await freePort()
  const server = new S3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory,
    configureBuckets: [{ name: S3_TEST_BUCKET, configs: [] }]
  })
  try {
    await server.run()
  } catch (error) {
    fs.rmSync(directory, { recursive: true, force: true })
    throw new Error(`s3rver could not start on 127.0.0.1:${port}: ${String(error)}`)
  }
  let running = true
  const halt = async () => {
    if (!running) return
    running = false
    server.httpServer?.closeAllConnections()
    await server.close()
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: S3_TEST_BUCKET,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    directory,
    halt,
    stop: async () => {
      await halt()
      fs.rmSync(directory, { recursive: true, force: true })
    }
  }
}
