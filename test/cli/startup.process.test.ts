/**
 * The CLI bundle as `npm run build` makes it (bin/build.mjs, built here into a temp dir): the
 * commands that need no database start without loading DuckDB (or Arrow) — nor does a fully cached
 * run, whose DuckDB version the store memoises —, those that hash nothing without BLAKE3 (native
 * or blake3-wasm), a hashing command with the native one,
 * and the bundle still runs an experiment, its report and a sweep on worker threads
 * (dist/sweep-worker.mjs beside it).
 * Which modules a process loads is recorded by test/support/loadedModules.mjs.
 */
import { spawn } from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { smallDefinition } from "../cli-run/support.js"
import { type CliResult, repoRoot, waitForExit } from "../support/cli.js"

const preload = NodePath.join(repoRoot, "test", "support", "loadedModules.mjs")
const DATABASE_MODULES = /@duckdb[\\/]node-(api|bindings)|apache-arrow/
// The native BLAKE3 is a CommonJS package (required); blake3-wasm's JavaScript is in the bundle:
// what shows it loaded is its blake3.wasm being read.
const NATIVE_BLAKE3 = /@napi-rs[\\/]blake-hash/
const BLAKE3 = /blake3-wasm|blake3\.wasm|@napi-rs[\\/]blake-hash/

let dir: string
let bundle: string

