/**
 * Distributed sweep workers through the real CLI, on the test PostgreSQL (a fresh catalog per test)
 * and s3rver (a fresh prefix per test):
 * - two `pipeline worker` processes and `run --workers remote`: the leaderboard's bytes are those of
 *   the single-process sweep, every batch was evaluated by a worker (the coordinator simulated
 *   nothing itself) and every job is done; each worker built the sweep's projection and worker pool
 *   for its first batch only and reused them for the next ones;
 * - workers killed with SIGKILL mid-batch, ten times: their batches are redelivered when the lease
 *   runs out, the run completes, and the bytes are still the single-process sweep's;
 * - Ctrl-C on a worker mid-batch: the batch is queued again at once, its attempt not counted;
 * - a batch no worker can evaluate (its payload spoiled in the queue) fails the run with the
 *   worker's error after its 5 deliveries;
 * - a coordinator stopped while it waits (Ctrl-C, --timeout) withdraws its batches: none stays
 *   queued, and the run is recorded cancelled (timed out: failed);
 * - `run --workers remote` and `worker` without a catalog or a remote: usage errors (exit 2).
 */
import { type ChildProcess } from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectExit, parseJson, smallDefinition, type Workspace, workspace } from "../cli-run/support.js"
import { type CliResult, runCli, spawnCli, waitForExit } from "../support/cli.js"
import { freshDatabase, withSql } from "../support/postgres.js"
import { freshRemote, s3Env } from "../support/s3.js"

/** DuckDB projection files left anywhere under `dir`. */
const projectionFiles = (dir: string): Array<string> =>
  NodeFs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((path) => path.includes("-projection.duckdb"))

/** A worker's finished batches, in order: what each built ("" when it reused the last batch's resources). */
const builtPerBatch = (stderr: string): Array<string> =>
  [...stderr.matchAll(/ done in [\d.]+ s \((?:built (.*)|resources reused)\)$/gm)].map((match) => match[1] ?? "")

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** 24 variants: batches of 2 give 12 jobs. */
const sweepDefinition = {
  ...smallDefinition({ name: "workers-sweep" }),
  sweep: { grid: { "stopLoss.pct": [0.1, 0.2, 0.3, 0.4], "costs.feeBps": [0, 25, 50], "entry.delayCandles": [1, 2] }, keep: 1 }
}
const BATCH = ["--batch-size", "2"]

interface JobRow {
  readonly key: string
  readonly status: string
  readonly attempts: number
  readonly lease_owner: string | null
}

const jobs = (catalog: string) =>
  withSql(catalog, (sql) => sql<JobRow>`SELECT key, status, attempts, lease_owner FROM pipeline_jobs ORDER BY key`)

