/**
 * Remote hits without the bytes (`--remote-download outputs`, the default), through the real CLI
 * against the test S3 server (s3rver), one fresh prefix per test:
 * - an empty store against a warm remote hits every node and downloads only the run's four
 *   outputs (the candles and alerts stay on the remote), with the bytes of computing it; fsck calls
 *   the rest "on the remote, not downloaded"; offline (no remote) report (without the
 *   mark-to-market curve, whose candles are on the remote) and experiments show work, and a read
 *   of a remote-backed object says which remote to use;
 * - a changed parameter then reruns simulate and publish only, reading the candles through the
 *   remote, with the bytes of computing the changed experiment;
 * - a corrupt remote candle object is detected on that on-demand read: the run fails naming the
 *   digest (a warning too), nothing is stored; the next run recomputes it.
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
const work = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "remote-lazy-"))
afterAll(() => NodeFs.rmSync(work, { recursive: true, force: true }))

const show = (result: CliResult) => `exit ${result.code}\nstdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`
let stores = 0
const freshStore = () => NodePath.join(work, `store-${++stores}`)

/** The quickstart with another fee: simulate and publish change, synthetic and validate do not. */
const changedFee = () => {
  const path = NodePath.join(work, "quickstart-fee30.json")
  const definition = JSON.parse(NodeFs.readFileSync(quickstart, "utf8"))
  definition.strategy.costs.feeBps = 30
  NodeFs.writeFileSync(path, JSON.stringify(definition, null, 2))
  return path
}

const cli = (args: ReadonlyArray<string>, withS3 = true) =>
  runCli(args, { timeout: 180_000, env: withS3 ? s3Env() : { AWS_ENDPOINT_URL: "http://127.0.0.1:9" } })

const runJson = async (definition: string, store: string, remote?: string, mode: "read" | "read-write" = "read-write") => {
  const result = await cli(
    ["run", definition, "--json", "--store", store, ...(remote === undefined ? [] : ["--remote", remote, "--remote-mode", mode])],
    remote !== undefined
  )
  expect(result.code, show(result)).toBe(0)
  return { doc: JSON.parse(result.stdout), stderr: result.stderr }
}

const cacheOf = (doc: any): Record<string, string> =>
  Object.fromEntries(doc.nodes.filter((n: any) => n.cache !== "resource").map((n: any) => [n.name.split("/").pop(), n.cache]))
const digestsOf = (doc: any): Record<string, string> =>
  Object.fromEntries(Object.entries(doc.outputs).map(([name, output]: [string, any]) => [name, output.digest]))
const bytesOf = (doc: any): Record<string, string> =>
  Object.fromEntries(Object.entries(doc.outputs).map(([name, output]: [string, any]) => [name, NodeFs.readFileSync(output.path).toString("base64")]))

/** The digests of the objects stored in `store` (objects/ab/<hex>). */
const localObjects = (store: string): Array<string> => {
  const dir = NodePath.join(store, "objects")
  return NodeFs.readdirSync(dir)
    .flatMap((fan) => NodeFs.readdirSync(NodePath.join(dir, fan)).map((name) => `blake3:${name}`))
    .sort()
}
const promised = (store: string): Array<string> =>
  NodeFs.readdirSync(NodePath.join(store, "promised")).map((name) => `blake3:${name}`).sort()

/** The synthetic node's candle artifact (its manifest is on record in `store`). */
const candlesOf = async (store: string) => {
  const result = await cli(["artifacts", "list", "--type", "ohlcv_slice_v2", "--json", "--store", store], false)
  expect(result.code, show(result)).toBe(0)
  const listed = JSON.parse(result.stdout)
  const artifacts: Array<any> = Array.isArray(listed) ? listed : listed.artifacts
  expect(artifacts).toHaveLength(1)
  return artifacts[0] as { artifactId: string; digest: string }
}