/** `node --import loadedModules.mjs <bundle> …args`: the result and the modules the process loaded. */
const runBundle = async (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}, timeout = 90_000) => {
  const record = NodePath.join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`)
  const child = spawn(process.execPath, ["--import", preload, bundle, ...args], {
    cwd: dir,
    env: { ...process.env, PIPELINE_STORE: "", NO_COLOR: "1", PIPELINE_TEST_LOADED_MODULES: record, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const result: CliResult = await waitForExit(child, timeout)
  const loaded = NodeFs.existsSync(record) ? NodeFs.readFileSync(record, "utf8").split("\n").filter((line) => line !== "") : []
  return { ...result, loaded }
}

const expectOk = (result: CliResult) => expect(result.code, result.stderr).toBe(0)

describe("the CLI bundle", () => {
  beforeAll(async () => {
    dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "pipeline-startup-"))
    // The bundle resolves its external packages (DuckDB) from node_modules beside dist/.
    NodeFs.symlinkSync(NodePath.join(repoRoot, "node_modules"), NodePath.join(dir, "node_modules"), "dir")
    const build = spawn(process.execPath, [NodePath.join(repoRoot, "bin", "build.mjs"), NodePath.join(dir, "dist")], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"]
    })
    expectOk(await waitForExit(build, 120_000))
    bundle = NodePath.join(dir, "dist", "pipeline.mjs")
  }, 150_000)
  afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

  it("lists the repository files it was built from, every one of them a file (bin/pipeline.js runs the bundle while none is newer)", () => {
    const sources: Array<string> = JSON.parse(NodeFs.readFileSync(NodePath.join(NodePath.dirname(bundle), "pipeline.sources.json"), "utf8"))
    expect(sources).toContain("cli/main.ts")
    expect(sources).toContain("bin/codeCache.mjs")
    expect(sources.filter((path) => !NodeFs.statSync(NodePath.join(repoRoot, path), { throwIfNoEntry: false })?.isFile())).toEqual([])
  })

  it("is ASCII, and its launcher says so (it then reads the bundle as latin1: bin/codeCache.mjs)", () => {
    const built = NodeFs.readdirSync(NodePath.dirname(bundle)).find((name) => /^pipeline-[0-9a-f]{16}\.cjs$/.test(name))!
    expect(NodeFs.readFileSync(NodePath.join(NodePath.dirname(bundle), built)).every((byte) => byte < 0x80)).toBe(true)
    expect(NodeFs.readFileSync(bundle, "utf8")).toContain("{ ascii: true }")
  })

  it("--help, hash and experiments list load neither DuckDB nor Arrow; --help and the listing no BLAKE3", async () => {
    const help = await runBundle(["--help"])
    expectOk(help)
    expect(help.stdout).toContain("pipeline")
    expect(help.loaded.some((path) => path.includes("pipeline.mjs"))).toBe(true) // the record works
    expect(help.loaded.filter((path) => DATABASE_MODULES.test(path))).toEqual([])
    expect(help.loaded.filter((path) => BLAKE3.test(path))).toEqual([])
    // The launcher runs the one bundle of its build, whose V8 code cache the first run wrote.
    const built = NodeFs.readdirSync(NodePath.dirname(bundle))
    expect(built.filter((name) => /^pipeline-[0-9a-f]{16}\.cjs$/.test(name))).toHaveLength(1)
    expect(NodeFs.readdirSync(NodePath.join(NodePath.dirname(bundle), ".cache")).filter((name) => name.endsWith(".v8")))
      .toHaveLength(1)

    const file = NodePath.join(dir, "empty.bin")
    NodeFs.writeFileSync(file, "")
    const hash = await runBundle(["hash", file])
    expectOk(hash)
    expect(hash.stdout).toBe(`af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262  ${file}\n`)
    expect(hash.loaded.filter((path) => DATABASE_MODULES.test(path))).toEqual([])
    expect(hash.loaded.some((path) => BLAKE3.test(path))).toBe(true) // the record sees it when loaded
    // The native implementation where its binding loads (linux-x64 here): blake3-wasm is not even read.
    expect(hash.loaded.some((path) => NATIVE_BLAKE3.test(path))).toBe(true)
    expect(hash.loaded.filter((path) => /blake3\.wasm/.test(path))).toEqual([])

    const list = await runBundle(["--store", NodePath.join(dir, "no-store"), "experiments", "list"])
    expectOk(list)
    expect(list.loaded.filter((path) => DATABASE_MODULES.test(path))).toEqual([])
    expect(list.loaded.filter((path) => BLAKE3.test(path))).toEqual([])
  }, 120_000)

  it("runs an experiment (loading DuckDB then; not for a cached rerun or a listing), its report and a sweep on worker threads", async () => {
    const store = NodePath.join(dir, "store")
    const definition = NodePath.join(dir, "small.json")
    NodeFs.writeFileSync(definition, JSON.stringify(smallDefinition({ name: "bundle-small" })))
    const run = await runBundle(["--store", store, "run", definition, "--json"])
    expectOk(run)
    const experimentId: string = JSON.parse(run.stdout).experimentId
    expect(experimentId).toMatch(/^exp_/)
    expect(run.loaded.some((path) => /@duckdb[\\/]node-api/.test(path))).toBe(true)

    // Every node a hit: the DuckDB version comes from the store's memo (the first run recorded it),
    // so neither DuckDB nor its native bindings are loaded. git (the run's provenance) runs through
    // a `git` first on PATH that records its calls; a listing starts neither DuckDB nor git.
    const fakeBin = NodePath.join(dir, "fake-bin")
    const gitCalls = NodePath.join(dir, "git-calls.txt")
    NodeFs.mkdirSync(fakeBin, { recursive: true })
    NodeFs.writeFileSync(NodePath.join(fakeBin, "git"), `#!/bin/sh\necho "$@" >> ${JSON.stringify(gitCalls)}\nexit 128\n`, { mode: 0o755 })
    const withFakeGit = { PATH: `${fakeBin}${NodePath.delimiter}${process.env.PATH ?? ""}` }
    const cached = await runBundle(["--store", store, "run", definition, "--json"], withFakeGit)
    expectOk(cached)
    expect(JSON.parse(cached.stdout).experimentId).toBe(experimentId)
    expect(cached.loaded.filter((path) => DATABASE_MODULES.test(path))).toEqual([])
    expect(NodeFs.readFileSync(gitCalls, "utf8")).toContain("status --porcelain=v2 --branch") // the fake git is used
    NodeFs.rmSync(gitCalls)
    const listed = await runBundle(["--store", store, "experiments", "list"], withFakeGit)
    expectOk(listed)
    expect(listed.stdout).toContain(experimentId)
    expect(listed.loaded.filter((path) => DATABASE_MODULES.test(path))).toEqual([])
    expect(listed.loaded.filter((path) => BLAKE3.test(path))).toEqual([])
    expect(NodeFs.existsSync(gitCalls)).toBe(false)

    const html = NodePath.join(dir, "report.html")
    expectOk(await runBundle(["--store", store, "report", experimentId, "-o", html]))
    expect(NodeFs.readFileSync(html, "utf8")).toMatch(/^<!DOCTYPE html>/i)

    const sweep = NodePath.join(dir, "sweep.json")
    NodeFs.writeFileSync(sweep, JSON.stringify({
      ...smallDefinition({ name: "bundle-sweep" }),
      sweep: { grid: { "stopLoss.pct": [0.1, 0.3] }, keep: 1 }
    }))
    const swept = await runBundle(["--store", store, "run", sweep, "--json", "--workers", "1"], {}, 120_000)
    expectOk(swept)
    expect(JSON.parse(swept.stdout).sweep).toMatchObject({ variants: 2, simulated: 2, cached: 0 })
  }, 240_000)
})
