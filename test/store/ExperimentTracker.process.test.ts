/**
 * Process-level tracker tests: real processes racing for run numbers in one store, and a run whose
 * owner process has exited reading as abandoned through the node liveness adapter.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ExperimentId, ExperimentTracker, ProcessLiveness } from "../../store/ExperimentTracker.js"

const fixture = fileURLToPath(new URL("./fixtures/tracker-start-runs.ts", import.meta.url))
const provenance = { engineVersion: "test", duckdbVersion: "test", git: { commit: null, dirty: false } }

const makeTempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tracker-proc-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const trackerAt = (root: string) => ExperimentTracker.layerFileSystem(root).pipe(Layer.provide(ProcessLiveness.layerNode))

/** Resolves with the child's stdout once "ready" is printed, and its full output at exit. */
const startFixture = (args: ReadonlyArray<string>) => {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", fixture, ...args], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  child.stdout!.on("data", (chunk) => {
    stdout += chunk
    if (stdout.includes("ready\n")) onReady()
  })
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  )
  return { ready, done, kill: () => child.kill("SIGKILL") }
}

describe("ExperimentTracker across processes", () => {
  it.live("4 processes starting runs on one experiment get unique, consecutive run numbers", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = yield* makeTempDir
        const experimentId = ExperimentId.make("exp_c0ffee")
        const tracker = yield* Effect.provide(ExperimentTracker, trackerAt(root))
        yield* tracker.create({ experimentId, name: "race", definition: {}, inputs: {}, seed: 1 })

        const goFile = path.join(root, "go")
        const perProcess = 15
        const children = yield* Effect.acquireRelease(
          Effect.sync(() =>
            Array.from({ length: 4 }, () => startFixture([root, experimentId, String(perProcess), goFile]))
          ),
          (cs) => Effect.sync(() => cs.forEach((c) => c.kill()))
        )
        yield* Effect.promise(() => Promise.all(children.map((c) => c.ready)))
        yield* Effect.promise(() => fs.writeFile(goFile, ""))
        const results = yield* Effect.promise(() => Promise.all(children.map((c) => c.done)))

        for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 })
        const perChild = results.map((r) => JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Array<string>)
        for (const ids of perChild) expect(ids).toHaveLength(perProcess)
        const all = perChild.flat().sort()
        const expected = Array.from({ length: 4 * perProcess }, (_, i) => String(i + 1).padStart(6, "0"))
        expect(all).toEqual(expected)

        const detail = yield* tracker.get(experimentId)
        expect(detail.runs.map((v) => v.run.runId)).toEqual(expected)
        // Each file's owner is the process that allocated it.
        const pidsByRun = new Map<string, number>(detail.runs.map((v) => [v.run.runId, v.run.owner.pid]))
        for (const ids of perChild) expect(new Set(ids.map((id) => pidsByRun.get(id))).size).toBe(1)
        expect(new Set(detail.runs.map((v) => v.run.owner.pid)).size).toBe(4)
        expect(yield* Effect.promise(() => fs.readdir(path.join(root, "tmp")))).toEqual([])
      })
    ))

  it.live("a run owned by an exited process on this host reads as abandoned", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = yield* makeTempDir
        const deadPid = yield* Effect.promise(
          () =>
            new Promise<number>((resolve, reject) => {
              const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" })
              child.on("error", reject)
              child.on("exit", () => resolve(child.pid!))
            })
        )
        const tracker = yield* Effect.provide(ExperimentTracker, trackerAt(root))
        const liveness = yield* Effect.provide(ProcessLiveness, ProcessLiveness.layerNode)
        expect(liveness.self).toEqual({ pid: process.pid, host: os.hostname() })
        expect(yield* liveness.isAlive(deadPid)).toBe(false)
        expect(yield* liveness.isAlive(process.pid)).toBe(true)

        const experimentId = ExperimentId.make("exp_dead")
        yield* tracker.create({ experimentId, name: "dead", definition: {}, inputs: {}, seed: 1 })
        const dead = yield* tracker.startRun(experimentId, { owner: { pid: deadPid, host: os.hostname() }, provenance })
        yield* tracker.transition(experimentId, dead.runId, "running")
        const mine = yield* tracker.startRun(experimentId, { owner: liveness.self, provenance })
        yield* tracker.transition(experimentId, mine.runId, "running")
        const remote = yield* tracker.startRun(experimentId, {
          owner: { pid: deadPid, host: `not-${os.hostname()}` },
          provenance
        })

        const views = (yield* tracker.get(experimentId)).runs
        expect(views.map((v) => [v.run.status, v.effectiveStatus])).toEqual([
          ["running", "abandoned"],
          ["running", "running"],
          ["pending", "pending"]
        ])
        expect(views[2].run.runId).toBe(remote.runId)
        const listed = yield* tracker.list({ status: "abandoned" })
        expect(listed).toEqual([])
        // The latest run is the remote pending one, so the experiment lists as pending.
        expect((yield* tracker.list({ status: "pending" })).map((s) => s.experiment.experimentId)).toEqual([
          experimentId
        ])
      })
    ))
})
