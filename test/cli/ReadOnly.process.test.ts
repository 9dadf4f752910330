/**
 * Commands that only read never create a store, and ids that name nothing are usage errors
 * (docs/DESIGN.md §9: exit 2), as real processes. Without a store, lists print an empty result, `explain`
 * explains against an empty store, and commands about one thing (show, lineage, report, verify, and
 * gc, fsck) fail with `no store at <dir>` (exit 2). Run `npm run build` first.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { repoRoot, runCli } from "../support/cli.js"

let work: string
const quickstart = NodePath.join(repoRoot, "examples", "quickstart.json")
const cli = (store: string, ...args: Array<string>) => runCli(["--store", store, ...args], { timeout: 120_000 })

/** Process tests spawn several CLIs each; generous for a busy two-core machine. */
const SLOW = 180_000

beforeAll(() => {
  work = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "pipeline-read-only-"))
})
afterAll(() => NodeFs.rmSync(work, { recursive: true, force: true }))

/** The commands about one thing: each needs a store. */
const needStore = [
  ["experiments", "show", "exp_ffff"],
  ["artifacts", "show", "art_nonexistent"],
  ["artifacts", "lineage", "art_12345678"],
  ["report", "exp_ffff"],
  ["verify", "exp_ffff"],
  ["verify", quickstart],
  ["gc"],
  ["fsck"]
]

describe("without a store", () => {
  it("lists print an empty result (exit 0) and nothing is created", async () => {
    const store = NodePath.join(work, "absent")
    const [experiments, experimentsJson, artifacts, artifactsJson] = await Promise.all([
      cli(store, "experiments", "list"),
      cli(store, "experiments", "list", "--json"),
      cli(store, "artifacts", "list"),
      cli(store, "artifacts", "list", "--json")
    ])
    expect(experiments.code, experiments.stderr).toBe(0)
    expect(experiments.stdout.trim()).toBe(`no experiments (no store at ${store})`)
    expect(JSON.parse(experimentsJson.stdout)).toEqual({ experiments: [] })
    expect(artifacts.code, artifacts.stderr).toBe(0)
    expect(artifacts.stdout.trim()).toBe(`no artifacts (no store at ${store})`)
    expect(JSON.parse(artifactsJson.stdout)).toEqual({ artifacts: [] })
    expect(NodeFs.existsSync(store)).toBe(false)
  }, SLOW)

  it("show, lineage, report, verify, gc and fsck: `no store at <dir>`, exit 2, nothing created", async () => {
    const store = NodePath.join(work, "absent")
    const cwd = NodePath.join(work, "cwd")
    NodeFs.mkdirSync(cwd)
    const results = await Promise.all(needStore.map((args) => runCli(["--store", store, ...args], { cwd, timeout: 120_000 })))
    results.forEach((result, i) => {
      expect(result.code, `${needStore[i].join(" ")}: ${result.stderr}`).toBe(2)
      expect(result.stderr.trim()).toBe(`pipeline: no store at ${store}`)
      expect(result.stdout).toBe("")
    })
    expect(NodeFs.existsSync(store)).toBe(false)
    expect(NodeFs.readdirSync(cwd)).toEqual([]) // no report written either
  }, SLOW)

  it("explain answers from an empty store (every node would run) and creates nothing", async () => {
    const store = NodePath.join(work, "absent")
    const [text, json] = await Promise.all([cli(store, "explain", quickstart), cli(store, "explain", quickstart, "--json")])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/: 0 hit, 1 miss\n/)
    expect(text.stdout).toContain("  synthetic  never ran (no previous run of this node)")
    expect(text.stdout).toContain(`note: no store at ${store} yet: nothing has run there`)
    expect(json.code, json.stderr).toBe(0)
    const doc = JSON.parse(json.stdout)
    expect(doc.nodes.length).toBeGreaterThan(0)
    expect(doc.nodes.every((node: { status?: string; kind: string }) => node.kind === "resource" || node.status === "new")).toBe(true)
    expect(NodeFs.existsSync(store)).toBe(false)
  }, SLOW)

  it("an existing directory that holds no store is left empty", async () => {
    const store = NodePath.join(work, "empty")
    NodeFs.mkdirSync(store)
    const [list, show, explain, gc] = await Promise.all([
      cli(store, "experiments", "list", "--json"),
      cli(store, "artifacts", "show", "art_nonexistent"),
      cli(store, "explain", quickstart),
      cli(store, "gc")
    ])
    expect(JSON.parse(list.stdout)).toEqual({ experiments: [] })
    expect(show.code).toBe(2)
    expect(show.stderr.trim()).toBe(`pipeline: no store at ${store}`)
    expect(explain.code, explain.stderr).toBe(0)
    expect(gc.code).toBe(2)
    expect(NodeFs.readdirSync(store)).toEqual([])
  }, SLOW)
})

describe("with a store", () => {
  it("an unknown experiment or artifact id is a usage error (exit 2) naming the id and the store", async () => {
    const store = NodePath.join(work, "store")
    const alerts = NodePath.join(work, "alerts.csv")
    NodeFs.writeFileSync(alerts, "alert_id,alert_ts,chain,mint\na1,2024-01-01T00:00:00Z,solana,M1\n")
    const imported = await cli(store, "import", "alerts", alerts)
    expect(imported.code, imported.stderr).toBe(0)

    const longId = `exp_${"a".repeat(10_000)}`
    const [show, report, verify, artifact, lineage, long] = await Promise.all([
      cli(store, "experiments", "show", "exp_ffff"),
      cli(store, "report", "exp_ffff", "-o", NodePath.join(work, "r.html")),
      cli(store, "verify", "exp_ffff"),
      cli(store, "artifacts", "show", "art_nonexistent"),
      cli(store, "artifacts", "lineage", "art_12345678"),
      cli(store, "experiments", "show", longId)
    ])
    for (const result of [show, report, verify]) {
      expect(result.code, result.stderr).toBe(2)
      expect(result.stderr.trim()).toBe(
        `pipeline: unknown experiment exp_ffff: no experiment with this id or prefix in the store at ${store}`
      )
    }
    expect(artifact.code).toBe(2)
    expect(artifact.stderr.trim()).toBe(
      `pipeline: unknown artifact art_nonexistent: no artifact with this id or prefix in the store at ${store}`
    )
    expect(lineage.code).toBe(2)
    expect(lineage.stderr).toContain("unknown artifact art_12345678")
    // Too long to be a file name: still an unknown id, and the message stays short.
    expect(long.code).toBe(2)
    expect(long.stderr).toContain(`unknown experiment exp_${"a".repeat(36)}… (10004 characters): no experiment`)
    expect(long.stderr.length).toBeLessThan(400)
    expect(NodeFs.existsSync(NodePath.join(work, "r.html"))).toBe(false)
  }, SLOW)
})
