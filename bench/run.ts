/**
 * `npm run bench [-- --size S|L|all] [--quick] [--sweep N] [--sweep-variants N] [--out DIR]`
 *
 * End-to-end benchmark of the pipeline on the synthetic market (bench/support.ts SIZES: S ≈ 1M
 * candles / ~1.1k alerts, L ≈ 10M / ~11k; `all` adds Sm, S's data over 10× the mints, to show
 * memory does not grow with mints). Every measurement runs in a child process of its own, one
 * after the other, so each has its own peak RSS and a cold run really is cold:
 *
 * 1. full run (synthetic definition, fresh store): cold — generation included —, cached reruns,
 *    then one changed strategy parameter (which nodes ran);
 * 2. generation alone into a second store, then in a fresh process the same experiment with
 *    catalog inputs (artifact ids): cold without generation, cached reruns, FileDigestCache
 *    counters (a cached rerun must hash no file);
 * 3. the hand-written baseline (bench/baseline.ts) on the same Parquet files;
 * 4. a sweep of N strategies over one projection (`execute`, at concurrency 1, then 2, with
 *    different strategies) and the in-memory
 *    kernel timings it is compared with (bench/sweep.ts, bench/kernel.ts) — sweep at S only;
 * 5. the CLI as a user runs it (`node bin/pipeline.js run --json`), cold and cached, at S;
 * 6. hashing a 256 MiB file: BLAKE3 (store/Digest.ts) vs node's sha256;
 * 7. the probability of backtest overfitting on 1,000 variants × 365 days, 16 blocks (bench/overfitting.ts);
 * 8. CLI start-up: --help, hash, experiments list and a cached quickstart rerun against `node -e 0`
 *    (bench/startup.ts).
 * 9. a cached rerun at S on a PostgreSQL catalog (a throwaway server) against the filesystem store
 *    (bench/catalogRow.ts).
 * 10. an empty local store against a warm S3-API remote (a throwaway s3rver) against computing the
 *    experiment, at S (bench/remoteRow.ts).
 *
 * Prints a table and writes bench/results/latest.json plus a timestamped copy (or into --out).
 * `--quick`: S only, one cached rerun, fewer kernel repetitions, 64 MiB hash file.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"
import { join } from "node:path"
import type { BaselineResult } from "./baseline.js"
import type { GenerateResult, StepResult } from "./experiment.js"
import type { HashResult } from "./hash.js"
import type { OverfittingBenchResult } from "./overfitting.js"
import { benchStartup, ensureBundle, type StartupResult, startupLines } from "./startup.js"
import { benchCatalog, type CatalogBenchResult, catalogLines } from "./catalogRow.js"
import { benchRemote, type RemoteBenchResult, remoteLines } from "./remoteRow.js"
import { benchWorkers, type WorkersBenchResult, workersLines } from "./workersRow.js"
import {
  BASE_STOP,
  BENCH_DIR,
  CHANGED_STOP,
  DATE_RANGE,
  definitionFor,
  removeDir,
  ROOT,
  round,
  runChild,
  runCommand,
  SIZES,
  type SizeConfig,
  syntheticInputs,
  tempDir
} from "./support.js"
import type { SweepResult } from "./sweep.js"
import type { SweepRunsResult } from "./sweepRuns.js"

// ---------------------------------------------------------------- options

interface Options {
  readonly sizes: ReadonlyArray<SizeConfig>
  readonly quick: boolean
  readonly sweep: number
  /** Variants of the definition sweep (`executeSweep`) at S. */
  readonly sweepVariants: number
  readonly out: string
  readonly hashMib: number
  /** Rebuild dist/pipeline.mjs when stale before the CLI runs (off: bin/pipeline.js falls back to tsx). */
  readonly build: boolean
  /** `--only overhead`: generation, the catalog-input experiment and the baseline script, nothing else. */
  readonly overheadOnly: boolean
  /**
   * `--only sweep`: generation and the definition sweep (1 worker, 2 workers, cached), nothing else;
   * at any size (the definition sweep otherwise runs at S only), for its rates and peak RSS.
   */
  readonly sweepOnly: boolean
}

