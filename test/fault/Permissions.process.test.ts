/**
 * A store that cannot be written, and an object whose bytes changed on disk.
 *
 * Root ignores file modes, so "read-only" is made two ways: the child runs as `nobody` (setpriv)
 * against a root-owned store (EACCES), and directories are made immutable with `chattr +i`
 * (EPERM even for root). Either way the run must fail with a clear error naming the path, exit 1,
 * and leave the store as it was. A flipped byte in an input's object must be reported as corrupt,
 * never used; the generator's cached output, once corrupt, is a miss that repairs the object.
 * Needs root (setpriv, chattr), as in CI.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cliForOtherUsers, pipeline, runOk, show } from "./support/cli.js"
import { definition, outputDigests, snapshotDiff, snapshot, storeSnapshot, tempDir, writeDefinition } from "./support/fixtures.js"
import { expectConsistent, expectFsckCli } from "./support/fsck.js"
import { checkStore, objectPath, storedRuns } from "./support/storeCheck.js"

const work = tempDir("permissions")
const market = { tokens: 10, days: 1, seed: 7 }
const store = NodePath.join(work.dir, "store")
const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
/** The CLI as `nobody` runs it: a world-readable copy (the checkout may be private). */
let nobodyCli: ReturnType<typeof cliForOtherUsers>
const chattr = (flag: "+i" | "-i", path: string) => execFileSync("chattr", ["-R", flag, path], { stdio: "pipe" })

let base: string
let other: string
let baseDoc: any

beforeAll(async () => {
  nobodyCli = cliForOtherUsers()
  chmodSync(work.dir, 0o755) // readable by nobody (definitions), the store stays root's
  base = writeDefinition(work.dir, "base.json", definition("perm-base", {}, market))
  other = writeDefinition(work.dir, "other.json", definition("perm-other", { stopLoss: 0.1 }, market))
  chmodSync(base, 0o644)
  chmodSync(other, 0o644)
  baseDoc = await runOk(base, store)
}, 60_000)
afterAll(async () => {
  try {
    chattr("-i", work.dir)
  } finally {
    work.cleanup()
    nobodyCli?.remove()
  }
})

/** An expected failure: its error line names `code` and a file under `under`, no stack trace. */
const expectDenied = (stderr: string, code: RegExp, under: string) => {
  expect(stderr).toMatch(code)
  expect(stderr).toContain(under)
  expect(stderr).not.toMatch(/internal error|\n\s+at /)
}

describe("store not writable", () => {
  it("as another user (nobody) on a root-owned store: EACCES naming the path, exit 1, store untouched", async () => {
    const before = snapshot(store) // everything, tmp/ and cache/ included
    const result = await pipeline(["run", other, "--json", "--store", store], { wrapper: asNobody, script: nobodyCli.script })
    expect(result.code, show(result)).toBe(1)
    expectDenied(result.stderr, /EACCES \(permission denied\)/, store)
    expect(snapshotDiff(before, snapshot(store))).toEqual({ added: [], removed: [], changed: [] })
    await expectConsistent(store)
  }, 60_000)

  it("objects/ immutable (chattr +i): EPERM naming the object directory; nothing but failed-run records added", async () => {
    const before = storeSnapshot(store)
    chattr("+i", NodePath.join(store, "objects"))
    const result = await pipeline(["run", other, "--json", "--store", store]).finally(() =>
      chattr("-i", NodePath.join(store, "objects"))
    )
    expect(result.code, show(result)).toBe(1)
    expectDenied(result.stderr, /EPERM \(operation not permitted\)/, NodePath.join(store, "objects"))
    const diff = snapshotDiff(before, storeSnapshot(store))
    expect(diff.removed).toEqual([])
    expect(diff.changed.filter((path) => !path.startsWith("actions/identity/"))).toEqual([])
    // No object, manifest or action entry: the failed node published nothing.
    expect(diff.added.filter((path) => /^(objects|artifacts|actions)\/.*[^/]$/.test(path) && !path.startsWith("actions/identity/"))).toEqual([])
    expect(readdirSync(NodePath.join(store, "tmp"))).toEqual([])
    const runs = storedRuns(store).filter((run) => run.experimentId !== baseDoc.experimentId)
    expect(runs.length).toBeGreaterThan(0)
    for (const run of runs) expect(run.status).toBe("failed")
    await expectConsistent(store)
  }, 60_000)

  it("the whole store immutable: even an all-cached run fails cleanly (EPERM) and changes nothing", async () => {
    const before = snapshot(store)
    chattr("+i", store)
    const result = await pipeline(["run", base, "--json", "--store", store]).finally(() => chattr("-i", store))
    expect(result.code, show(result)).toBe(1)
    expectDenied(result.stderr, /EPERM \(operation not permitted\)/, store)
    expect(snapshotDiff(before, snapshot(store))).toEqual({ added: [], removed: [], changed: [] })

    // Writable again: the run that was refused completes.
    const done = await runOk(other, store)
    expect(done.status).toBe("completed")
    await expectConsistent(store)
  }, 90_000)
})

describe("a corrupt object", () => {
  it("an input whose bytes changed is reported as corrupt and not used; the generator's corrupt output is a miss that repairs it", async () => {
    // A definition on catalog inputs: the generator's artifacts, by id (they cannot be regenerated
    // by this experiment, so a corrupt one must stop it).
    const manifests = readdirSync(NodePath.join(store, "artifacts")).filter((name) => name.endsWith(".json"))
    const byType = (type: string) =>
      manifests.map((name) => JSON.parse(readFileSync(NodePath.join(store, "artifacts", name), "utf8"))).find((m) => m.type === type)
    const alerts = byType("alerts_v1")
    const ohlcv = byType("ohlcv_slice_v2")
    const catalogDef = writeDefinition(work.dir, "catalog.json", {
      ...definition("perm-catalog", { stopLoss: 0.2 }, market),
      inputs: { alerts: [alerts.artifactId], ohlcv: [ohlcv.artifactId] }
    })

    const file = objectPath(store, ohlcv.digest)
    chmodSync(file, 0o644)
    const bytes = readFileSync(file)
    bytes[bytes.length >> 1] ^= 0x5a
    writeFileSync(file, bytes)
    chmodSync(file, 0o444)
    const before = storeSnapshot(store)

    const result = await pipeline(["run", catalogDef, "--json", "--store", store])
    expect(result.code, show(result)).toBe(1)
    expect(result.stderr).toContain(ohlcv.digest)
    expect(result.stderr).toMatch(/corrupt/)
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /)
    const diff = snapshotDiff(before, storeSnapshot(store))
    expect(diff.removed).toEqual([])
    expect(diff.changed.filter((path) => !path.startsWith("actions/identity/"))).toEqual([])
    expect(diff.added.filter((path) => /^(objects|artifacts|actions)\/.*[^/]$/.test(path) && !path.startsWith("actions/identity/"))).toEqual([])
    expect(checkStore(store).map((p) => p.path)).toEqual([file]) // only the object we broke

    // The synthetic experiment's generator output is that object: its cache entry is a miss now,
    // the generator reruns, and the object is rewritten with the right bytes.
    const repaired = await runOk(base, store)
    expect(repaired.nodes.find((node: any) => node.name === "synthetic").cache).toBe("miss")
    expect(outputDigests(repaired)).toEqual(outputDigests(baseDoc))
    await expectConsistent(store)
    const rerun = await runOk(catalogDef, store)
    expect(rerun.status).toBe("completed")
    await expectFsckCli(store)
  }, 90_000)
})
