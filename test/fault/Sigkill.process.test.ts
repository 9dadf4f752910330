/**
 * "Nothing is ever lost": `pipeline run` killed with SIGKILL at seeded random moments, over and over
 * on one store. After every kill the store must be consistent (no partial or corrupt object,
 * manifest, action entry or record visible), runs left `running` must belong to dead processes and
 * read as abandoned, and the final rerun must produce exactly the outputs of a clean run elsewhere.
 */
import { chmodSync, cpSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import seedrandom from "seedrandom"
import { afterAll, describe, expect, it } from "vitest"
import { waitForExit } from "../support/cli.js"
import { parseJson, pipeline, runOk, show, spawnPipeline } from "./support/cli.js"
import { definition, outputDigests, outputIds, tempDir, writeDefinition } from "./support/fixtures.js"
import { expectConsistent, expectFsckCli, fsckProblems } from "./support/fsck.js"
import { checkStore, isAlive, objectPath, storedRuns } from "./support/storeCheck.js"

const KILLS = 20
const verbose = process.env.FAULT_VERBOSE === "1"

const until = async (condition: () => boolean, timeout: number): Promise<void> => {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const work = tempDir("sigkill")
afterAll(() => work.cleanup())

describe("SIGKILL during pipeline run", () => {
  it(`${KILLS} runs killed at seeded moments leave a consistent store; the rerun equals a clean run`, async () => {
    const def = writeDefinition(work.dir, "def.json", definition("fault-kill", {}, { tokens: 12, days: 1, seed: 7 }))
    const cleanStore = NodePath.join(work.dir, "clean")
    const store = NodePath.join(work.dir, "killed")

    // A clean run, cold, in its own store: the reference outputs and the span the kills cover.
    const started = performance.now()
    const reference = await runOk(def, cleanStore)
    const span = performance.now() - started
    expect(reference.status).toBe("completed")

    // Delays: first one per stratum of [5 %, 105 %] of the clean run, seeded, in ascending order:
    // each rerun finds more of the work cached and so gets further, so the kills walk through every
    // phase (start-up, generator, validate, projection, simulate, publish, tracker) until a run
    // completes. Kills that came too late do not count: further delays are then drawn within the
    // last completed run's duration, until KILLS processes were killed while running.
    const rng = seedrandom("fault/sigkill/delays")
    const planned = Array.from({ length: KILLS }, (_, i) => Math.round(span * (0.05 + (i + rng()) / KILLS)))
    let lastCompleted = span
    const nextDelay = (attempt: number) =>
      attempt < planned.length ? planned[attempt] : Math.round(lastCompleted * (0.05 + 0.9 * rng()))

    const outcomes: Array<{ delay: number; killed: boolean; runsBefore: number; runsAfter: number }> = []
    let killed = 0
    for (let attempt = 0; killed < KILLS; attempt++) {
      expect(attempt, `only ${killed} of ${attempt} runs were killed before completing`).toBeLessThan(3 * KILLS)
      const delay = nextDelay(attempt)
      const runsBefore = storedRuns(store).length
      const started = performance.now()
      const child = await spawnPipeline(["run", def, "--json", "--store", store])
      const exited = waitForExit(child, 120_000)
      const timer = setTimeout(() => child.kill("SIGKILL"), delay)
      const result = await exited
      clearTimeout(timer)
      if (result.signal === "SIGKILL") killed++
      else {
        // A run the kill came too late for must have completed normally.
        expect(result.code, show(result)).toBe(0)
        lastCompleted = performance.now() - started
      }

      // The store is consistent after every kill: nothing partial or corrupt is visible.
      await expectConsistent(store, `after a kill at ${delay} ms`)
      // A run left pending/running belongs to a process that is gone.
      const runs = storedRuns(store)
      for (const run of runs) {
        if (run.status === "pending" || run.status === "running") expect(isAlive(run.pid), run.path).toBe(false)
      }
      outcomes.push({ delay, killed: result.signal === "SIGKILL", runsBefore, runsAfter: runs.length })
    }
    if (verbose) console.log(`clean run ${Math.round(span)} ms`, outcomes)

    // One more kill at a known moment: once this process's run is recorded as running (a variant
    // strategy, so that it has a simulation to compute), so at least one run is left running.
    const variant = writeDefinition(work.dir, "variant.json", definition("fault-kill-variant", { stopLoss: 0.1 }, { tokens: 12, days: 1, seed: 7 }))
    const child = await spawnPipeline(["run", variant, "--json", "--store", store])
    const exited = waitForExit(child, 120_000)
    await until(() => storedRuns(store).some((run) => run.pid === child.pid && run.status === "running"), 60_000)
    child.kill("SIGKILL")
    expect((await exited).signal).toBe("SIGKILL")
    await expectConsistent(store)

    // Runs that were killed while running read as abandoned, never as running forever.
    const left = storedRuns(store).filter((run) => run.status === "pending" || run.status === "running")
    expect(left.some((run) => run.pid === child.pid)).toBe(true)
    for (const run of left) expect(isAlive(run.pid), run.path).toBe(false)
    for (const experimentId of new Set(left.map((run) => run.experimentId))) {
      const shown = await pipeline(["experiments", "show", experimentId, "--json", "--store", store])
      expect(shown.code, show(shown)).toBe(0)
      const views = parseJson(shown).runs as Array<{ runId: string; status: string; effectiveStatus: string }>
      for (const run of left.filter((r) => r.experimentId === experimentId)) {
        const view = views.find((v) => v.runId === run.runId)
        expect(view?.status).toBe(run.status)
        expect(view?.effectiveStatus, `run ${run.runId}`).toBe("abandoned")
      }
      expect(views.some((v) => v.effectiveStatus === "running" || v.effectiveStatus === "pending")).toBe(false)
    }

    // The rerun completes with exactly the clean run's outputs.
    const rerun = await runOk(def, store)
    expect(rerun.experimentId).toBe(reference.experimentId)
    expect(outputDigests(rerun)).toEqual(outputDigests(reference))
    expect(outputIds(rerun)).toEqual(outputIds(reference))
    await expectConsistent(store)
    await expectFsckCli(store)

    // The checker itself sees what a torn write would leave: a manifest cut short, an object
    // whose bytes changed, a manifest whose object is gone.
    const broken = NodePath.join(work.dir, "broken")
    cpSync(cleanStore, broken, { recursive: true })
    const trades = reference.outputs.trades
    const manifest = NodePath.join(broken, "artifacts", `${trades.artifactId}.json`)
    writeFileSync(manifest, readFileSync(manifest, "utf8").slice(0, 100))
    const metricsObject = objectPath(broken, reference.outputs.metrics.digest)
    chmodSync(metricsObject, 0o644)
    const bytes = readFileSync(metricsObject)
    bytes[bytes.length >> 1] ^= 0xff
    writeFileSync(metricsObject, bytes)
    rmSync(objectPath(broken, reference.outputs.equity.digest))
    const problems = checkStore(broken).map((p) => `${NodePath.relative(broken, p.path)}: ${p.problem}`)
    expect(problems.some((p) => p.startsWith(`artifacts/${trades.artifactId}.json: not complete JSON`))).toBe(true)
    expect(problems.some((p) => p.startsWith(`objects/${reference.outputs.metrics.digest.slice(7, 9)}/`) && p.includes("bytes hash to"))).toBe(true)
    expect(problems.some((p) => p.includes(`object ${reference.outputs.equity.digest} is missing`))).toBe(true)
    // …and so does the store's fsck.
    const found = await fsckProblems(broken)
    expect(found.some((p) => p.startsWith(`artifact ${trades.artifactId}: malformed`))).toBe(true)
    expect(found.some((p) => p.startsWith(`object ${reference.outputs.metrics.digest}: corrupt`))).toBe(true)
    expect(found.some((p) => p.includes(`${reference.outputs.equity.artifactId}: object-missing`))).toBe(true)
  }, 300_000)
})
