/**
 * Bench row: a 1,000-variant sweep evaluated by 2 `pipeline worker` processes vs 1 (target ≥ 1.6×
 * faster). A throwaway PostgreSQL and s3rver are started for it (test/support/servers), and the CLI
 * is bundled once into a temp dir (bin/build.mjs), so both measurements run the same code, and run
 * it as `npm run build` ships it (bin/pipeline.js would fall back to compiling the sources through
 * tsx whenever one is newer than dist/, and that start-up would be measured).
 *
 * The sweep's inputs exist before either measurement, as when a team sweeps over data it imported
 * or generated once: the synthetic market is generated once into a template catalog database and
 * store (by a plain run over another date range, so the sweep's validate is not cached), and each
 * measurement starts from a copy of both (`CREATE DATABASE … TEMPLATE`, a copy of the store
 * directory) and a fresh remote prefix. Everything else is timed: the coordinator
 * (`run --workers remote`) from start to exit — its start-up, the synthetic node's cache hit,
 * validate, uploading the inputs to the remote, queueing, waiting and downloading, the leaderboard,
 * the kept variant and the run record. The workers are started and waiting before (their start-up
 * is not measured), one evaluation thread each; their first batch includes downloading the inputs
 * and building the projection.
 *
 * `npm run bench` runs it at S; alone: `npx tsx bench/workersRow.ts [S|T]` (prints the lines and the JSON).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as NodeFs from "node:fs"
import { join } from "node:path"
import { startPostgres } from "../test/support/servers/postgres.js"
import { startS3 } from "../test/support/servers/s3.js"
import { DATE_RANGE, removeDir, ROOT, round, type SizeConfig, SIZES, strategyFor, tempDir } from "./support.js"

export const WORKERS_TARGET = 1.6

export interface WorkersBenchResult {
  readonly size: string
  readonly variants: number
  readonly oneWorkerMs: number
  readonly twoWorkersMs: number
  /** oneWorkerMs / twoWorkersMs. */
  readonly speedup: number
  readonly target: number
}

/** Bundles the CLI into `dir`/dist (external packages resolve through a node_modules link); returns the launcher. */
const bundleInto = (dir: string): string => {
  NodeFs.symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir")
  execFileSync(process.execPath, [join(ROOT, "bin", "build.mjs"), join(dir, "dist")], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] })
  return join(dir, "dist", "pipeline.mjs")
}

const startWorker = (bin: string, store: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "worker", "--store", store, "--workers", "1"], { env, stdio: ["ignore", "ignore", "pipe"] })
    let err = ""
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      err += chunk
      if (err.includes("waiting for sweep batches")) resolve(child)
    })
    child.on("exit", (code) => reject(new Error(`worker exited (${code}): ${err}`)))
  })

/** `run` of `definition` to its exit; its wall time in ms. */
const runCoordinator = (bin: string, definition: string, store: string, env: NodeJS.ProcessEnv, args: ReadonlyArray<string>): Promise<number> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [bin, "run", definition, "--quiet", "--store", store, ...args], {
      env,
      stdio: ["ignore", "ignore", "pipe"]
    })
    let err = ""
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (err += chunk))
    child.on("exit", (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`run exited ${code}: ${err}`))))
  })

