/**
 * The CLI for fault tests: `pipeline …` spawned as a child process, with `--store` and JSON helpers.
 *
 * Spawns run the esbuild bundle dist/pipeline.mjs when it is fresh (what bin/pipeline.js runs then).
 * When a source is newer than the bundle (other work in progress in the tree), bin/pipeline.js would
 * run tsx (~3.5 s start-up per spawn, too slow for tests that spawn dozens of processes), so a bundle
 * of the current sources is built with the same esbuild options as `npm run build`, under
 * node_modules/.cache (where the external packages still resolve).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import * as NodePath from "node:path"
import { type CliResult, repoRoot, waitForExit } from "../../support/cli.js"

const SOURCE_DIRS = ["cli", "nodes", "pipeline", "store"]

const sourceFiles = (dir: string, out: Array<string> = []): Array<string> => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = NodePath.join(dir, entry.name)
    if (entry.isDirectory()) sourceFiles(path, out)
    else if (entry.name.endsWith(".ts")) out.push(path)
  }
  return out
}

const newestSource = (): number =>
  Math.max(...SOURCE_DIRS.flatMap((dir) => sourceFiles(NodePath.join(repoRoot, dir)).map((f) => statSync(f).mtimeMs)))

/** A name for the current state of the sources (path, size, mtime of each). */
const sourceStateHash = (): string => {
  const hash = createHash("sha256")
  for (const dir of SOURCE_DIRS) {
    for (const file of sourceFiles(NodePath.join(repoRoot, dir)).sort()) {
      const stats = statSync(file)
      hash.update(`${file}\0${stats.size}\0${stats.mtimeMs}\n`)
    }
  }
  return hash.digest("hex").slice(0, 16)
}

const CACHE_DIR = NodePath.join(repoRoot, "node_modules", ".cache", "pipeline-fault-tests")

let entry: Promise<string> | undefined

/**
 * The script to run with node: dist/pipeline.mjs when it is fresh, else a bundle of the current
 * sources, shared by the test files of one run (named after the sources' state; bundles unused
 * for 30 minutes are removed when a new one is built).
 */
export const cliEntry = (): Promise<string> => {
  entry ??= (async () => {
    const bundle = NodePath.join(repoRoot, "dist", "pipeline.mjs")
    // The bundle itself (what bin/pipeline.js imports when fresh), so that a source edited while
    // the tests run does not switch later spawns to tsx.
    if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource()) return bundle
    const out = NodePath.join(CACHE_DIR, `pipeline-${sourceStateHash()}.mjs`)
    if (existsSync(out)) return out
    const { build } = await import("esbuild")
    mkdirSync(CACHE_DIR, { recursive: true })
    const temp = `${out}.${process.pid}.tmp`
    await build({
      entryPoints: [NodePath.join(repoRoot, "cli", "main.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      outfile: temp,
      logLevel: "warning"
    })
    renameSync(temp, out)
    for (const name of readdirSync(CACHE_DIR)) {
      const path = NodePath.join(CACHE_DIR, name)
      if (path !== out && Date.now() - statSync(path).mtimeMs > 30 * 60_000) rmSync(path, { force: true })
    }
    return out
  })()
  return entry
}

/**
 * A copy of the CLI another user (`nobody`) can run, and its removal. The checkout may sit under a
 * private directory (mktemp -d makes mode 700, as a fresh clone's temp dir is), which that user
 * cannot enter: the current sources are bundled by bin/build.mjs into a world-readable temp dir
 * (only DuckDB's packages stay external there; the commands run as `nobody` need no other external
 * package) and DuckDB's packages are copied beside the bundle.
 */
export const cliForOtherUsers = (): { readonly script: string; readonly remove: () => void } => {
  const dir = mkdtempSync(NodePath.join(tmpdir(), "pipeline-cli-copy-"))
  execFileSync(process.execPath, [NodePath.join(repoRoot, "bin", "build.mjs"), NodePath.join(dir, "dist")], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "pipe"]
  })
  cpSync(NodePath.join(repoRoot, "node_modules", "@duckdb"), NodePath.join(dir, "node_modules", "@duckdb"), { recursive: true })
  execFileSync("chmod", ["-R", "a+rX", dir])
  chmodSync(dir, 0o755)
  return { script: NodePath.join(dir, "dist", "pipeline.mjs"), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface SpawnOptions {
  /** The script node runs (default: cliEntry(), the bundle of the checkout's sources). */
  readonly script?: string
  readonly cwd?: string
  /** Extra environment; PIPELINE_STORE is always removed. */
  readonly env?: Readonly<Record<string, string>>
  /** Wraps the node command, e.g. ["setpriv", "--reuid=65534", …] to run as another user. */
  readonly wrapper?: ReadonlyArray<string>
}

/** Starts `pipeline …args`; the caller owns the child. */
export const spawnPipeline = async (args: ReadonlyArray<string>, options: SpawnOptions = {}): Promise<ChildProcess> => {
  const script = options.script ?? await cliEntry()
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...options.env }
  delete env.PIPELINE_STORE
  const command = [...(options.wrapper ?? []), process.execPath, script, ...args]
  const child = spawn(command[0], command.slice(1), { cwd: options.cwd ?? repoRoot, env, stdio: ["ignore", "pipe", "pipe"] })
  return child
}

/** Runs `pipeline …args` to its end. */
export const pipeline = async (
  args: ReadonlyArray<string>,
  options: SpawnOptions & { readonly timeout?: number } = {}
): Promise<CliResult> => waitForExit(await spawnPipeline(args, options), options.timeout ?? 120_000)

/** Parses the one JSON document a `--json` command printed, with the outputs in the failure message. */
export const parseJson = (result: CliResult): any => {
  try {
    return JSON.parse(result.stdout)
  } catch {
    throw new Error(`not one JSON document on stdout (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
}

/** A result's outputs for a failure message. */
export const show = (result: CliResult): string =>
  `exit ${result.code} signal ${result.signal}\nstdout: ${result.stdout.slice(0, 4000)}\nstderr: ${result.stderr.slice(0, 4000)}`

/** `pipeline run def --json --store S` that must succeed; returns the run document. */
export const runOk = async (definition: string, store: string, extra: ReadonlyArray<string> = []): Promise<any> => {
  const result = await pipeline(["run", definition, "--json", "--store", store, ...extra])
  if (result.code !== 0) throw new Error(`pipeline run ${definition} failed\n${show(result)}`)
  return parseJson(result)
}

/**
 * Kept for callers written against an earlier version of this module (one private bundle per test
 * file, removed in afterAll): the bundle is now shared by the test files of a run and removed by
 * age when a newer one is built, so there is nothing to remove here.
 */
export const removeCliEntry = async (): Promise<void> => {}
