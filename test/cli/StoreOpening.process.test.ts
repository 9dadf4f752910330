/**
 * Which directory becomes a store, as real processes:
 * - a directory that is not a store is initialised only when it is new or empty; one holding user
 *   files (`proj/README`, `proj/tmp/notes.txt`) is refused with a usage error naming it (exit 2),
 *   and nothing is created or changed inside it;
 * - a store carries its marker file (`pipeline-store.json`); a store made before the marker existed
 *   is recognised by its layout (objects/, artifacts/, actions/, experiments/) and gains the marker;
 * - an empty `PIPELINE_STORE` is unset: the store is ./.pipeline, never the working directory;
 * - `run --dry-run` only reads: without a store it answers as for an empty store and creates none.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { spawn } from "node:child_process"
import { afterAll, describe, expect, it } from "vitest"
import { waitForExit } from "../support/cli.js"
import { cliEntry, parseJson, show } from "../fault/support/cli.js"
import { definition, tempDir, writeDefinition } from "../fault/support/fixtures.js"

const MARKER = "pipeline-store.json"
const SLOW = 180_000

const work = tempDir("store-opening")
afterAll(() => work.cleanup())

/** `pipeline …args` with exactly the given PIPELINE_STORE (absent when undefined). */
const cli = async (args: ReadonlyArray<string>, options: { cwd?: string; storeEnv?: string } = {}) => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" }
  delete env.PIPELINE_STORE
  if (options.storeEnv !== undefined) env.PIPELINE_STORE = options.storeEnv
  const child = spawn(process.execPath, [await cliEntry(), ...args], {
    cwd: options.cwd ?? work.dir,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  return waitForExit(child, 120_000)
}

const alertsCsv = (dir: string) => {
  const path = NodePath.join(dir, "alerts.csv")
  NodeFs.writeFileSync(path, "alert_id,alert_ts,chain,mint,caller\nA1,2023-03-01T00:03:00Z,sol,M1,bob\n")
  return path
}

/** Every entry under `root`: relative path → kind, size, mode and mtime (a directory's mtime changes with its entries). */
const tree = (root: string): Record<string, string> => {
  const out: Record<string, string> = { ".": String(NodeFs.lstatSync(root).mtimeMs) }
  const walk = (dir: string) => {
    for (const name of NodeFs.readdirSync(dir).sort()) {
      const path = NodePath.join(dir, name)
      const stats = NodeFs.lstatSync(path)
      out[NodePath.relative(root, path)] = `${stats.isDirectory() ? "dir" : stats.size}:${stats.mode}:${stats.mtimeMs}`
      if (stats.isDirectory()) walk(path)
    }
  }
  walk(root)
  return out
}

describe("opening a store", () => {
  it("a non-empty directory that is not a store is refused (exit 2, named) and left untouched", async () => {
    const proj = NodePath.join(work.dir, "proj")
    NodeFs.mkdirSync(NodePath.join(proj, "tmp"), { recursive: true })
    NodeFs.writeFileSync(NodePath.join(proj, "README"), "my project\n")
    NodeFs.writeFileSync(NodePath.join(proj, "tmp", "notes.txt"), "notes\n")
    const csv = alertsCsv(work.dir)
    const def = writeDefinition(work.dir, "tiny.json", definition("opening"))
    const before = tree(proj)
    const [dryRun, ...results] = await Promise.all([
      cli(["run", def, "--store", proj, "--dry-run"]),
      cli(["import", "alerts", csv, "--store", proj]),
      cli(["run", def, "--store", proj]),
      cli(["import", "alerts", csv], { storeEnv: proj })
    ])
    for (const result of results) {
      expect(result.code, show(result)).toBe(2)
      expect(result.stderr).toContain(`pipeline: ${proj} is not a store and not empty (it holds README, tmp)`)
      expect(result.stderr).not.toContain("internal error")
    }
    // reading commands see no store there (as in any directory without one) and write nothing
    expect(dryRun.code, show(dryRun)).toBe(0)
    expect(dryRun.stdout).toContain("planned")
    expect(tree(proj)).toEqual(before)
  }, SLOW)

  it("a new path and an empty directory become stores, with the marker file", async () => {
    const fresh = NodePath.join(work.dir, "fresh", "store")
    const empty = NodePath.join(work.dir, "empty")
    NodeFs.mkdirSync(empty)
    const csv = alertsCsv(work.dir)
    const [a, b] = await Promise.all([
      cli(["import", "alerts", csv, "--store", fresh]),
      cli(["import", "alerts", csv, "--store", empty])
    ])
    expect(a.code, show(a)).toBe(0)
    expect(b.code, show(b)).toBe(0)
    for (const store of [fresh, empty]) {
      expect(JSON.parse(NodeFs.readFileSync(NodePath.join(store, MARKER), "utf8"))).toMatchObject({ format: "pipeline-store" })
      expect(NodeFs.existsSync(NodePath.join(store, "objects"))).toBe(true)
    }
    // a store with files of the user's beside it is still a store
    NodeFs.writeFileSync(NodePath.join(empty, "NOTES"), "mine\n")
    const again = await cli(["import", "alerts", csv, "--store", empty])
    expect(again.code, show(again)).toBe(0)
  }, SLOW)

  it("a store made before the marker is recognised by its layout and gains the marker", async () => {
    const store = NodePath.join(work.dir, "legacy")
    const csv = alertsCsv(work.dir)
    const first = await cli(["import", "alerts", csv, "--store", store, "--json"])
    expect(first.code, show(first)).toBe(0)
    NodeFs.rmSync(NodePath.join(store, MARKER))
    NodeFs.writeFileSync(NodePath.join(store, "README"), "a file beside the layout\n")
    const [list, again] = await Promise.all([
      cli(["artifacts", "list", "--json", "--store", store]),
      cli(["import", "alerts", csv, "--store", store, "--json"])
    ])
    expect(list.code, show(list)).toBe(0)
    expect(parseJson(list).artifacts).toHaveLength(1)
    expect(again.code, show(again)).toBe(0)
    expect(parseJson(again)).toEqual(parseJson(first))
    expect(NodeFs.existsSync(NodePath.join(store, MARKER))).toBe(true)
  }, SLOW)

  it("an empty PIPELINE_STORE is unset: the store is ./.pipeline, not the working directory", async () => {
    const cwd = NodePath.join(work.dir, "cwd-empty-env")
    NodeFs.mkdirSync(cwd)
    alertsCsv(cwd)
    const result = await cli(["import", "alerts", "alerts.csv", "--json"], { cwd, storeEnv: "" })
    expect(result.code, show(result)).toBe(0)
    expect(NodeFs.readdirSync(cwd).sort()).toEqual([".pipeline", "alerts.csv"])
    expect(NodeFs.existsSync(NodePath.join(cwd, ".pipeline", MARKER))).toBe(true)
    expect(parseJson(result).imported).toHaveLength(1)
    expect(NodeFs.readdirSync(NodePath.join(cwd, ".pipeline", "artifacts")).filter((n) => n.endsWith(".json"))).toHaveLength(1)
  }, SLOW)

  it("run --dry-run creates no store: it plans as for an empty store", async () => {
    const def = writeDefinition(work.dir, "dry.json", definition("dry"))
    const absent = NodePath.join(work.dir, "dry-absent")
    const emptyDir = NodePath.join(work.dir, "dry-empty")
    NodeFs.mkdirSync(emptyDir)
    const cwd = NodePath.join(work.dir, "dry-cwd")
    NodeFs.mkdirSync(cwd)
    const before = tree(emptyDir)
    const [intoAbsent, intoEmpty, intoDefault] = await Promise.all([
      cli(["run", def, "--dry-run", "--json", "--store", absent]),
      cli(["run", def, "--dry-run", "--store", emptyDir]),
      cli(["run", def, "--dry-run", "--json"], { cwd })
    ])
    for (const result of [intoAbsent, intoEmpty, intoDefault]) expect(result.code, show(result)).toBe(0)
    const doc = parseJson(intoAbsent)
    expect(doc.status).toBe("planned")
    expect(doc.nodes.length).toBeGreaterThan(0)
    expect(doc.nodes.every((node: { cache: string }) => node.cache === "miss")).toBe(true)
    expect(parseJson(intoDefault)).toEqual(doc)
    expect(intoEmpty.stdout).toContain("planned")
    expect(NodeFs.existsSync(absent)).toBe(false)
    expect(tree(emptyDir)).toEqual(before)
    expect(NodeFs.readdirSync(cwd)).toEqual([])
  }, SLOW)
})