export const benchWorkers = async (size: SizeConfig, log: (line: string) => void): Promise<WorkersBenchResult> => {
  const dir = tempDir("bench-workers-")
  const postgres = await startPostgres()
  const s3 = await startS3()
  const stops: Array<ChildProcess> = []
  try {
    const bin = bundleInto(dir)
    const inputs = { synthetic: { tokens: size.tokens, days: size.days, seed: size.seed } }
    // 10 × 10 × 10 variants.
    const definition = join(dir, "sweep.json")
    NodeFs.writeFileSync(definition, JSON.stringify({
      name: "workers-bench",
      seed: 42,
      inputs,
      dateRange: DATE_RANGE,
      strategy: strategyFor(0.25),
      sweep: {
        grid: {
          "stopLoss.pct": [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5],
          "trailing.pct": [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5],
          "costs.feeBps": [0, 5, 10, 15, 20, 25, 30, 35, 40, 45]
        },
        maxVariants: 1000,
        keep: 1
      }
    }))
    const catalogOf = (database: string) => postgres.url.replace(/\/postgres$/, `/${database}`)
    // The inputs, generated once (untimed): a plain run over another date range leaves the synthetic
    // market in the template's catalog and store, and no validate the sweep could reuse.
    const generated = join(dir, "definition-inputs.json")
    NodeFs.writeFileSync(generated, JSON.stringify({
      name: "workers-bench-inputs",
      seed: 42,
      inputs,
      dateRange: { from: DATE_RANGE.from, to: "2024-01-31T00:00:00Z" },
      strategy: strategyFor(0.25)
    }))
    await createDatabase(postgres.url, "bench_inputs")
    const inputsStore = join(dir, "inputs-store")
    await runCoordinator(bin, generated, inputsStore, { ...process.env, PIPELINE_CATALOG: catalogOf("bench_inputs"), NO_COLOR: "1" }, [])
    const measure = async (workers: number) => {
      const database = `bench_${workers}`
      await createDatabase(postgres.url, database, "bench_inputs")
      const store = join(dir, `coordinator-${workers}`)
      NodeFs.cpSync(inputsStore, store, { recursive: true })
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PIPELINE_CATALOG: catalogOf(database),
        PIPELINE_REMOTE: `s3://${s3.bucket}/bench-${workers}`,
        AWS_ENDPOINT_URL: s3.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        NO_COLOR: "1"
      }
      const started = await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(bin, join(dir, `w${workers}-${i}`), env)))
      stops.push(...started)
      log(`${size.name}: ${workers} worker process${workers === 1 ? "" : "es"} ready; running the 1,000-variant sweep`)
      const ms = await runCoordinator(bin, definition, store, env, ["--workers", "remote"])
      for (const child of started) child.kill("SIGINT")
      return Math.round(ms)
    }
    const oneWorkerMs = await measure(1)
    const twoWorkersMs = await measure(2)
    return { size: size.name, variants: 1000, oneWorkerMs, twoWorkersMs, speedup: round(oneWorkerMs / twoWorkersMs, 2), target: WORKERS_TARGET }
  } finally {
    for (const child of stops) if (child.exitCode === null) child.kill("SIGKILL")
    await s3.stop()
    await postgres.stop()
    removeDir(dir)
  }
}

/** CREATE DATABASE `name` (a copy of `template` when given) on the server of `url`. */
const createDatabase = async (url: string, name: string, template?: string) => {
  const { PgClient } = await import("@effect/sql-pg")
  const { Effect, Redacted } = await import("effect")
  await Effect.runPromise(
    Effect.flatMap(PgClient.PgClient, (sql) =>
      template === undefined ? sql`CREATE DATABASE ${sql(name)}` : sql`CREATE DATABASE ${sql(name)} TEMPLATE ${sql(template)}`).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
      Effect.orDie
    )
  )
}

export const workersLines = (r: WorkersBenchResult | null): Array<string> =>
  r === null
    ? []
    : [
      `Sweep workers (${r.size}, ${r.variants} variants over inputs generated beforehand, CLI processes, PostgreSQL + s3rver on 127.0.0.1)`,
      `  1 worker process    ${r.oneWorkerMs} ms`,
      `  2 worker processes  ${r.twoWorkersMs} ms   (${r.speedup.toFixed(2)}× faster; target ≥ ${r.target}×)`
    ]

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = SIZES[process.argv[2] ?? "S"]
  if (size === undefined) throw new Error(`unknown size ${process.argv[2]}`)
  const result = await benchWorkers(size, (line) => process.stderr.write(`${line}\n`))
  console.log(workersLines(result).join("\n"))
  console.log(JSON.stringify(result, null, 2))
}
