/**
 * Test access to the S3-API server that test/support/servers.ts starts: the environment a spawned
 * CLI needs to reach it (the AWS SDK's standard variables), and a fresh remote URL per test.
 */
import { inject } from "vitest"

export const s3Server = () => {
  const s3 = inject("s3")
  if (s3 === undefined || typeof s3.endpoint !== "string") {
    throw new Error("no S3 server provided: vitest.config.ts must register test/support/servers.ts as globalSetup")
  }
  return s3
}

/** AWS_* variables pointing the SDK at the test server. */
export const s3Env = (): Record<string, string> => {
  const s3 = s3Server()
  return {
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey
  }
}

let counter = 0

/** `s3://<bucket>/<fresh prefix>`: an empty remote for one test. */
export const freshRemote = (name = "t"): string =>
  `s3://${s3Server().bucket}/${name}-${process.pid}-${++counter}-${Date.now().toString(36)}`
