/**
 * The stat cache never serves changed bytes, and never stands in the way of reading a store.
 *
 * An object changed in place without changing its size, its mtime put back (`touch -r`, an
 * mtime-preserving copy, bit rot under a preserved mtime), keeps (device, inode, size, mtime): only
 * its ctime moved. The next run must re-hash it, count it a miss and repair it; `verify` must re-hash
 * the stored objects it compares and fail naming the artifact and its file.
 *
 * On a store that cannot be written (immutable with `chattr +i`, which stops root too; or a
 * root-owned store read by `nobody`), fsck and report must work: a stat-cache entry that cannot be
 * written is skipped, it is only an optimisation. Needs root (chattr, setpriv), as in CI.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cliForOtherUsers, parseJson, pipeline, runOk, show } from "./support/cli.js"
import { definition, outputDigests, snapshot, snapshotDiff, tempDir, writeDefinition } from "./support/fixtures.js"
import { expectConsistent } from "./support/fsck.js"
import { checkStore, objectPath } from "./support/storeCheck.js"

const work = tempDir("stat-cache")
const market = { tokens: 6, days: 1, seed: 7 }
const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
/** The CLI as `nobody` runs it: a world-readable copy (the checkout may be private). */
let nobodyCli: ReturnType<typeof cliForOtherUsers>
const chattr = (flag: "+i" | "-i", path: string) => execFileSync("chattr", ["-R", flag, path], { stdio: "pipe" })

let def: string
let baseDoc: any

beforeAll(async () => {
  nobodyCli = cliForOtherUsers()
  chmodSync(work.dir, 0o755) // nobody reads the definition and the store below
  def = writeDefinition(work.dir, "def.json", definition("stat-cache", {}, market))
  chmodSync(def, 0o644)
  baseDoc = await runOk(def, NodePath.join(work.dir, "base"))
}, 60_000)
afterAll(() => {
  try {
    if (existsSync(work.dir)) chattr("-i", work.dir)
  } finally {
    work.cleanup()
    nobodyCli?.remove()
  }
})

/** A copy of the base store (its stat cache is keyed by absolute path, so it starts cold here). */
const copyOfBase = (name: string): string => {
  const store = NodePath.join(work.dir, name)
  execFileSync("cp", ["-a", NodePath.join(work.dir, "base"), store])
  return store
}

/** A store of its own where the definition has run (so the stat cache knows every object). */
const ranStore = async (name: string): Promise<string> => {
  const store = NodePath.join(work.dir, name)
  const doc = await runOk(def, store)
  expect(outputDigests(doc)).toEqual(outputDigests(baseDoc))
  return store
}

/**
 * Flips one byte in the middle of `file` in place (same inode, same size), then puts its atime and
 * mtime back with `touch -r`, as a user, a copy tool or bit rot would leave it.
 */
const corruptKeepingMtime = (file: string) => {
  const reference = `${file}.ref`
  execFileSync("touch", ["-r", file, reference]) // a file that carries the object's times
  const before = statSync(file, { bigint: true })
  chmodSync(file, 0o644)
  const bytes = readFileSync(file)
  bytes[bytes.length >> 1] ^= 0x5a
  writeFileSync(file, bytes) // same inode (O_TRUNC, not a new file)
  chmodSync(file, 0o444)
  execFileSync("touch", ["-r", reference, file])
  rmSync(reference)
  const after = statSync(file, { bigint: true })
  expect([after.ino, after.size, after.mtimeNs, after.dev]).toEqual([before.ino, before.size, before.mtimeNs, before.dev])
}

