/**
 * The remote tier through the real CLI against the test S3 server (s3rver), one fresh prefix per test:
 * - the quickstart run into an empty store with `--remote` computes and uploads; the same run from
 *   a second empty store is a remote hit for every node, downloads the outputs, and `pipeline
 *   verify` then passes on that store without the remote (offline);
 * - with `--remote-download all`, a corrupted remote object is detected on download (a warning on
 *   stderr), never served: the node recomputes, with the same output digests (the default,
 *   `outputs`, detects it when the object is read: RemoteLazy.process.test.ts);
 * - `push` uploads a store that ran without uploading (refused with --remote-mode read); `pull`
 *   brings the experiment into an empty store, which then runs offline as hits.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { s3ClientConfig } from "../../../store/remote/index.js"
import { type CliResult, repoRoot, runCli } from "../../support/cli.js"
import { freshRemote, s3Env, s3Server } from "../../support/s3.js"

const quickstart = NodePath.join(repoRoot, "examples", "quickstart.json")
const work = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "remote-"))
afterAll(() => NodeFs.rmSync(work, { recursive: true, force: true }))

const show = (result: CliResult) => `exit ${result.code}\nstdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`
let stores = 0
const freshStore = () => NodePath.join(work, `store-${++stores}`)

const cli = (args: ReadonlyArray<string>, withS3 = true) =>
  runCli(args, { timeout: 180_000, env: withS3 ? s3Env() : { AWS_ENDPOINT_URL: "http://127.0.0.1:9" } })

const runJson = async (store: string, remote: string, mode: "read" | "read-write" = "read-write", download: "outputs" | "all" = "outputs") => {
  const result = await cli(["run", quickstart, "--json", "--store", store, "--remote", remote, "--remote-mode", mode, "--remote-download", download])
  expect(result.code, show(result)).toBe(0)
  return { doc: JSON.parse(result.stdout), stderr: result.stderr }
}

const cacheOf = (doc: any): Record<string, string> => Object.fromEntries(doc.nodes.map((n: any) => [n.name, n.cache]))
const digestsOf = (doc: any): Record<string, string> =>
  Object.fromEntries(Object.entries(doc.outputs).map(([name, output]: [string, any]) => [name, output.digest]))

describe("remote tier (process, s3rver)", () => {
  it("a second empty store hits the remote for every node, downloads the outputs, and verifies offline", async () => {
    const remote = freshRemote("qs")
    const first = await runJson(freshStore(), remote)
    expect(Object.values(cacheOf(first.doc)).every((cache) => cache !== "hit"), JSON.stringify(cacheOf(first.doc))).toBe(true)

    const laptop = freshStore()
    const second = await runJson(laptop, remote, "read")
    expect(Object.values(cacheOf(second.doc)).every((cache) => cache === "hit"), JSON.stringify(cacheOf(second.doc))).toBe(true)
    expect(digestsOf(second.doc)).toEqual(digestsOf(first.doc))
    expect(second.stderr).not.toMatch(/warning: remote/)
    expect(second.stderr).not.toMatch(/NodeVersionSupportWarning/) // the SDK's Node 20 notice stays off the CLI's stderr

    // Offline: no --remote, and no way to reach one.
    const verify = await cli(["verify", quickstart, "--store", laptop], false)
    expect(verify.code, show(verify)).toBe(0)
  })

  it("a corrupted remote object is detected on download and recomputed, never served", async () => {
    const remote = freshRemote("corrupt")
    const first = await runJson(freshStore(), remote)
    const [name, digest] = Object.entries(digestsOf(first.doc))[0]
    const s3 = s3Server()
    const client = new S3Client(
      s3ClientConfig({
        endpoint: s3.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
      })
    )
    const prefix = remote.slice(`s3://${s3.bucket}/`.length)
    const key = `${prefix}/cas/${digest.slice("blake3:".length)}`
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: new TextEncoder().encode("not the bytes") }))
    client.destroy()

    const second = await runJson(freshStore(), remote, "read", "all")
    expect(second.stderr).toMatch(new RegExp(`warning: remote: corrupt [^\\n]*cas/${digest.slice("blake3:".length)}`))
    expect(Object.values(cacheOf(second.doc)).some((cache) => cache !== "hit"), `${name}: ${JSON.stringify(cacheOf(second.doc))}`).toBe(true)
    expect(digestsOf(second.doc)).toEqual(digestsOf(first.doc))
  })
})

describe("push and pull (process, s3rver)", () => {
  it("a store run without uploading is pushed, then pulled into an empty store that runs offline as hits", async () => {
    const remote = freshRemote("push")
    const origin = freshStore()
    const first = await runJson(origin, remote, "read")
    const nothing = await cli(["pull", quickstart, "--store", freshStore(), "--remote", remote, "--json"])
    // Nothing on the remote yet: what was (not) found is still printed, and the exit says incomplete.
    expect(nothing.code, show(nothing)).toBe(1)
    expect(JSON.parse(nothing.stdout).local).toEqual([])
    expect(JSON.parse(nothing.stdout).missing.length).toBeGreaterThan(0)
    expect(nothing.stderr).toMatch(/not on .*run the experiment, then push/)

    const push = await cli(["push", "--store", origin, "--remote", remote, "--json"])
    expect(push.code, show(push)).toBe(0)
    const pushed = JSON.parse(push.stdout)
    expect(pushed.failed).toBe(0)
    expect(pushed.entries).toBeGreaterThan(0)
    const readOnly = await cli(["push", "--store", origin, "--remote", remote, "--remote-mode", "read"])
    expect(readOnly.code).not.toBe(0)
    expect(readOnly.stderr).toMatch(/read-only/)

    const laptop = freshStore()
    const pull = await cli(["pull", quickstart, "--store", laptop, "--remote", remote, "--json"])
    expect(pull.code, show(pull)).toBe(0)
    expect(JSON.parse(pull.stdout).missing).toEqual([])
    const offline = await cli(["run", quickstart, "--json", "--store", laptop], false)
    expect(offline.code, show(offline)).toBe(0)
    const doc = JSON.parse(offline.stdout)
    expect(Object.values(cacheOf(doc)).every((cache) => cache === "hit"), JSON.stringify(cacheOf(doc))).toBe(true)
    expect(digestsOf(doc)).toEqual(digestsOf(first.doc))
  })
})