const parseOptions = (argv: ReadonlyArray<string>): Options => {
  let size = "all"
  let quick = false
  let sweep = 100
  let sweepVariants: number | undefined
  let out = join(BENCH_DIR, "results")
  let hashMib: number | undefined
  let build = true
  let only: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    if (arg === "--size") size = value()
    else if (arg.startsWith("--size=")) size = arg.slice(7)
    else if (arg === "--quick") quick = true
    else if (arg === "--sweep") sweep = Number(value())
    else if (arg === "--sweep-variants") sweepVariants = Number(value())
    else if (arg === "--out") out = value()
    else if (arg === "--hash-mib") hashMib = Number(value())
    else if (arg === "--no-build") build = false
    else if (arg === "--only") only = value()
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: npm run bench -- [--size S|L|Sm|all] [--quick] [--sweep N] [--sweep-variants N] [--out DIR] [--hash-mib N] [--no-build] [--only overhead|sweep]")
      process.exit(0)
    } else throw new Error(`unknown option ${arg}`)
  }
  if (only !== undefined && only !== "overhead" && only !== "sweep") throw new Error(`unknown --only ${only} (overhead, sweep)`)
  const names = quick && size === "all" ? ["S"] : size === "all" ? ["S", "L", "Sm"] : size.split(",")
  const sizes = names.map((n) => {
    const found = SIZES[n]
    if (found === undefined) throw new Error(`unknown size ${n} (S, L, Sm, T, all)`)
    return found
  })
  return { sizes, quick, sweep, sweepVariants: sweepVariants ?? (quick ? 300 : 1000), out, hashMib: hashMib ?? (quick ? 64 : 256), build, overheadOnly: only === "overhead", sweepOnly: only === "sweep" }
}

// ---------------------------------------------------------------- running

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

const steps = (cachedRuns: number, changed: boolean) => [
  { label: "cold", stopLossPct: BASE_STOP },
  ...Array.from({ length: cachedRuns }, (_, i) => ({ label: `cached-${i + 1}`, stopLossPct: BASE_STOP })),
  ...(changed ? [{ label: "changed", stopLossPct: CHANGED_STOP }] : [])
]

const medianOf = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const nodeMs = (step: StepResult, name: string) => step.nodes.find((n) => n.name === name)?.durationMs ?? 0


interface CliRun {
  readonly wallMs: number
  /** user + sys of the process (from /usr/bin/time), null when unavailable. */
  readonly cpuMs: number | null
  readonly peakRssMb: number | null
  readonly nodes: ReadonlyArray<{ name: string; cache: string; durationMs: number }>
}

const TIME = "/usr/bin/time"

/** `node bin/pipeline.js run <definition> --json --store <store>`, under /usr/bin/time when present. */
const runCli = async (store: string, definitionPath: string): Promise<CliRun> => {
  const cli = [process.execPath, join(ROOT, "bin", "pipeline.js"), "run", definitionPath, "--json", "--store", store]
  const timed = existsSync(TIME)
  const r = timed ? await runCommand(TIME, ["-f", "BENCHTIME %U %S %M", ...cli]) : await runCommand(cli[0]!, cli.slice(1))
  if (r.code !== 0) throw new Error(`pipeline run exited ${r.code}: ${r.stderr}`)
  const doc = JSON.parse(r.stdout) as { nodes: Array<{ name: string; cache: string; durationMs: number }> }
  const usage = /BENCHTIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr)
  return {
    wallMs: round(r.ms),
    cpuMs: usage ? round((Number(usage[1]) + Number(usage[2])) * 1000) : null,
    peakRssMb: usage ? round(Number(usage[3]) / 1024, 0) : null,
    nodes: doc.nodes.map((n) => ({ name: n.name, cache: n.cache, durationMs: n.durationMs }))
  }
}

type Child<A> = { result: A; peakRssMb: number; processMs: number }

/** Runs one section; a failure is recorded (the benchmark goes on with the others). */
const attempt = async <A>(errors: Array<string>, label: string, run: () => Promise<A>): Promise<A | null> => {
  try {
    return await run()
  } catch (error) {
    const message = `${label}: ${String((error as Error)?.message ?? error).slice(0, 1500)}`
    log(`FAILED ${message.split("\n")[0]}`)
    errors.push(message)
    return null
  }
}

