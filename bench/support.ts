/**
 * Shared pieces of the benchmark (bench/run.ts): sizes, definitions, the store layer, timing and
 * the child-process protocol (a child writes one JSON document to the file named by its last
 * argument; stdout is free for the child's own noise).
 */
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { experimentLayer } from "../nodes/runtime/index.js"

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
export const ROOT = join(BENCH_DIR, "..")

/** A synthetic market size: `tokens` × `days` of 1-minute candles (gaps make the count ~80%). */
export interface SizeConfig {
  readonly name: string
  readonly tokens: number
  readonly days: number
  readonly seed: number
}

export const SIZES: Readonly<Record<string, SizeConfig>> = {
  /** ~1M candles, ~1.1k alerts. */
  S: { name: "S", tokens: 250, days: 3.5, seed: 7 },
  /** ~10M candles, ~11k alerts. */
  L: { name: "L", tokens: 2500, days: 3.5, seed: 7 },
  /** S's candle and alert counts spread over 10× the mints: memory must not grow with mints. */
  Sm: { name: "Sm", tokens: 2500, days: 0.35, seed: 7 },
  /** For the smoke test: seconds, not minutes. */
  T: { name: "T", tokens: 12, days: 1, seed: 7 }
}

/** The strategy every run starts from; `stopLossPct` is the parameter the benchmark changes. */
export const strategyFor = (stopLossPct: number) => ({
  entry: { delayCandles: 1 },
  exit: {
    targets: [{ multiple: 1.5, fraction: 0.3 }, { multiple: 2, fraction: 0.3 }, { multiple: 4, fraction: 0.4 }],
    maxHoldCandles: 720
  },
  stopLoss: { pct: stopLossPct },
  trailing: { activation: 0.5, pct: 0.2 },
  intrabar: "stop-first",
  costs: { feeBps: 25, slippageBps: 15 },
  sizing: { notional: 10, initialCapital: 1000 }
})

export const BASE_STOP = 0.25
export const CHANGED_STOP = 0.3
export const DATE_RANGE = { from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z" }

export type Inputs =
  | { readonly synthetic: { readonly tokens: number; readonly days: number; readonly seed: number } }
  | { readonly alerts: ReadonlyArray<string>; readonly ohlcv: ReadonlyArray<string> }

/** An experiment definition (encoded, as a user writes it). */
export const definitionFor = (name: string, inputs: Inputs, stopLossPct = BASE_STOP) => ({
  name,
  seed: 42,
  inputs,
  dateRange: DATE_RANGE,
  strategy: strategyFor(stopLossPct)
})

export const syntheticInputs = (size: SizeConfig): Inputs => ({
  synthetic: { tokens: size.tokens, days: size.days, seed: size.seed }
})

/** Every service `runExperiment` needs, on a filesystem store at `root`. */
export const storeLayer = (root: string) => experimentLayer(root)

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true })

/** Runs `effect` and returns its value with the wall time in ms. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return { value, ms: performance.now() - start }
  })

export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const n = sorted.length
  return n === 0 ? Number.NaN : n % 2 === 1 ? sorted[n >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2
}

export const round = (x: number, digits = 1): number => {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Peak RSS of this process so far, MB. */
export const peakRssMb = () => round(process.resourceUsage().maxRSS / 1024, 0)

/** A child's entry: reads its JSON argument, runs `main`, writes the result file. */
export const childMain = async (main: (args: any) => Promise<unknown>) => {
  const argv = process.argv.slice(2)
  const resultFile = argv[argv.length - 1]!
  const args = JSON.parse(argv[argv.length - 2] ?? "{}")
  try {
    const result = await main(args)
    writeFileSync(resultFile, JSON.stringify({ ok: true, result, peakRssMb: peakRssMb() }))
  } catch (error) {
    writeFileSync(resultFile, JSON.stringify({ ok: false, error: String((error as Error)?.stack ?? error) }))
    process.exitCode = 1
  }
}

export interface ChildOutcome<A> {
  readonly result: A
  readonly peakRssMb: number
  /** Wall time of the whole child process (start-up included), ms. */
  readonly processMs: number
}

/**
 * Runs `script` (a .ts file under bench/) as `node --import tsx script <json args> <result file>`
 * and returns what it wrote. Fails with the child's error (and stderr tail) when it failed.
 */
export const runChild = <A>(script: string, args: unknown, options: { timeoutMs?: number } = {}): Promise<ChildOutcome<A>> =>
  new Promise((resolve, reject) => {
    const dir = tempDir("bench-child-")
    const resultFile = join(dir, "result.json")
    const start = performance.now()
    const child = spawn(process.execPath, ["--import", "tsx", join(BENCH_DIR, script), JSON.stringify(args), resultFile], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (data) => {
      stderr = (stderr + String(data)).slice(-4000)
    })
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 20 * 60_000)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      const processMs = performance.now() - start
      let parsed: { ok: boolean; result?: A; error?: string; peakRssMb?: number } | undefined
      try {
        parsed = JSON.parse(readFileSync(resultFile, "utf8"))
      } catch {
        parsed = undefined
      }
      removeDir(dir)
      if (parsed?.ok === true) {
        resolve({ result: parsed.result as A, peakRssMb: parsed.peakRssMb ?? Number.NaN, processMs })
      } else {
        reject(new Error(`${script} failed (code ${code}, signal ${signal}): ${parsed?.error ?? ""}\n${stderr}`))
      }
    })
  })

/** Spawns a command and returns its exit code, stdout and wall time (ms). */
export const runCommand = (command: string, args: ReadonlyArray<string>, options: { cwd?: string } = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const start = performance.now()
    const child = spawn(command, [...args], { cwd: options.cwd ?? ROOT, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (data) => (stdout += String(data)))
    child.stderr.on("data", (data) => (stderr = (stderr + String(data)).slice(-4000)))
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: performance.now() - start }))
  })