describe("an object changed in place with its mtime restored", () => {
  it("verify re-hashes the stored objects: exit 1 naming the artifact and its file", async () => {
    const store = await ranStore("verify")
    const metrics = baseDoc.outputs.metrics
    const file = objectPath(store, metrics.digest)
    corruptKeepingMtime(file)

    const result = await pipeline(["verify", def, "--store", store])
    expect(result.code, show(result)).toBe(1)
    expect(result.stdout + result.stderr).toContain(metrics.artifactId)
    expect(result.stdout + result.stderr).toContain(file)
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /)

    const json = await pipeline(["verify", def, "--json", "--store", store])
    expect(json.code, show(json)).toBe(1)
    const doc = parseJson(json)
    const divergence = doc.divergences.find((d: any) => d.artifactId === metrics.artifactId)
    expect(divergence, JSON.stringify(doc.divergences)).toBeDefined()
    expect(divergence.detail).toContain(file)
    expect(divergence.detail).toMatch(/corrupt/)
  }, 90_000)

  it("the next run re-hashes it: a miss that repairs the object; verify passes again", async () => {
    const store = await ranStore("run")
    const metrics = baseDoc.outputs.metrics
    const file = objectPath(store, metrics.digest)
    corruptKeepingMtime(file)

    const rerun = await runOk(def, store)
    const publish = rerun.nodes.find((node: any) => node.name === "publish")
    expect(publish.cache, JSON.stringify(rerun.nodes)).toBe("miss")
    expect(rerun.nodes.filter((node: any) => node.name !== "publish" && node.name !== "project").every((n: any) => n.cache === "hit")).toBe(true)
    expect(outputDigests(rerun)).toEqual(outputDigests(baseDoc))
    expect(checkStore(store)).toEqual([]) // the object hashes to its name again
    await expectConsistent(store)

    const verify = await pipeline(["verify", def, "--store", store])
    expect(verify.code, show(verify)).toBe(0)
  }, 90_000)

  it("a report of the corrupt run does not show its bytes: exit 1 naming the corrupt object", async () => {
    const store = await ranStore("report")
    const metrics = baseDoc.outputs.metrics
    corruptKeepingMtime(objectPath(store, metrics.digest))
    const out = NodePath.join(work.dir, "report.html")
    const result = await pipeline(["report", baseDoc.experimentId, "-o", out, "--store", store])
    expect(result.code, show(result)).toBe(1)
    expect(result.stderr).toContain(metrics.digest)
    expect(result.stderr).toMatch(/corrupt/)
    expect(existsSync(out)).toBe(false)
  }, 60_000)
})

describe("a store that cannot be written", () => {
  /** fsck and report on `store` (spawned with `as`): both succeed and change nothing in the store. */
  const readOnlyChecks = async (store: string, outDir: string, as: { readonly wrapper?: ReadonlyArray<string>; readonly script?: string } = {}) => {
    const before = snapshot(store)
    const fsck = await pipeline(["fsck", "--json", "--store", store], as)
    expect(fsck.code, show(fsck)).toBe(0)
    const report = parseJson(fsck)
    expect(report.ok).toBe(true)
    expect(report.objects.count).toBeGreaterThan(0)

    const out = NodePath.join(outDir, "report.html")
    const written = await pipeline(["report", baseDoc.experimentId, "-o", out, "--store", store], as)
    expect(written.code, show(written)).toBe(0)
    expect(readFileSync(out, "utf8")).toContain(baseDoc.experimentId)
    expect(snapshotDiff(before, snapshot(store))).toEqual({ added: [], removed: [], changed: [] })
  }

  it("immutable (chattr +i, which stops root too), stat cache empty: fsck and report succeed", async () => {
    const store = copyOfBase("immutable")
    // No cached digest: every object must be hashed, and no entry can be written.
    rmSync(NodePath.join(store, "cache"), { recursive: true, force: true })
    mkdirSync(NodePath.join(store, "cache", "stat"), { recursive: true })
    chattr("+i", store)
    try {
      await readOnlyChecks(store, work.dir)
    } finally {
      chattr("-i", store)
    }
  }, 90_000)

  it("root's store read by nobody (chmod -R a-w), stat cache empty: fsck and report succeed", async () => {
    const store = copyOfBase("not-mine")
    rmSync(NodePath.join(store, "cache"), { recursive: true, force: true })
    mkdirSync(NodePath.join(store, "cache", "stat"), { recursive: true })
    execFileSync("chmod", ["-R", "a-w", store])
    const outDir = NodePath.join(work.dir, "nobody-out")
    mkdirSync(outDir)
    chmodSync(outDir, 0o777)
    await readOnlyChecks(store, outDir, { wrapper: asNobody, script: nobodyCli.script })
    execFileSync("chmod", ["-R", "u+w", store])
  }, 90_000)
})