const benchSize = async (size: SizeConfig, options: Options) => {
  const cachedRuns = options.quick ? 1 : 3
  const repeats = options.quick ? 3 : 5
  const errors: Array<string> = []
  const stores: Array<string> = []
  const store = (prefix: string) => {
    const dir = tempDir(`bench-${size.name}-${prefix}-`)
    stores.push(dir)
    return dir
  }
  try {
    const skip = options.overheadOnly || options.sweepOnly
    if (!skip) log(`${size.name}: full run (synthetic definition): cold incl. generation, ${cachedRuns} cached, changed parameter`)
    const full = skip ? null : await attempt(errors, "full run", () =>
      runChild<ReadonlyArray<StepResult>>("experiment.ts", {
        task: "experiment",
        store: store("full"),
        name: `bench-${size.name}`,
        inputs: syntheticInputs(size),
        steps: steps(cachedRuns, true)
      }))

    log(`${size.name}: generation alone, then catalog-input experiment in a fresh process`)
    const catalogStore = store("catalog")
    const gen = await attempt(errors, "generation", () =>
      runChild<GenerateResult>("experiment.ts", { task: "generate", store: catalogStore, size }))
    const generated = gen?.result
    const catalog = generated === undefined || options.sweepOnly ? null : await attempt(errors, "catalog-input experiment", () =>
      runChild<ReadonlyArray<StepResult>>("experiment.ts", {
        task: "experiment",
        store: catalogStore,
        name: `bench-${size.name}-catalog`,
        inputs: { alerts: [generated.alertsId], ohlcv: [generated.ohlcvId] },
        steps: steps(cachedRuns, false)
      }))

    if (!options.sweepOnly) log(`${size.name}: baseline script`)
    const baselineDir = store("baseline")
    const baseline = generated === undefined || options.sweepOnly ? null : await attempt(errors, "baseline", () =>
      runChild<BaselineResult>("baseline.ts", {
        alertsPath: generated.alertsPath,
        ohlcvPath: generated.ohlcvPath,
        from: DATE_RANGE.from,
        to: DATE_RANGE.to,
        stopLossPct: BASE_STOP,
        seed: 42,
        outDir: baselineDir
      }))

    const sweepCount = skip ? 0 : size.name === "S" || size.name === "T" ? options.sweep : 0
    if (!skip) log(`${size.name}: ${sweepCount > 0 ? `sweep of ${sweepCount} strategies and ` : ""}kernel timings`)
    const sweep = generated === undefined || skip ? null : await attempt(errors, "sweep and kernel", () =>
      runChild<SweepResult>("sweep.ts", {
        store: catalogStore,
        alertsId: generated.alertsId,
        ohlcvId: generated.ohlcvId,
        count: sweepCount,
        concurrency: [1, 2],
        repeats
      }))

    const sweepVariants = options.sweepOnly
      ? options.sweepVariants
      : skip ? 0 : size.name === "S" || size.name === "T" ? options.sweepVariants : 0
    if (sweepVariants > 0) log(`${size.name}: definition sweep of ${sweepVariants} variants (1 worker, 2 workers, cached)`)
    const sweepRuns = generated === undefined || sweepVariants === 0 ? null : await attempt(errors, "definition sweep", () =>
      runChild<SweepRunsResult>("sweepRuns.ts", {
        store: catalogStore,
        alertsId: generated.alertsId,
        ohlcvId: generated.ohlcvId,
        count: sweepVariants,
        repeats
      }))

    let cli: { mode: string; cold: CliRun; cached: CliRun } | null = null
    if (!skip && (size.name === "S" || size.name === "T")) {
      cli = await attempt(errors, "CLI", async () => {
        const mode = await ensureBundle(options.build, log)
        log(`${size.name}: CLI (${mode}) cold and cached`)
        const cliStore = store("cli")
        const definitionPath = join(cliStore, "definition.json")
        writeFileSync(definitionPath, JSON.stringify(definitionFor(`bench-${size.name}-cli`, syntheticInputs(size)), null, 2))
        const cold = await runCli(join(cliStore, "store"), definitionPath)
        const cached = await runCli(join(cliStore, "store"), definitionPath)
        return { mode, cold, cached }
      })
    }

    return summarize(size, { full, gen, catalog, baseline, sweep, sweepRuns, cli }, errors)
  } finally {
    for (const dir of stores) removeDir(dir)
  }
}

