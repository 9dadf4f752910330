/**
 * CLI start-up, as a user pays it: `node bin/pipeline.js …` against a bare `node -e 0`.
 *
 * Commands: `--help`, `hash <1 KiB file>`, `experiments list` (a store holding the quickstart),
 * and a cached rerun of examples/quickstart.json (every node a hit). Each is run `runs` times,
 * interleaved round by round with `node -e 0` so load drift hits all alike; the medians of wall
 * time (and of user + sys CPU, from /usr/bin/time when present) are reported with their ratio to
 * `node -e 0`'s. The bundle is brought up to date first (`npm run build`), unless told not to:
 * with stale sources bin/pipeline.js runs them through tsx and the numbers say so (`mode`; "mixed"
 * when a source changed during the rounds). The bundle runs with its V8 code cache, written by the
 * cold quickstart run that comes first when the build is new (bin/codeCache.mjs).
 *
 * `npm run bench` runs this after its sizes; alone: `npx tsx bench/startup.ts [--runs N] [--no-build] [--out FILE]`.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { removeDir, ROOT, round, runCommand, tempDir } from "./support.js"

const TIME = "/usr/bin/time"

/** Whether bin/pipeline.js runs the bundle: the same rule as bin/pipeline.js's. */
export const bundleIsFresh = (): boolean => {
  try {
    const built = statSync(join(ROOT, "dist", "pipeline.mjs")).mtimeMs
    const sources: Array<string> = JSON.parse(readFileSync(join(ROOT, "dist", "pipeline.sources.json"), "utf8"))
    return sources.length > 0 && sources.every((path) => statSync(join(ROOT, path)).mtimeMs <= built)
  } catch {
    return false
  }
}

/** "bundle" when bin/pipeline.js will run the bundle (rebuilt first when stale and `build`), else "tsx". */
export const ensureBundle = async (build: boolean, log: (line: string) => void): Promise<"bundle" | "tsx"> => {
  if (build && !bundleIsFresh()) {
    log("dist/pipeline.mjs is stale: npm run build")
    await runCommand("npm", ["run", "build"])
  }
  return bundleIsFresh() ? "bundle" : "tsx"
}

interface Timing {
  readonly wallMs: number
  readonly cpuMs: number | null
}

/** One process, timed; fails on a non-zero exit. */
const timeOnce = async (argv: ReadonlyArray<string>, cwd: string): Promise<Timing> => {
  const timed = existsSync(TIME)
  const r = timed
    ? await runCommand(TIME, ["-f", "BENCHTIME %U %S", ...argv], { cwd })
    : await runCommand(argv[0]!, argv.slice(1), { cwd })
  if (r.code !== 0) throw new Error(`${argv.slice(1).join(" ")} exited ${r.code}: ${r.stderr}`)
  const usage = /BENCHTIME ([\d.]+) ([\d.]+)/.exec(r.stderr)
  return { wallMs: r.ms, cpuMs: usage ? (Number(usage[1]) + Number(usage[2])) * 1000 : null }
}

const medianOf = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export interface StartupCommand {
  readonly name: string
  readonly command: string
  /** Ratio to `node -e 0` that the command should stay within. */
  readonly target: number | null
  readonly ms: number
  readonly cpuMs: number | null
  readonly ratio: number
  readonly cpuRatio: number | null
  readonly runsMs: ReadonlyArray<number>
}

export interface StartupResult {
  /** What bin/pipeline.js ran: "mixed" when a source changed during the rounds (tsx from then on). */
  readonly mode: "bundle" | "tsx" | "mixed"
  readonly runs: number
  readonly commands: ReadonlyArray<StartupCommand>
}

export const benchStartup = async (
  options: { readonly runs: number; readonly build: boolean },
  log: (line: string) => void = () => {}
): Promise<StartupResult> => {
  const mode = await ensureBundle(options.build, log)
  const dir = tempDir("bench-startup-")
  try {
    const node = process.execPath
    const cli = [node, join(ROOT, "bin", "pipeline.js")]
    const store = join(dir, "store")
    const file = join(dir, "one-kib.bin")
    writeFileSync(file, Buffer.alloc(1024, 7))
    const quickstart = join(ROOT, "examples", "quickstart.json")
    log(`start-up (${mode}): quickstart cold run, then ${options.runs} rounds`)
    await timeOnce([...cli, "--store", store, "run", quickstart], dir)
    const commands = [
      { name: "node -e 0", command: "node -e 0", target: null, argv: [node, "-e", "0"] },
      { name: "--help", command: "pipeline --help", target: 3, argv: [...cli, "--help"] },
      { name: "hash", command: "pipeline hash <1 KiB file>", target: 3, argv: [...cli, "hash", file] },
      { name: "experiments list", command: "pipeline experiments list", target: 3, argv: [...cli, "--store", store, "experiments", "list"] },
      { name: "cached quickstart", command: "pipeline run examples/quickstart.json (cached)", target: 4, argv: [...cli, "--store", store, "run", quickstart] }
    ]
    const timings = commands.map((): Array<Timing> => [])
    for (let round = 0; round < options.runs; round++) {
      for (const [i, command] of commands.entries()) timings[i]!.push(await timeOnce(command.argv, dir))
    }
    const modeAfter = bundleIsFresh() ? "bundle" : "tsx"
    const wall = timings.map((ts) => medianOf(ts.map((t) => t.wallMs)))
    const cpu = timings.map((ts) => (ts.every((t) => t.cpuMs !== null) ? medianOf(ts.map((t) => t.cpuMs!)) : null))
    return {
      mode: modeAfter === mode ? mode : "mixed",
      runs: options.runs,
      commands: commands.map((command, i) => ({
        name: command.name,
        command: command.command,
        target: command.target,
        ms: round(wall[i]!),
        cpuMs: cpu[i] === null ? null : round(cpu[i]!),
        ratio: round(wall[i]! / wall[0]!, 2),
        cpuRatio: cpu[i] === null || cpu[0] === null ? null : round(cpu[i]! / cpu[0]!, 2),
        runsMs: timings[i]!.map((t) => round(t.wallMs))
      }))
    }
  } finally {
    removeDir(dir)
  }
}

/** The table's lines. */
export const startupLines = (result: StartupResult): Array<string> => [
  `start-up (${result.mode}; median of ${result.runs}, ratio to node -e 0):`,
  ...result.commands.map((c) =>
    `  ${c.command.padEnd(48)} ${`${c.ms.toFixed(0)} ms`.padStart(8)}  ${`${c.ratio.toFixed(2)}×`.padStart(7)}` +
    `  cpu ${c.cpuMs === null ? "–" : `${c.cpuMs.toFixed(0)} ms`} (${c.cpuRatio === null ? "–" : `${c.cpuRatio.toFixed(2)}×`})` +
    (c.target === null ? "" : `  target ≤ ${c.target}×`)
  )
]

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const argv = process.argv.slice(2)
  const at = (flag: string) => argv.indexOf(flag)
  const runs = at("--runs") >= 0 ? Number(argv[at("--runs") + 1]) : 5
  const out = at("--out") >= 0 ? argv[at("--out") + 1] : undefined
  const result = await benchStartup({ runs, build: !argv.includes("--no-build") }, (line) => process.stderr.write(`${line}\n`))
  console.log(startupLines(result).join("\n"))
  if (out !== undefined) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
}
