/**
 * `pipeline gc` as a process: grace period by default, --dry-run (nothing changes, the list and the
 * JSON document), --keep-last with --grace-minutes 0, tmp/ sweeping by owner pid, then `fsck` clean
 * and the kept experiment all hits. Run `npm run build` first for a fast start-up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { runCli } from "../support/cli.js"
import { definitionJson, snapshot } from "./support.js"

let dir: string
let store: string
const cli = (...args: Array<string>) => runCli(["--store", store, ...args], { timeout: 120_000 })

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gc-cli-"))
  store = path.join(dir, "store")
  fs.writeFileSync(path.join(dir, "older.json"), JSON.stringify(definitionJson("cli-older", 20)))
  fs.writeFileSync(path.join(dir, "newer.json"), JSON.stringify(definitionJson("cli-newer", 60)))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("pipeline gc (process)", () => {
  it("keeps everything within the grace period, then --keep-last 1 --grace-minutes 0 removes the older experiment", async () => {
    const older = await cli("--json", "run", path.join(dir, "older.json"))
    expect(older.code, older.stderr).toBe(0)
    const newer = await cli("--json", "run", path.join(dir, "newer.json"))
    expect(newer.code, newer.stderr).toBe(0)
    const olderDoc = JSON.parse(older.stdout)
    const newerDoc = JSON.parse(newer.stdout)

    // Orphaned projections: one of a process that has exited, one of a live process (this one).
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!
    const deadProjection = path.join(store, "tmp", `scratch-${deadPid}-0-00112233445566ff-projection.duckdb`)
    const liveProjection = path.join(store, "tmp", `scratch-${process.pid}-0-00112233445566ff-projection.duckdb`)
    fs.writeFileSync(deadProjection, "dead")
    fs.writeFileSync(`${deadProjection}.wal`, "wal")
    fs.writeFileSync(liveProjection, "live")

    // Default grace (15 min): every record is fresh, only the dead process's files would go.
    const before = await Effect.runPromise(snapshot(store))
    const graceful = await cli("gc", "--dry-run", "--keep-last", "1")
    expect(graceful.code, graceful.stderr).toBe(0)
    expect(graceful.stdout).toContain("would remove")
    expect(graceful.stdout).toContain(path.basename(deadProjection))
    expect(graceful.stdout).not.toContain(path.basename(liveProjection))
    expect(graceful.stdout).not.toContain(olderDoc.experimentId)
    expect(graceful.stdout).toMatch(/^kind\s+count\s+bytes\s+size$/m)
    expect(graceful.stdout).toContain("spared (modified within 15 min): 1 experiment")

    // Dry run with no grace: lists the older experiment's outputs; nothing on disk changes.
    const plannedJson = JSON.parse((await cli("--json", "gc", "--dry-run", "--keep-last", "1", "--grace-minutes", "0")).stdout)
    expect(await Effect.runPromise(snapshot(store))).toEqual(before)
    expect(plannedJson.dryRun).toBe(true)
    expect(plannedJson.keptExperiments).toEqual([newerDoc.experimentId])
    const plannedIds = plannedJson.removed.map((item: { id: string }) => item.id)
    for (const output of Object.values(olderDoc.outputs) as Array<{ artifactId: string }>) {
      expect(plannedIds).toContain(output.artifactId)
    }
    for (const output of Object.values(newerDoc.outputs) as Array<{ artifactId: string }>) {
      expect(plannedIds).not.toContain(output.artifactId)
    }

    const done = await cli("gc", "--keep-last", "1", "--grace-minutes", "0")
    expect(done.code, done.stderr).toBe(0)
    const manifestsRow = plannedJson.summary.find((row: { kind: string }) => row.kind === "artifact")
    expect(done.stdout).toMatch(new RegExp(`^manifests\\s+${manifestsRow.count}\\s+${manifestsRow.bytes}\\s`, "m"))
    expect(fs.existsSync(deadProjection)).toBe(false)
    expect(fs.existsSync(`${deadProjection}.wal`)).toBe(false)
    expect(fs.existsSync(liveProjection)).toBe(true)
    // The older outputs' manifests are gone; their objects too unless a kept manifest has the same bytes.
    const keptDigests = new Set((Object.values(newerDoc.outputs) as Array<{ digest: string }>).map((o) => o.digest))
    for (const output of Object.values(olderDoc.outputs) as Array<{ artifactId: string; digest: string; path: string }>) {
      expect(fs.existsSync(path.join(store, "artifacts", `${output.artifactId}.json`))).toBe(false)
      if (!keptDigests.has(output.digest)) expect(fs.existsSync(output.path)).toBe(false)
    }
    for (const output of Object.values(newerDoc.outputs) as Array<{ path: string }>) {
      expect(fs.existsSync(output.path)).toBe(true)
    }

    const check = await cli("fsck")
    expect(check.code, check.stdout + check.stderr).toBe(0)
    expect(check.stdout).toContain("ok")

    const rerun = await cli("--json", "run", path.join(dir, "newer.json"))
    expect(rerun.code, rerun.stderr).toBe(0)
    const rerunDoc = JSON.parse(rerun.stdout)
    expect(rerunDoc.nodes.filter((node: { cache: string }) => node.cache !== "hit")).toEqual([])
    expect(rerunDoc.outputs).toEqual(newerDoc.outputs)
  }, 180_000)

  it("usage errors exit 2, a missing store too", async () => {
    const negative = await cli("gc", "--keep-last=-1")
    expect(negative.code).toBe(2)
    const missing = await runCli(["--store", path.join(dir, "nope"), "gc"])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("no store at")
    expect(fs.existsSync(path.join(dir, "nope"))).toBe(false)
  })
})
