/**
 * Bench row: an empty local store against a warm remote vs computing the experiment (target ≥ 5×
 * faster). A throwaway S3-API server (s3rver on 127.0.0.1, test/support/servers/s3.ts) is started
 * for it and stopped afterwards; the three runs happen in one child process (bench/remote.ts).
 */
import { startS3 } from "../test/support/servers/s3.js"
import type { RemoteChildResult } from "./remote.js"
import { removeDir, round, runChild, type SizeConfig, tempDir } from "./support.js"

export interface RemoteBenchResult extends RemoteChildResult {
  readonly size: string
  /** computeMs / remoteHitMs. */
  readonly speedup: number
  readonly target: number
}

export const REMOTE_TARGET = 5

export const benchRemote = async (size: SizeConfig, log: (line: string) => void): Promise<RemoteBenchResult> => {
  const dir = tempDir("bench-remote-")
  const server = await startS3()
  try {
    log(`${size.name}: remote — compute, compute + upload, empty store against the warm remote (${server.endpoint})`)
    const { result } = await runChild<RemoteChildResult>("remote.ts", {
      dir,
      remote: `s3://${server.bucket}/bench`,
      env: {
        AWS_ENDPOINT_URL: server.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: server.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true"
      },
      size
    })
    return { ...result, size: size.name, speedup: round(result.computeMs / result.remoteHitMs, 2), target: REMOTE_TARGET }
  } finally {
    await server.stop()
    removeDir(dir)
  }
}

export const remoteLines = (r: RemoteBenchResult | null): Array<string> =>
  r === null
    ? []
    : [
      `Remote tier (${r.size}, library, s3rver on 127.0.0.1)`,
      `  compute into an empty store        ${r.computeMs} ms`,
      `  compute + upload (read-write)      ${r.uploadMs} ms`,
      `  empty store against a warm remote  ${r.remoteHitMs} ms   (${r.speedup.toFixed(2)}× faster than computing; target ≥ ${r.target}×)` +
        (r.missesAgainstRemote.length > 0 ? `   misses: ${r.missesAgainstRemote.join(", ")}` : "")
    ]

/** `npx tsx bench/remoteRow.ts [S|L]`: this row alone (prints the lines and the JSON). */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { SIZES } = await import("./support.js")
  const size = SIZES[process.argv[2] ?? "S"]
  if (size === undefined) throw new Error(`unknown size ${process.argv[2]}`)
  const result = await benchRemote(size, (line) => process.stderr.write(`${line}\n`))
  console.log(remoteLines(result).join("\n"))
  console.log(JSON.stringify(result, null, 2))
}