const summarize = (
  size: SizeConfig,
  r: {
    full: Child<ReadonlyArray<StepResult>> | null
    gen: Child<GenerateResult> | null
    catalog: Child<ReadonlyArray<StepResult>> | null
    baseline: Child<BaselineResult> | null
    sweep: Child<SweepResult> | null
    sweepRuns: Child<SweepRunsResult> | null
    cli: { mode: string; cold: CliRun; cached: CliRun } | null
  },
  errors: ReadonlyArray<string>
) => {
  const fullCold = r.full?.result.find((s) => s.label === "cold")
  const fullCached = r.full?.result.filter((s) => s.label.startsWith("cached")) ?? []
  const changed = r.full?.result.find((s) => s.label === "changed")
  const catCold = r.catalog?.result.find((s) => s.label === "cold")
  const catCached = r.catalog?.result.filter((s) => s.label.startsWith("cached")) ?? []
  const gen = r.gen?.result
  const synthMs = fullCold === undefined ? null : nodeMs(fullCold, "synthetic")
  const cachedMs = medianOf(catCached.map((s) => s.wallMs))
  const fullCachedMs = medianOf(fullCached.map((s) => s.wallMs))
  const acquire = catCold?.projectionAcquireMs ?? null
  const projected = catCold?.projectedCandles ?? null
  const sweep = r.sweep?.result.sweep ?? null
  const single = r.sweep?.result.singleRun
  const baseline = r.baseline?.result
  return {
    config: { tokens: size.tokens, days: size.days, seed: size.seed, intervalS: 60 },
    errors,
    data: {
      candles: gen?.candles ?? null,
      alerts: gen?.alerts ?? null,
      ohlcvParquetMB: gen === undefined ? null : round(gen.ohlcvBytes / 1e6, 1),
      projectedCandles: projected,
      projectedMints: single?.mints ?? null,
      trades: catCold?.trades ?? null
    },
    generation: { ms: gen?.ms ?? null, cpuMs: gen?.cpuMs ?? null, syntheticNodeMs: synthMs },
    cold: {
      inclGenerationMs: fullCold?.wallMs ?? null,
      inclGenerationCpuMs: fullCold?.cpuMs ?? null,
      exclGenerationSubtractedMs: fullCold === undefined || synthMs === null ? null : round(fullCold.wallMs - synthMs),
      exclGenerationMs: catCold?.wallMs ?? null,
      exclGenerationCpuMs: catCold?.cpuMs ?? null,
      nodes: catCold?.nodes ?? null
    },
    cached: catCold === undefined || catCached.length === 0 ? null : {
      ms: round(cachedMs),
      cpuMs: round(medianOf(catCached.map((s) => s.cpuMs))),
      runs: catCached.map((s) => s.wallMs),
      ratioToCold: round(cachedMs / catCold.wallMs, 4),
      syntheticDefinitionMs: fullCached.length === 0 ? null : round(fullCachedMs),
      syntheticDefinitionRatioToCold: fullCold === undefined || fullCached.length === 0 ? null : round(fullCachedMs / fullCold.wallMs, 4),
      nodes: catCached[0]!.nodes,
      fileDigestCache: {
        coldFilesHashed: catCold.filesHashed,
        cachedFilesHashed: catCached.reduce((n, s) => n + s.filesHashed, 0),
        cachedBytesHashed: catCached.reduce((n, s) => n + s.bytesHashed, 0),
        cachedStatCacheHits: catCached.reduce((n, s) => n + s.statCacheHits, 0)
      }
    },
    changedParameter: changed === undefined ? null : {
      change: `strategy.stopLoss.pct ${BASE_STOP} → ${CHANGED_STOP}`,
      ms: changed.wallMs,
      cpuMs: changed.cpuMs,
      ran: changed.ran,
      hit: changed.nodes.filter((n) => n.cache === "hit").map((n) => n.name),
      nodes: changed.nodes
    },
    projection: {
      acquireMs: acquire,
      candles: projected,
      candlesScanned: gen?.candles ?? null,
      candlesPerSecond: acquire && projected ? round(projected / (acquire / 1000), 0) : null,
      scannedPerSecond: acquire && gen ? round(gen.candles / (acquire / 1000), 0) : null
    },
    baseline: baseline === undefined ? null : {
      ms: baseline.ms,
      cpuMs: baseline.cpuMs,
      phases: baseline.phases,
      trades: baseline.trades,
      pipelineRatio: catCold === undefined ? null : round(catCold.wallMs / baseline.ms, 2),
      pipelineCpuRatio: catCold === undefined ? null : round(catCold.cpuMs / baseline.cpuMs, 2)
    },
    sweep: sweep === null || single === undefined ? null : {
      ...sweep,
      kernelStrategiesPerSecond: single.strategiesPerSecond,
      ratioToKernel: round(sweep.strategiesPerSecond / single.strategiesPerSecond, 4),
      ratioToKernelExclAcquire: sweep.projectionAcquireMs === null
        ? null
        : round((sweep.strategies / ((sweep.wallMs - sweep.projectionAcquireMs) / 1000)) / single.strategiesPerSecond, 4),
      byConcurrency: r.sweep?.result.sweeps ?? []
    },
    definitionSweep: r.sweepRuns === null ? null : {
      ...r.sweepRuns.result,
      peakRssMb: r.sweepRuns.peakRssMb,
      oneWorkerToKernel: round(r.sweepRuns.result.oneWorker.variantsPerSecond / r.sweepRuns.result.kernel.variantsPerSecond, 4),
      oneWorkerToEvaluate: round(r.sweepRuns.result.oneWorker.variantsPerSecond / r.sweepRuns.result.kernel.evaluatedPerSecond, 4),
      twoToOneWorker: round(r.sweepRuns.result.twoWorkers.variantsPerSecond / r.sweepRuns.result.oneWorker.variantsPerSecond, 3),
      cachedToCold: round(r.sweepRuns.result.cached.wallMs / r.sweepRuns.result.twoWorkers.wallMs, 4)
    },
    kernel: r.sweep === null ? null : {
      singleRun: r.sweep.result.singleRun,
      onProjection: r.sweep.result.kernelOnProjection,
      onGenerated: r.sweep.result.kernelOnGenerated
    },
    cli: r.cli === null ? null : {
      mode: r.cli.mode,
      coldMs: r.cli.cold.wallMs,
      cachedMs: r.cli.cached.wallMs,
      ratio: round(r.cli.cached.wallMs / r.cli.cold.wallMs, 4),
      coldCpuMs: r.cli.cold.cpuMs,
      cachedCpuMs: r.cli.cached.cpuMs,
      coldPeakRssMb: r.cli.cold.peakRssMb,
      coldNodes: r.cli.cold.nodes,
      cachedNodes: r.cli.cached.nodes
    },
    peakRssMb: {
      fullRun: r.full?.peakRssMb ?? null,
      generation: r.gen?.peakRssMb ?? null,
      experiment: r.catalog?.peakRssMb ?? null,
      baseline: r.baseline?.peakRssMb ?? null,
      sweepAndKernel: r.sweep?.peakRssMb ?? null
    }
  }
}

