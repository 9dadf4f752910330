/**
 * The S3 server stopped in the middle of a run's uploads (its own s3rver, stopped when the first
 * action entry lands): the run still completes locally, warns, and leaves no action entry on the remote
 * that names an object or a manifest which is not there.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterAll, expect, it } from "vitest"
import { repoRoot, spawnCli, waitForExit } from "../../support/cli.js"
import { startS3 } from "../../support/servers/s3.js"

const quickstart = NodePath.join(repoRoot, "examples", "quickstart.json")
const work = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "remote-fault-"))
afterAll(() => NodeFs.rmSync(work, { recursive: true, force: true }))

const SUFFIX = "._S3rver_object"

it("a server stopped mid-upload leaves no action entry pointing at a missing object", async () => {
  const server = await startS3()
  let stopped = false
  try {
    const child = spawnCli(["run", quickstart, "--json", "--store", NodePath.join(work, "store"), "--remote", `s3://${server.bucket}/fault`], {
      env: {
        AWS_ENDPOINT_URL: server.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: server.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.secretAccessKey
      }
    })
    const exit = waitForExit(child, 180_000)
    // Stopped once the first node's entry is there: later nodes are then computing or uploading.
    const actions = NodePath.join(server.directory, server.bucket, "fault", "actions")
    const deadline = Date.now() + 120_000
    while (!stopped && Date.now() < deadline) {
      if (NodeFs.existsSync(actions) && NodeFs.readdirSync(actions).some((name) => name.endsWith(SUFFIX))) {
        await server.halt()
        stopped = true
      } else await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(stopped).toBe(true)
    const result = await exit
    expect(result.code, result.stderr.slice(-2000)).toBe(0)
    expect(result.stderr).toMatch(/warning: remote: (upload incomplete|unavailable)/)

    // The remote as the stopped server left it on disk.
    const prefixDir = NodePath.join(server.directory, server.bucket, "fault")
    const has = (key: string) => NodeFs.existsSync(NodePath.join(prefixDir, key + SUFFIX))
    const actionsDir = NodePath.join(prefixDir, "actions")
    const entries = NodeFs.existsSync(actionsDir) ? NodeFs.readdirSync(actionsDir).filter((name) => name.endsWith(SUFFIX)) : []
    for (const name of entries) {
      const entry = JSON.parse(NodeFs.readFileSync(NodePath.join(actionsDir, name), "utf8"))
      for (const output of Object.values(entry.outputs) as Array<{ artifactId: string; digest: string }>) {
        expect(has(`cas/${output.digest.slice("blake3:".length)}`), `${name}: object of ${output.artifactId}`).toBe(true)
        expect(has(`artifacts/${output.artifactId}.json`), `${name}: manifest ${output.artifactId}`).toBe(true)
      }
    }
    const doc = JSON.parse(result.stdout)
    // Not every node made it: the server stopped before the last entry.
    expect(entries.length).toBeLessThan(doc.nodes.filter((node: { cache: string }) => node.cache !== "untracked").length)
    expect(entries.length).toBeGreaterThan(0)
  } finally {
    await server.stop()
  }
})
