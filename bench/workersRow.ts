/**
 * Bench row: a 1,000-variant sweep evaluated by 2 `pipeline worker` processes vs 1 (target ≥ 1.6×
 * faster). A throwaway PostgreSQL and s3rver are started for it (test/support/servers); each
 * measurement uses a fresh catalog database and remote prefix, workers already started and
 * waiting (their start-up is not measured), one evaluation thread per worker, and times the
 * coordinator (`run --workers remote`) from start to exit, inputs generated in both cases.
 *
 * `npx tsx bench/workersRow.ts [S|T]` (prints the lines and the JSON; not part of `npm run bench`).
 */
import { type ChildProcess, spawn } from "node:child_process"
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

const bin = join(ROOT, "bin", "pipeline.js")

const startWorker = (store: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "worker", "--store", store, "--workers", "1"], { env, stdio: ["ignore", "ignore", "pipe"] })
    let err = ""
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      err += chunk
      if (err.includes("waiting for sweep batches")) resolve(child)
    })
    child.on("exit", (code) => reject(new Error(`worker exited (${code}): ${err}`)))
  })

const runCoordinator = (definition: string, store: string, env: NodeJS.ProcessEnv): Promise<number> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [bin, "run", definition, "--quiet", "--store", store, "--workers", "remote"], {
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
    // 10 × 10 × 10 variants.
    const definition = join(dir, "sweep.json")
    NodeFs.writeFileSync(definition, JSON.stringify({
      name: "workers-bench",
      seed: 42,
      inputs: { synthetic: { tokens: size.tokens, days: size.days, seed: size.seed } },
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
    const measure = async (workers: number) => {
      const database = `bench_${workers}`
      const catalog = postgres.url.replace(/\/postgres$/, `/${database}`)
      await createDatabase(postgres.url, database)
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PIPELINE_CATALOG: catalog,
        PIPELINE_REMOTE: `s3://${s3.bucket}/bench-${workers}`,
        AWS_ENDPOINT_URL: s3.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        NO_COLOR: "1"
      }
      const started = await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(join(dir, `w${workers}-${i}`), env)))
      stops.push(...started)
      log(`${size.name}: ${workers} worker process${workers === 1 ? "" : "es"} ready; running the 1,000-variant sweep`)
      const ms = await runCoordinator(definition, join(dir, `coordinator-${workers}`), env)
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

const createDatabase = async (url: string, name: string) => {
  const { PgClient } = await import("@effect/sql-pg")
  const { Effect, Redacted } = await import("effect")
  await Effect.runPromise(
    Effect.flatMap(PgClient.PgClient, (sql) => sql`CREATE DATABASE ${sql(name)}`).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
      Effect.orDie
    )
  )
}

export const workersLines = (r: WorkersBenchResult | null): Array<string> =>
  r === null
    ? []
    : [
      `Sweep workers (${r.size}, ${r.variants} variants, CLI processes, PostgreSQL + s3rver on 127.0.0.1)`,
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