type SizeSummary = Awaited<ReturnType<typeof benchSize>>

// ---------------------------------------------------------------- report

const fmtMs = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? "–" : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`
const fmtRate = (x: number | null | undefined, unit: string) =>
  x === null || x === undefined ? "–" : x >= 1e6 ? `${(x / 1e6).toFixed(1)} M ${unit}` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k ${unit}` : `${x.toFixed(1)} ${unit}`
const pct = (x: number) => `${(x * 100).toFixed(1)}%`

interface Target {
  readonly name: string
  readonly target: string
  readonly value: string
  readonly met: boolean | null
  readonly size: string
}

const targetsOf = (sizes: Record<string, SizeSummary>): Array<Target> => {
  const out: Array<Target> = []
  const add = (name: string, target: string, size: string, value: number | null, show: (v: number) => string, ok: (v: number) => boolean) =>
    out.push({ name, target, size, value: value === null ? "–" : show(value), met: value === null ? null : ok(value) })
  const bigName = sizes.L ? "L" : sizes.S ? "S" : Object.keys(sizes).find((n) => n !== "Sm")
  const big = bigName === undefined ? undefined : sizes[bigName]
  if (big !== undefined && bigName !== undefined) {
    add("cached rerun / cold (excl. generation)", "≤ 5% at L", bigName, big.cached?.ratioToCold ?? null, pct, (v) => v <= 0.05)
  }
  const sweepSize = sizes.S?.sweep ? "S" : sizes.T?.sweep ? "T" : undefined
  if (sweepSize !== undefined) {
    add("sweep throughput / kernel throughput", "≥ 50%", sweepSize, sizes[sweepSize]!.sweep!.ratioToKernel, pct, (v) => v >= 0.5)
  }
  const defSweepSize = sizes.S?.definitionSweep ? "S" : sizes.T?.definitionSweep ? "T" : undefined
  if (defSweepSize !== undefined) {
    const d = sizes[defSweepSize]!.definitionSweep!
    add(`definition sweep (${d.oneWorker.variants} variants, 1 worker) / kernel variants/s`, "≥ 50%", defSweepSize, d.oneWorkerToKernel, pct, (v) => v >= 0.5)
    add("definition sweep: 2 workers / 1 worker", "≥ 1.6×", defSweepSize, d.twoToOneWorker, (v) => `${v.toFixed(2)}×`, (v) => v >= 1.6)
    add("definition sweep: cached rerun / cold", "≤ 5%", defSweepSize, d.cachedToCold, pct, (v) => v <= 0.05)
  }
  const largeSweep = sizes.L?.definitionSweep
  if (largeSweep) {
    add(`definition sweep (${largeSweep.oneWorker.variants} variants): peak RSS`, "≤ 1.5 GB at L", "L", largeSweep.peakRssMb, (v) => `${v} MB`, (v) => v <= 1536)
  }
  for (const [name, s] of Object.entries(sizes)) {
    if (name === "Sm") continue
    add("cold pipeline / baseline script (wall)", "≤ 1.25×", name, s.baseline?.pipelineRatio ?? null, (v) => `${v.toFixed(2)}×`, (v) => v <= 1.25)
  }
  if (big !== undefined && bigName !== undefined) {
    const values = [big.peakRssMb.fullRun, big.peakRssMb.experiment].filter((v): v is number => v !== null)
    add("peak RSS (max of full run, experiment)", "≤ 1.5 GB at L", bigName, values.length ? Math.max(...values) : null, (v) => `${v} MB`, (v) => v <= 1536)
  }
  if (sizes.Sm && sizes.S) {
    const a = sizes.S.peakRssMb.experiment
    const b = sizes.Sm.peakRssMb.experiment
    add(`peak RSS, 10× mints (Sm ${sizes.Sm.data.projectedMints} mints vs S ${sizes.S.data.projectedMints})`, "not growing with mints", "Sm/S",
      a === null || b === null ? null : b / a, () => `${b} vs ${a} MB`, (v) => v <= 1.25)
  }
  for (const [name, s] of Object.entries(sizes)) {
    if (name === "Sm") continue
    add("projection load (projected candles / acquire time)", "≥ 5 M/s", name, s.projection.candlesPerSecond, (v) => fmtRate(v, "/s"), (v) => v >= 5e6)
  }
  for (const [name, s] of Object.entries(sizes)) {
    add("files hashed during cached reruns (FileDigestCache)", "= 0", name, s.cached?.fileDigestCache.cachedFilesHashed ?? null, String, (v) => v === 0)
  }
  return out
}