describe("pipeline worker / run --workers remote (PostgreSQL, s3rver)", () => {
  let ws: Workspace
  let definition: string
  let baseline: { readonly digest: string; readonly bytes: Buffer }
  const children: Array<ChildProcess> = []

  const cli = (args: ReadonlyArray<string>, timeout = 240_000) =>
    runCli(args, { cwd: ws.dir, timeout, env: s3Env() })

  const startWorker = (name: string, catalog: string, remote: string, extra: ReadonlyArray<string> = []) => {
    const child = spawnCli(
      ["worker", "--store", NodePath.join(ws.dir, name), "--catalog", catalog, "--remote", remote, "--workers", "1", ...extra],
      { cwd: ws.dir, env: s3Env() }
    )
    children.push(child)
    const exited = waitForExit(child, 300_000)
    return { child, exited }
  }

  const stopWorkers = async (workers: ReadonlyArray<{ readonly child: ChildProcess; readonly exited: Promise<CliResult> }>) => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGINT")
    // A worker that does not stop on Ctrl-C within 30 s is killed (and shows as such: no exit code).
    const stragglers = setTimeout(() => {
      for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL")
    }, 30_000)
    try {
      return await Promise.all(workers.map((worker) => worker.exited))
    } finally {
      clearTimeout(stragglers)
    }
  }

  const leaderboardOf = (result: CliResult) => {
    expectExit(result, 0)
    const doc = parseJson(result)
    return { doc, digest: doc.sweep.leaderboard.digest as string, bytes: NodeFs.readFileSync(doc.sweep.leaderboard.path) }
  }

  beforeAll(async () => {
    ws = workspace("pipeline-workers-")
    definition = ws.write("sweep.json", sweepDefinition)
    // The single-process sweep, on a plain store.
    const single = await cli(["run", definition, "--json", "--store", NodePath.join(ws.dir, "single"), "--workers", "1", ...BATCH])
    baseline = leaderboardOf(single)
  }, 240_000)
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    ws.cleanup()
  })

  it("two worker processes evaluate every batch; the leaderboard's bytes are the single-process sweep's", async () => {
    const catalog = await Effect.runPromise(freshDatabase("workers"))
    const remote = freshRemote("workers")
    const workers = [startWorker("w1", catalog, remote), startWorker("w2", catalog, remote)]
    const run = await cli(["run", definition, "--json", "--store", NodePath.join(ws.dir, "coordinator"), "--catalog", catalog, "--remote", remote, "--workers", "remote", ...BATCH])
    const remoteRun = leaderboardOf(run)
    expect(run.stderr).toMatch(/12 batches queued for pipeline worker processes/)
    expect(remoteRun.digest).toBe(baseline.digest)
    expect(remoteRun.bytes.equals(baseline.bytes)).toBe(true)
    expect(remoteRun.doc.sweep).toMatchObject({ variants: 24, simulated: 24, cached: 0 })

    const rows = await jobs(catalog)
    expect(rows.length).toBe(12)
    expect(rows.every((row) => row.status === "done" && row.attempts === 1), JSON.stringify(rows)).toBe(true)
    // Ctrl-C: each worker stops (exit 130), having reported the batches it did.
    const exits = await stopWorkers(workers)
    const done = exits.map((exit) => (exit.stderr.match(/ done in /g) ?? []).length)
    expect(exits.map((exit) => exit.code), exits.map((exit) => exit.stderr).join("\n")).toEqual([130, 130])
    expect(done[0]! + done[1]!, exits.map((exit) => exit.stderr).join("\n")).toBe(12)
    // One projection and worker pool per worker, built for its first batch, reused for the others.
    for (const exit of exits) {
      const built = builtPerBatch(exit.stderr)
      expect(built.length).toBe((exit.stderr.match(/ done in /g) ?? []).length)
      if (built.length > 0) expect(built, exit.stderr).toEqual(["project, sweep-workers", ...built.slice(1).map(() => "")])
    }

    // The same sweep again: the whole sweep is a cache hit, nothing is queued.
    const again = await cli(["run", definition, "--json", "--store", NodePath.join(ws.dir, "coordinator"), "--catalog", catalog, "--remote", remote, "--workers", "remote", ...BATCH])
    expect(leaderboardOf(again).doc.sweep).toMatchObject({ simulated: 0, cached: 24 })
    expect(again.stderr).not.toMatch(/queued/)
  }, 300_000)

  it("workers killed with SIGKILL mid-batch (10 times): their batches are redelivered, the bytes are the same", async () => {
    const catalog = await Effect.runPromise(freshDatabase("workerskill"))
    const remote = freshRemote("workerskill")
    const lease = ["--lease", "2s"]
    let spawned = 0
    const live = new Map<number, ReturnType<typeof startWorker>>()
    const spawnOne = () => {
      const worker = startWorker(`k${++spawned}`, catalog, remote, lease)
      live.set(worker.child.pid!, worker)
    }
    spawnOne()
    spawnOne()
    const coordinator = spawnCli(
      ["run", definition, "--json", "--store", NodePath.join(ws.dir, "coordinator-kill"), "--catalog", catalog, "--remote", remote, "--workers", "remote", ...BATCH],
      { cwd: ws.dir, env: s3Env() }
    )
    children.push(coordinator)
    const finished = waitForExit(coordinator, 300_000)
    let over = false
    void finished.finally(() => (over = true))

    // Kill whichever worker holds a batch on its first delivery, then start a fresh one in its place.
    const killed: Array<string> = []
    while (!over && killed.length < 10) {
      const rows = await jobs(catalog).catch(() => [] as ReadonlyArray<JobRow>)
      const victim = rows.find((row) => row.status === "running" && row.attempts === 1 && row.lease_owner !== null &&
        live.has(Number(row.lease_owner.split("/").pop())))
      if (victim === undefined) {
        await sleep(50)
        continue
      }
      const pid = Number(victim.lease_owner!.split("/").pop())
      live.get(pid)!.child.kill("SIGKILL")
      const exit = await live.get(pid)!.exited
      expect(exit.signal).toBe("SIGKILL")
      live.delete(pid)
      killed.push(victim.key)
      spawnOne()
    }
    const result = leaderboardOf(await finished)
    expect(killed.length, "a batch in progress was found for every kill").toBe(10)
    expect(result.digest).toBe(baseline.digest)
    expect(result.bytes.equals(baseline.bytes)).toBe(true)

    // Every killed batch was delivered again and finished; every job is done.
    const rows = await jobs(catalog)
    expect(rows.every((row) => row.status === "done"), JSON.stringify(rows)).toBe(true)
    for (const key of killed) expect(rows.find((row) => row.key === key)!.attempts).toBeGreaterThanOrEqual(2)
    await stopWorkers([...live.values()])
  }, 300_000)

  it("Ctrl-C on a worker mid-batch gives the batch back at once (queued, the attempt not counted); another worker finishes the run", async () => {
    const catalog = await Effect.runPromise(freshDatabase("workersint"))
    const remote = freshRemote("workersint")
    const first = startWorker("i1", catalog, remote, ["--lease", "60s"])
    const coordinator = spawnCli(
      ["run", definition, "--json", "--store", NodePath.join(ws.dir, "coordinator-int"), "--catalog", catalog, "--remote", remote, "--workers", "remote", ...BATCH],
      { cwd: ws.dir, env: s3Env() }
    )
    children.push(coordinator)
    const finished = waitForExit(coordinator, 240_000)
    let held: JobRow | undefined
    while (held === undefined) {
      await sleep(50)
      held = (await jobs(catalog).catch(() => [] as ReadonlyArray<JobRow>)).find((row) => row.status === "running")
    }
    first.child.kill("SIGINT")
    const stopped = await first.exited
    expect(stopped.code, stopped.stderr).toBe(130)
    expect(stopped.stderr).toMatch(new RegExp(`batch ${held.key.slice(0, 16)} given back unfinished`))
    const row = (await jobs(catalog)).find((job) => job.key === held!.key)!
    expect(row).toMatchObject({ status: "queued", attempts: 0, lease_owner: null })
    // The projection it kept for the sweep's jobs is disposed with it.
    expect(projectionFiles(NodePath.join(ws.dir, "i1"))).toEqual([])

    const second = startWorker("i2", catalog, remote)
    const result = leaderboardOf(await finished)
    expect(result.bytes.equals(baseline.bytes)).toBe(true)
    expect((await jobs(catalog)).find((job) => job.key === held!.key)).toMatchObject({ status: "done", attempts: 1 })
    // The one worker left did the sweep's other batches (all but those the first one finished) on one
    // projection and worker pool.
    const [last] = await stopWorkers([second])
    const built = builtPerBatch(last!.stderr)
    expect(built.length, last!.stderr).toBe(12 - (stopped.stderr.match(/ done in /g) ?? []).length)
    expect(built).toEqual(["project, sweep-workers", ...built.slice(1).map(() => "")])
  }, 300_000)

  it("a batch its workers cannot evaluate fails the run with the worker's error once its attempts are used up", async () => {
    const catalog = await Effect.runPromise(freshDatabase("workersfail"))
    const remote = freshRemote("workersfail")
    const coordinator = spawnCli(
      ["run", definition, "--store", NodePath.join(ws.dir, "coordinator-fail"), "--catalog", catalog, "--remote", remote, "--workers", "remote", ...BATCH],
      { cwd: ws.dir, env: s3Env() }
    )
    children.push(coordinator)
    const finished = waitForExit(coordinator, 240_000)
    let early: CliResult | undefined
    void finished.then((result) => (early = result))
    // No worker yet: once the jobs are queued, one of them is spoiled.
    let queued: ReadonlyArray<JobRow> = []
    while (queued.length < 12) {
      expect(early, early?.stderr).toBeUndefined()
      await sleep(200)
      queued = await jobs(catalog).catch(() => [])
    }
    const spoiled = queued[0]!.key
    await withSql(catalog, (sql) => sql`UPDATE pipeline_jobs SET payload = ${"{\"not\": \"a job\"}"} WHERE key = ${spoiled}`)
    const worker = startWorker("wf", catalog, remote)
    const result = await finished
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`sweep batch ${spoiled} failed on the workers after 5 attempts: the job does not decode`))
    const rows = await jobs(catalog)
    expect(rows.find((row) => row.key === spoiled)).toMatchObject({ status: "failed", attempts: 5 })
    await stopWorkers([worker])
  }, 300_000)

  it("a coordinator interrupted while waiting (Ctrl-C, then --timeout) leaves no batch queued; its run is recorded cancelled (failed when timed out)", async () => {
    const catalog = await Effect.runPromise(freshDatabase("workerscancel"))
    const remote = freshRemote("workerscancel")
    const store = NodePath.join(ws.dir, "coordinator-cancel")
    const args = ["run", definition, "--store", store, "--catalog", catalog, "--remote", remote, "--workers", "remote", ...BATCH]
    const runs = () => withSql(catalog, (sql) => sql<{ run_id: string; status: string; record: string }>`
      SELECT run_id, status, record FROM pipeline_runs ORDER BY run_id`)

    // No worker: the coordinator queues its 12 batches and waits; then Ctrl-C.
    const coordinator = spawnCli(args, { cwd: ws.dir, env: s3Env() })
    children.push(coordinator)
    const finished = waitForExit(coordinator, 240_000)
    let early: CliResult | undefined
    void finished.then((result) => (early = result))
    let queued: ReadonlyArray<JobRow> = []
    while (queued.length < 12) {
      expect(early, early?.stderr).toBeUndefined()
      await sleep(200)
      queued = await jobs(catalog).catch(() => [])
    }
    expect(queued.every((row) => row.status === "queued")).toBe(true)
    coordinator.kill("SIGINT")
    const interrupted = await finished
    expect(interrupted.code, interrupted.stderr).toBe(130)
    expect(interrupted.stderr).toMatch(/sweep: 12 queued batches withdrawn\n/)
    expect(await jobs(catalog)).toEqual([])
    expect((await runs()).map((run) => [run.run_id, run.status])).toEqual([["000001", "cancelled"]])

    // Again with --timeout: the same, the run recorded failed (timed out).
    const timedOut = await cli([...args, "--timeout", "8s"])
    expect(timedOut.code, timedOut.stderr).toBe(1)
    expect(timedOut.stderr).toMatch(/sweep: 12 queued batches withdrawn\n/)
    expect(await jobs(catalog)).toEqual([])
    const [, second] = await runs()
    expect(second).toMatchObject({ run_id: "000002", status: "failed" })
    expect(JSON.parse(second!.record).error.tag).toBe("RunTimedOut")
  }, 300_000)

  it("--workers remote and worker need a catalog and a read-write remote (exit 2)", async () => {
    const noCatalog = await cli(["run", definition, "--store", NodePath.join(ws.dir, "usage"), "--remote", freshRemote("usage"), "--workers", "remote"])
    expectExit(noCatalog, 2)
    expect(noCatalog.stderr).toMatch(/--workers remote needs .*--catalog/)
    expect(NodeFs.existsSync(NodePath.join(ws.dir, "usage"))).toBe(false)

    const worker = await cli(["worker", "--store", NodePath.join(ws.dir, "usage"), "--catalog", "postgres://127.0.0.1:9/none"])
    expectExit(worker, 2)
    expect(worker.stderr).toMatch(/worker needs .*--remote/)

    const badWorkers = await cli(["run", definition, "--store", NodePath.join(ws.dir, "usage"), "--workers", "many"])
    expectExit(badWorkers, 2)
    expect(badWorkers.stderr).toMatch(/--workers: expected an integer ≥ 0 or remote, got many/)
  }, 120_000)
})
