/**
 * `pipeline gc` never touches what the pipeline did not write: only tmp/ names of the store's own
 * temp pattern (store/TempName.ts) are swept; a user's file or directory in tmp/, a symlinked tmp/
 * and a symlinked entry are left alone (and reported), however old.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"
import { definitionJson } from "./support.js"

let dir: string
const DAY = 86_400_000

const age = (file: string, ms: number) => {
  const when = new Date(Date.now() - ms)
  fs.utimesSync(file, when, when)
}

/** A pid that is certainly not running: a child that has already exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!

/** A real store, made by importing two alerts. */
const makeStore = async (name: string) => {
  const store = path.join(dir, name)
  const csv = path.join(dir, `${name}-alerts.csv`)
  fs.writeFileSync(
    csv,
    "alert_id,alert_ts,chain,mint,caller\na1,2024-01-01T00:00:00Z,solana,M1,x\na2,2024-01-01T01:00:00Z,solana,M2,y\n"
  )
  const imported = await runCli(["--store", store, "import", "alerts", csv])
  expect(imported.code, imported.stderr).toBe(0)
  return store
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gc-safety-"))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("pipeline gc: tmp/ holds only what the store wrote (process)", () => {
  it("removes the store's own debris and leaves a user's old files and directories in tmp/", async () => {
    const store = await makeStore("adopted")
    const tmp = path.join(store, "tmp")
    const pid = deadPid()
    const notes = path.join(tmp, "notes.txt")
    fs.writeFileSync(notes, "my notes")
    const userDir = path.join(tmp, "drafts")
    fs.mkdirSync(userDir)
    fs.writeFileSync(path.join(userDir, "a.txt"), "draft")
    const lookalike = path.join(tmp, "write-1-my-file.txt") // starts like a temp name, is not one
    fs.writeFileSync(lookalike, "mine")
    const debris = path.join(tmp, `write-${pid}-0-0123456789abcdef`)
    fs.writeFileSync(debris, "partial")
    const projection = path.join(tmp, `scratch-${pid}-1-00112233445566ff-projection.duckdb`)
    fs.writeFileSync(projection, "db")
    fs.writeFileSync(`${projection}.wal`, "wal")
    const oldDebris = path.join(tmp, `put-${process.pid}-2-fedcba9876543210`) // a live pid, but 2 days old
    fs.writeFileSync(oldDebris, "old")
    for (const file of [notes, path.join(userDir, "a.txt"), userDir, lookalike, oldDebris]) age(file, 2 * DAY)

    const done = await runCli(["--store", store, "--json", "gc"])
    expect(done.code, done.stderr).toBe(0)
    const report = JSON.parse(done.stdout)

    expect(fs.readFileSync(notes, "utf8")).toBe("my notes")
    expect(fs.readFileSync(path.join(userDir, "a.txt"), "utf8")).toBe("draft")
    expect(fs.readFileSync(lookalike, "utf8")).toBe("mine")
    for (const gone of [debris, projection, `${projection}.wal`, oldDebris]) expect(fs.existsSync(gone), gone).toBe(false)
    const removedTmp = report.removed.filter((item: { kind: string }) => item.kind === "tmp").map((item: { id: string }) => item.id)
    expect(removedTmp.sort()).toEqual(
      [path.basename(debris), path.basename(projection), `${path.basename(projection)}.wal`, path.basename(oldDebris)].sort()
    )
    const leftAlone = report.leftAlone.map((item: { path: string }) => path.basename(item.path)).sort()
    expect(leftAlone).toEqual(["drafts", "notes.txt", "write-1-my-file.txt"])

    // The human summary names them too.
    const text = await runCli(["--store", store, "gc", "--dry-run"])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain("notes.txt")
    expect(text.stdout).toMatch(/left alone/)
  }, 60_000)

  it("does not follow a symlinked tmp/: its target's files stay, and the link is reported", async () => {
    const store = await makeStore("linked-tmp")
    const outside = path.join(dir, "outside")
    fs.mkdirSync(outside)
    const pid = deadPid()
    const lookingLikeDebris = path.join(outside, `write-${pid}-0-0123456789abcdef`)
    fs.writeFileSync(lookingLikeDebris, "not the store's")
    const notes = path.join(outside, "notes.txt")
    fs.writeFileSync(notes, "mine")
    age(notes, 2 * DAY)
    age(lookingLikeDebris, 2 * DAY)
    fs.rmSync(path.join(store, "tmp"), { recursive: true })
    fs.symlinkSync(outside, path.join(store, "tmp"))

    const done = await runCli(["--store", store, "--json", "gc"])
    expect(done.code, done.stderr).toBe(0)
    const report = JSON.parse(done.stdout)
    expect(fs.readFileSync(lookingLikeDebris, "utf8")).toBe("not the store's")
    expect(fs.readFileSync(notes, "utf8")).toBe("mine")
    expect(fs.lstatSync(path.join(store, "tmp")).isSymbolicLink()).toBe(true)
    expect(report.removed.filter((item: { kind: string }) => item.kind === "tmp")).toEqual([])
    expect(report.leftAlone).toEqual([
      expect.objectContaining({ path: path.join(store, "tmp"), reason: expect.stringMatching(/symbolic link/) })
    ])
  }, 60_000)

  it("leaves a symlinked entry in tmp/ alone even when its name is the store's pattern", async () => {
    const store = await makeStore("linked-entry")
    const target = path.join(dir, "precious")
    fs.mkdirSync(target)
    fs.writeFileSync(path.join(target, "data.txt"), "precious")
    const pid = deadPid()
    const link = path.join(store, "tmp", `overlay-${pid}-0-0123456789abcdef`)
    fs.symlinkSync(target, link)

    const done = await runCli(["--store", store, "--json", "gc"])
    expect(done.code, done.stderr).toBe(0)
    const report = JSON.parse(done.stdout)
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(path.join(target, "data.txt"), "utf8")).toBe("precious")
    expect(report.leftAlone).toEqual([
      expect.objectContaining({ path: link, reason: expect.stringMatching(/symbolic link/) })
    ])
  }, 60_000)

  it("an artifact gc removed is reported as removed by gc, by id, not as unknown", async () => {
    const store = path.join(dir, "removed")
    const definition = path.join(dir, "removed.json")
    fs.writeFileSync(definition, JSON.stringify(definitionJson("removed", 20)))
    const run = await runCli(["--store", store, "--json", "run", definition], { timeout: 120_000 })
    expect(run.code, run.stderr).toBe(0)
    const metrics = JSON.parse(run.stdout).outputs.metrics.artifactId as string
    const swept = await runCli(["--store", store, "gc", "--keep-last", "0", "--grace-minutes", "0"])
    expect(swept.code, swept.stderr).toBe(0)
    expect(fs.readdirSync(path.join(store, "gc"))).toHaveLength(1)

    const shown = await runCli(["--store", store, "artifacts", "show", metrics])
    expect(shown.code).not.toBe(0)
    expect(shown.stderr).toContain(metrics)
    expect(shown.stderr).toMatch(/removed by pipeline gc .* grace 0 min/)
  }, 180_000)
})