const printReport = (doc: {
  machine: any
  sizes: Record<string, SizeSummary>
  hash: HashResult | null
  startup: StartupResult | null
  catalog?: CatalogBenchResult | null
  remote?: RemoteBenchResult | null
  workers?: WorkersBenchResult | null
  overfitting?: OverfittingBenchResult | null
  targets: Array<Target>
}) => {
  const lines: Array<string> = []
  const row = (label: string, value: string, note = "") => lines.push(`  ${label.padEnd(46)} ${value.padStart(12)}  ${note}`)
  const n = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toLocaleString("en"))
  lines.push(`machine: ${doc.machine.cpus} cores, node ${doc.machine.node}, load ${doc.machine.loadStart.join(" ")} → ${doc.machine.loadEnd.join(" ")}`)
  for (const [name, s] of Object.entries(doc.sizes)) {
    lines.push("")
    lines.push(`size ${name}: ${s.config.tokens} tokens × ${s.config.days} days → ${n(s.data.candles)} candles, ${n(s.data.alerts)} alerts; projected ${n(s.data.projectedCandles)} candles of ${n(s.data.projectedMints)} mints; ${n(s.data.trades)} trades`)
    row("generation (synthetic node alone)", fmtMs(s.generation.ms), `cpu ${fmtMs(s.generation.cpuMs)}`)
    row("cold, library, incl. generation", fmtMs(s.cold.inclGenerationMs), `synthetic node ${fmtMs(s.generation.syntheticNodeMs)}; minus it: ${fmtMs(s.cold.exclGenerationSubtractedMs)}`)
    row("cold, library, catalog inputs (excl. gen.)", fmtMs(s.cold.exclGenerationMs), `cpu ${fmtMs(s.cold.exclGenerationCpuMs)}; ${(s.cold.nodes ?? []).map((x) => `${x.name} ${fmtMs(x.durationMs)}`).join(", ")}`)
    if (s.cached) {
      row("cached rerun, library", fmtMs(s.cached.ms), `${pct(s.cached.ratioToCold)} of cold; synthetic definition ${fmtMs(s.cached.syntheticDefinitionMs)} (${s.cached.syntheticDefinitionRatioToCold === null ? "–" : pct(s.cached.syntheticDefinitionRatioToCold)} of its cold); files hashed ${s.cached.fileDigestCache.cachedFilesHashed}`)
    }
    if (s.cli) {
      row(`cold, CLI (${s.cli.mode}, incl. generation)`, fmtMs(s.cli.coldMs), `cpu ${fmtMs(s.cli.coldCpuMs)}, peak RSS ${s.cli.coldPeakRssMb ?? "–"} MB`)
      row("cached rerun, CLI (process start-up included)", fmtMs(s.cli.cachedMs), `${pct(s.cli.ratio)} of cold; cpu ${fmtMs(s.cli.cachedCpuMs)}`)
    }
    if (s.changedParameter) {
      row("one changed strategy parameter", fmtMs(s.changedParameter.ms), `ran: ${s.changedParameter.ran.join(", ")}; hit: ${s.changedParameter.hit.join(", ")}`)
    }
    row("projection acquire (cold run)", fmtMs(s.projection.acquireMs), `${fmtRate(s.projection.candlesPerSecond, "candles/s")} projected, ${fmtRate(s.projection.scannedPerSecond, "candles/s")} scanned`)
    if (s.baseline) {
      row("baseline script", fmtMs(s.baseline.ms), `pipeline cold = ${s.baseline.pipelineRatio?.toFixed(2) ?? "–"}× wall, ${s.baseline.pipelineCpuRatio?.toFixed(2) ?? "–"}× cpu (load ${fmtMs(s.baseline.phases.loadMs)}, simulate ${fmtMs(s.baseline.phases.simulateMs)}, write ${fmtMs(s.baseline.phases.writeMs)})`)
    }
    if (s.sweep) {
      for (const run of s.sweep.byConcurrency) {
        const ratio = run.strategiesPerSecond / s.sweep.kernelStrategiesPerSecond
        row(`sweep ${run.strategies} strategies, concurrency ${run.concurrency}`, fmtMs(run.wallMs), `${run.strategiesPerSecond} strategies/s vs kernel ${s.sweep.kernelStrategiesPerSecond}/s = ${pct(ratio)}; acquire ${fmtMs(run.projectionAcquireMs)}, simulate body median ${fmtMs(run.simulateBodyMs.median)}`)
      }
      const single = s.kernel?.singleRun
      if (single !== undefined) {
        row("  one strategy: simulate vs publish its 3 tables", fmtMs(single.simulationMs), `publishing trades, fills, skips: ${fmtMs(single.publishMs)} (${pct(single.publishMs / (single.simulationMs + single.publishMs))} of the two)`)
      }
    }
    if (s.definitionSweep) {
      const d = s.definitionSweep
      row("variant in memory: simulation / + metrics", fmtMs(d.kernel.simulationMs), `with equity and metrics (1,000-resample bootstrap): ${fmtMs(d.kernel.evaluateMs)}; ${d.kernel.trades} trades`)
      for (const run of [d.oneWorker, d.twoWorkers]) {
        row(`definition sweep ${run.variants} variants, ${run.workers} worker(s)`, fmtMs(run.wallMs), `${run.variantsPerSecond} variants/s = ${pct(run.variantsPerSecond / d.kernel.variantsPerSecond)} of the kernel's ${d.kernel.variantsPerSecond}/s, ${pct(run.variantsPerSecond / d.kernel.evaluatedPerSecond)} of simulation + metrics (${d.kernel.evaluatedPerSecond}/s)`)
      }
      row("definition sweep, cached rerun", fmtMs(d.cached.wallMs), `${pct(d.cachedToCold)} of its cold run; 2 workers / 1 worker = ${d.twoToOneWorker.toFixed(2)}×; peak RSS ${d.peakRssMb} MB`)
    }
    if (s.kernel) {
      row("one strategy in memory (runSimulationSync)", fmtMs(s.kernel.singleRun.simulationMs), fmtRate(s.kernel.singleRun.candles / (s.kernel.singleRun.simulationMs / 1000), "candles/s"))
      const k = s.kernel.onProjection
      row("kernel vs plain loop, projection candles", fmtRate(k.kernelVisitsPerSecond, "visits/s"), `plain ${fmtRate(k.plainVisitsPerSecond, "visits/s")} (kernel at ${pct(k.ratio)}); dataset ${fmtRate(k.kernelCandlesPerSecond, "candles/s")} vs ${fmtRate(k.plainCandlesPerSecond, "candles/s")}`)
      const g = s.kernel.onGenerated
      row("kernel vs plain loop, bench/kernel.ts data", fmtRate(g.kernelVisitsPerSecond, "visits/s"), `plain ${fmtRate(g.plainVisitsPerSecond, "visits/s")} (kernel at ${pct(g.ratio)})`)
    }
    const rss = s.peakRssMb
    row("peak RSS: full run", `${rss.fullRun ?? "–"} MB`, `experiment ${rss.experiment ?? "–"} MB, baseline ${rss.baseline ?? "–"} MB, generation ${rss.generation ?? "–"} MB, sweep+kernel ${rss.sweepAndKernel ?? "–"} MB`)
    for (const error of s.errors) lines.push(`  ERROR ${error.split("\n")[0]}`)
  }
  lines.push("")
  if (doc.hash) {
    const b3 = doc.hash.b3sum === null ? "b3sum not installed" : `b3sum --num-threads 1 ${doc.hash.b3sum.gbPerSecond} GB/s (hashFile ${doc.hash.ratioToB3sum}× b3sum)`
    lines.push(`hash ${doc.hash.bytes / 1024 / 1024} MiB: BLAKE3 hashFile (${doc.hash.blake3.backend}) ${doc.hash.blake3.gbPerSecond} GB/s, node sha256 ${doc.hash.sha256.gbPerSecond} GB/s (BLAKE3 ${doc.hash.ratio}× sha256), ${b3}`)
    lines.push("")
  }
  if (doc.overfitting) {
    const o = doc.overfitting
    lines.push(`overfitting (CSCV): ${o.combinations.toLocaleString("en-US")} combinations × ${o.variants.toLocaleString("en-US")} variants × ${o.days} days in ${fmtMs(o.ms)}, CPU ${fmtMs(o.cpuMs)} (pbo ${o.pbo} on noise)`)
    lines.push("")
  }
  if (doc.startup) {
    lines.push(...startupLines(doc.startup))
    lines.push("")
  }
  if (doc.catalog) {
    lines.push(...catalogLines(doc.catalog).slice(1))
    lines.push("")
  }
  if (doc.remote) {
    lines.push(...remoteLines(doc.remote))
    lines.push("")
  }
  if (doc.workers) {
    lines.push(...workersLines(doc.workers))
    lines.push("")
  }
  lines.push("targets:")
  for (const t of doc.targets) {
    const mark = t.met === null ? " ?  " : t.met ? "ok  " : "MISS"
    lines.push(`  ${mark} ${t.name.padEnd(60)} ${t.size.padEnd(5)} ${t.value.padStart(18)}   (${t.target})`)
  }
  console.log(lines.join("\n"))
}