describe("remote hits without the bytes (process, s3rver)", () => {
  it("an empty store downloads only the run's outputs, with the computed bytes; the rest stays on the remote and everything read afterwards works offline", async () => {
    const remote = freshRemote("lazy")
    const origin = await runJson(quickstart, freshStore(), remote)

    const laptop = freshStore()
    const hit = await runJson(quickstart, laptop, remote, "read")
    expect(Object.values(cacheOf(hit.doc)).every((cache) => cache === "hit"), JSON.stringify(cacheOf(hit.doc))).toBe(true)
    expect(digestsOf(hit.doc)).toEqual(digestsOf(origin.doc))
    expect(bytesOf(hit.doc)).toEqual(bytesOf(origin.doc))
    expect(hit.stderr).not.toMatch(/warning: remote/)
    // Exactly the four outputs came down; the candles (and the rest of the lineage) did not.
    expect(localObjects(laptop)).toEqual([...new Set(Object.values(digestsOf(hit.doc)))].sort())
    const candles = await candlesOf(laptop)
    expect(promised(laptop)).toContain(candles.digest)
    expect(localObjects(laptop)).not.toContain(candles.digest)

    // fsck, offline: remote-backed artifacts are not problems.
    const fsck = await cli(["fsck", "--store", laptop], false)
    expect(fsck.code, show(fsck)).toBe(0)
    expect(fsck.stdout).toMatch(new RegExp(`artifacts? on the remote ${remote}, not downloaded`))

    // Offline: what a user reads afterwards.
    const experimentId = hit.doc.experimentId
    const shown = await cli(["experiments", "show", experimentId, "--store", laptop], false)
    expect(shown.code, show(shown)).toBe(0)
    const html = NodePath.join(work, "report.html")
    const report = await cli(["report", experimentId, "--store", laptop, "-o", html], false)
    expect(report.code, show(report)).toBe(0)
    expect(NodeFs.statSync(html).size).toBeGreaterThan(0)
    const again = await runJson(quickstart, laptop)
    expect(Object.values(cacheOf(again.doc)).every((cache) => cache === "hit"), JSON.stringify(cacheOf(again.doc))).toBe(true)
    const artifact = await cli(["artifacts", "show", candles.artifactId, "--store", laptop], false)
    expect(artifact.code, show(artifact)).toBe(0)
    expect(artifact.stdout).toMatch(new RegExp(`on the remote ${remote}, not downloaded`))

    // A remote-backed object needed with no remote configured: the error says which remote.
    const changed = await cli(["run", changedFee(), "--store", laptop], false)
    expect(changed.code).not.toBe(0)
    // The first input the projection opens (alerts or candles) names its digest and the remote.
    expect(changed.stderr).toMatch(new RegExp(`object blake3:[0-9a-f]{64} is not in the store: it is on the remote ${remote} and was not downloaded`))
    expect(changed.stderr).toContain(`--remote ${remote}`)
  }, 600_000)

  it("a changed parameter reruns simulate and publish only, reading the candles through the remote", async () => {
    const remote = freshRemote("lazy-rerun")
    await runJson(quickstart, freshStore(), remote)
    const laptop = freshStore()
    await runJson(quickstart, laptop, remote, "read")
    const candles = await candlesOf(laptop)
    expect(localObjects(laptop)).not.toContain(candles.digest)

    const rerun = await runJson(changedFee(), laptop, remote, "read")
    // The projection (a resource: built, not cached) reads the candles for simulate.
    expect(cacheOf(rerun.doc)).toEqual({ synthetic: "hit", validate: "hit", project: "miss", simulate: "miss", publish: "miss" })
    expect(localObjects(laptop)).toContain(candles.digest)
    const computed = await runJson(changedFee(), freshStore())
    expect(digestsOf(rerun.doc)).toEqual(digestsOf(computed.doc))
    expect(bytesOf(rerun.doc)).toEqual(bytesOf(computed.doc))
  }, 600_000)

  it("a corrupt remote candle object is detected on the on-demand read: the run fails naming it, nothing is stored, the next run recomputes", async () => {
    const remote = freshRemote("lazy-corrupt")
    await runJson(quickstart, freshStore(), remote)
    const laptop = freshStore()
    await runJson(quickstart, laptop, remote, "read")
    const candles = await candlesOf(laptop)

    const s3 = s3Server()
    const client = new S3Client(
      s3ClientConfig({
        endpoint: s3.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
      })
    )
    const prefix = remote.slice(`s3://${s3.bucket}/`.length)
    const hex = candles.digest.slice("blake3:".length)
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/cas/${hex}`, Body: new TextEncoder().encode("not the candles") }))
    client.destroy()

    const failed = await cli(["run", changedFee(), "--store", laptop, "--remote", remote, "--remote-mode", "read"])
    expect(failed.code, show(failed)).not.toBe(0)
    expect(failed.stderr).toMatch(new RegExp(`warning: remote: corrupt [^\\n]*cas/${hex}`))
    expect(failed.stderr).toContain(candles.digest)
    expect(localObjects(laptop)).not.toContain(candles.digest)

    // No longer backed by that remote: the next run recomputes the candles (same bytes).
    const rerun = await runJson(changedFee(), laptop, remote, "read")
    expect(cacheOf(rerun.doc).synthetic).toBe("miss")
    expect(localObjects(laptop)).toContain(candles.digest)
    const computed = await runJson(changedFee(), freshStore())
    expect(digestsOf(rerun.doc)).toEqual(digestsOf(computed.doc))
  }, 600_000)
})