// ---------------------------------------------------------------- main

const main = async () => {
  const options = parseOptions(process.argv.slice(2))
  const started = new Date()
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    loadStart: loadavg().map((x) => round(x, 2)),
    loadEnd: [] as Array<number>
  }
  log(`sizes ${options.sizes.map((s) => s.name).join(", ")}${options.quick ? " (quick)" : ""}; load ${machine.loadStart.join(" ")}`)
  const sizes: Record<string, SizeSummary> = {}
  for (const size of options.sizes) sizes[size.name] = await benchSize(size, options)
  // `--only overhead` and `--only sweep` stop after the sizes (no hash, overfitting, start-up, catalog or remote rows).
  const rest = !options.overheadOnly && !options.sweepOnly
  if (rest) log(`hash ${options.hashMib} MiB`)
  const hashErrors: Array<string> = []
  const hash = !rest ? null : (await attempt(hashErrors, "hash", () =>
    runChild<HashResult>("hash.ts", { mib: options.hashMib, repeats: options.quick ? 2 : 3 })))?.result ?? null
  if (rest) log("overfitting: 1,000 variants × 365 days, 16 blocks")
  const overfittingErrors: Array<string> = []
  const overfitting = !rest ? null : (await attempt(overfittingErrors, "overfitting", () =>
    runChild<OverfittingBenchResult>("overfitting.ts", { variants: 1000, days: 365, blocks: 16, repeats: options.quick ? 2 : 3 })))?.result ?? null
  const startupErrors: Array<string> = []
  const startup = !rest ? null : await attempt(startupErrors, "start-up", () => benchStartup({ runs: options.quick ? 3 : 5, build: options.build }, log))
  // 9. A cached rerun on a PostgreSQL catalog vs the filesystem store (bench/catalogRow.ts), at S.
  const catalogErrors: Array<string> = []
  const catalog = !rest ? null : await attempt(catalogErrors, "catalog", () => benchCatalog(SIZES.S!, options.quick ? 3 : 5, log))
  // 10. An empty local store against a warm S3-API remote vs computing (bench/remoteRow.ts), at S.
  const remoteErrors: Array<string> = []
  const remote = !rest ? null : await attempt(remoteErrors, "remote", () => benchRemote(SIZES.S!, log))
  // 11. A 1,000-variant sweep on 2 `pipeline worker` processes vs 1 (bench/workersRow.ts), at S (T with --quick).
  const workersErrors: Array<string> = []
  const workers = !rest ? null : await attempt(workersErrors, "workers", () => benchWorkers(options.quick ? SIZES.T! : SIZES.S!, log))
  machine.loadEnd = loadavg().map((x) => round(x, 2))
  const targets = targetsOf(sizes)
  targets.push({
    name: "empty store against a warm remote / computing",
    target: `≥ ${remote?.target ?? 5}× faster`,
    size: "S",
    value: remote === null ? "–" : `${remote.speedup.toFixed(2)}×`,
    met: remote === null ? null : remote.speedup >= remote.target
  })
  targets.push({
    name: "sweep: 2 worker processes / 1",
    target: `≥ ${workers?.target ?? 1.6}× faster`,
    size: workers?.size ?? "S",
    value: workers === null ? "–" : `${workers.speedup.toFixed(2)}×`,
    met: workers === null ? null : workers.speedup >= workers.target
  })
  targets.push({
    name: "cached rerun: PostgreSQL catalog / filesystem store",
    target: `≤ ${catalog?.target ?? 2}×`,
    size: "S",
    value: catalog === null ? "–" : `${catalog.ratio.toFixed(2)}×`,
    met: catalog === null ? null : catalog.ratio <= catalog.target
  })
  for (const c of startup?.commands ?? []) {
    if (c.target === null) continue
    targets.push({ name: `start-up: ${c.name} / node -e 0`, target: `≤ ${c.target}×`, size: "", value: `${c.ratio.toFixed(2)}×`, met: c.ratio <= c.target })
  }
  targets.push({
    name: "PBO: C(16, 8) combinations × 1,000 variants",
    target: "≤ 2 s",
    size: "1000",
    value: overfitting === null ? "–" : fmtMs(overfitting.ms),
    met: overfitting === null ? null : overfitting.ms <= 2000
  })
  targets.push({
    name: "streamed file hashing / b3sum --num-threads 1",
    target: "≥ 0.5×",
    size: `${options.hashMib}M`,
    value: hash?.ratioToB3sum == null ? "–" : `${hash.ratioToB3sum.toFixed(2)}×`,
    met: hash?.ratioToB3sum == null ? null : hash.ratioToB3sum >= 0.5
  })
  const doc = {
    benchmark: "pipeline-bench",
    version: 1,
    startedAt: started.toISOString(),
    durationS: round((Date.now() - started.getTime()) / 1000, 1),
    options: { sizes: options.sizes.map((s) => s.name), quick: options.quick, sweep: options.sweep, sweepVariants: options.sweepVariants, hashMib: options.hashMib, build: options.build },
    machine,
    sizes,
    hash,
    hashErrors,
    overfitting,
    overfittingErrors,
    startup,
    startupErrors,
    catalog,
    catalogErrors,
    remote,
    remoteErrors,
    workers,
    workersErrors,
    targets
  }
  printReport(doc)
  mkdirSync(options.out, { recursive: true })
  const text = `${JSON.stringify(doc, null, 2)}\n`
  writeFileSync(join(options.out, "latest.json"), text)
  writeFileSync(join(options.out, `${started.toISOString().replace(/[:.]/g, "-")}.json`), text)
  log(`wrote ${join(options.out, "latest.json")} (${doc.durationS} s)`)
}

await main()
