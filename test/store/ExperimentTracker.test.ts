import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, TestClock } from "effect"
import { ArtifactId } from "../../store/ArtifactCatalog.js"
import {
  effectiveStatus,
  keepAlive,
  ExperimentId,
  ExperimentTracker,
  type ExperimentTrackerShape,
  ProcessLiveness,
  RunId,
  type RunRecord,
  type RunStatus,
  type TrackerOptions
} from "../../store/ExperimentTracker.js"
import { StoreRoot } from "../../store/StoreLayout.js"
import { experimentTrackerPostgres, PostgresCatalogLive } from "../../store/postgres/index.js"
import { freshDatabase } from "../support/postgres.js"

const art = (c: string) => ArtifactId.make(`art_${c.repeat(64)}`)
const expId = (hex: string) => ExperimentId.make(`exp_${hex}`)
const provenance = { engineVersion: "0.1.0", duckdbVersion: "1.5.6", git: { commit: "abc123", dirty: true } }
const HOST = "test-host"
const owner = { pid: 4242, host: HOST }

const newExperiment = (hex: string, name = "ladder-baseline", inputs: Record<string, Array<ArtifactId>> = {}) => ({
  experimentId: expId(hex),
  name,
  definition: { name, seed: 42, strategy: { stopLoss: { pct: 0.3 } } },
  inputs,
  seed: 42
})

const iso = (ms: number) => new Date(ms).toISOString()

const makeTempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tracker-test-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

type Backend = (options?: TrackerOptions) => Layer.Layer<ExperimentTracker, never, ProcessLiveness>

const backends: ReadonlyArray<[string, Backend]> = [
  ["memory", (options) => ExperimentTracker.layerMemoryWith(options)],
  [
    "filesystem",
    (options) => Layer.unwrapScoped(Effect.map(makeTempDir, (dir) => ExperimentTracker.layerFileSystem(dir, options)))
  ],
  [
    "postgres",
    (options) =>
      Layer.unwrapEffect(
        Effect.map(freshDatabase(), (url) =>
          experimentTrackerPostgres(options).pipe(Layer.provide(PostgresCatalogLive.layer({ url, maxConnections: 4 })), Layer.orDie))
      )
  ]
]

const ALL: ReadonlyArray<RunStatus> = ["pending", "running", "completed", "failed", "cancelled"]
const LEGAL: ReadonlyArray<string> = [
  "pending>running",
  "pending>failed",
  "pending>cancelled",
  "running>completed",
  "running>failed",
  "running>cancelled"
]

/** Drives a fresh run into `status` through legal moves. */
const runIn = (t: ExperimentTrackerShape, experimentId: ExperimentId, status: RunStatus) =>
  Effect.gen(function* () {
    const run = yield* t.startRun(experimentId, { owner, provenance })
    if (status === "pending") return run
    if (status === "cancelled") return yield* t.transition(experimentId, run.runId, "cancelled")
    yield* t.transition(experimentId, run.runId, "running")
    if (status === "running") return yield* t.get(experimentId).pipe(Effect.map((d) => d.runs.at(-1)!.run))
    if (status === "failed") {
      return yield* t.transition(experimentId, run.runId, "failed", { error: { tag: "Boom", message: "it broke" } })
    }
    return yield* t.transition(experimentId, run.runId, "completed")
  })

const suite = (name: string, backend: Backend) =>
  describe(`ExperimentTracker (${name})`, () => {
    const provide = <A, E>(
      effect: Effect.Effect<A, E, ExperimentTracker>,
      options?: TrackerOptions,
      liveness: Layer.Layer<ProcessLiveness> = ProcessLiveness.layerTest({ self: { pid: 1, host: HOST } })
    ) => Effect.provide(effect, backend(options).pipe(Layer.provide(liveness)))

    it.effect("runs the lifecycle pending → running → completed and reads it back", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const exp = newExperiment("01", "ladder", { alerts: [art("a")], ohlcv: [art("b"), art("c")] })
          const created = yield* t.create(exp)
          expect(created.createdAt).toBe(iso(0))
          expect((yield* t.get(exp.experimentId)).runs).toEqual([])

          yield* TestClock.adjust("1 second")
          const run = yield* t.startRun(exp.experimentId, { owner, provenance })
          expect(run.runId).toBe("000001")
          expect(run.status).toBe("pending")
          expect(run.createdAt).toBe(iso(1000))
          expect(run.heartbeatAt).toBe(iso(1000))

          yield* TestClock.adjust("1 second")
          const running = yield* t.transition(exp.experimentId, run.runId, "running")
          expect(running.status).toBe("running")
          expect(running.startedAt).toBe(iso(2000))
          expect(running.endedAt).toBeUndefined()

          yield* TestClock.adjust("3 seconds")
          const outputs = {
            trades: { artifactId: art("d"), digest: `blake3:${"e".repeat(64)}` as never }
          }
          const nodes = [{ name: "simulate", key: `blake3:${"f".repeat(64)}`, cache: "miss" as const, durationMs: 12.5 }]
          const done = yield* t.transition(exp.experimentId, run.runId, "completed", {
            outputs,
            cache: { hits: 2, misses: 1 },
            nodes
          })
          expect(done.status).toBe("completed")
          expect(done.endedAt).toBe(iso(5000))
          expect(done.durationMs).toBe(3000)

          const detail = yield* t.get(exp.experimentId)
          expect(detail.experiment).toEqual(created)
          expect(detail.experiment.definition).toEqual(exp.definition)
          expect(detail.experiment.inputs).toEqual({ alerts: [art("a")], ohlcv: [art("b"), art("c")] })
          expect(detail.runs).toHaveLength(1)
          expect(detail.runs[0].effectiveStatus).toBe("completed")
          expect(detail.runs[0].run).toEqual(done)
          expect(detail.runs[0].run.outputs).toEqual(outputs)
          expect(detail.runs[0].run.cache).toEqual({ hits: 2, misses: 1 })
          expect(detail.runs[0].run.nodes).toEqual(nodes)
          expect(detail.runs[0].run.provenance).toEqual(provenance)
          expect(detail.runs[0].run.owner).toEqual(owner)
        })
      ))

    it.effect("a hostile name (quotes, SQL, NUL) round-trips and filters exactly", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const name = `x'); DROP TABLE pipeline_runs; --\u0000"\\`
          yield* t.create(newExperiment("0b", name))
          yield* t.create(newExperiment("0c", "x"))
          yield* t.startRun(expId("0b"), { owner: { pid: 1, host: "h'\u0000" }, provenance })
          expect((yield* t.get(expId("0b"))).experiment.name).toBe(name)
          expect((yield* t.get(expId("0b"))).runs[0].run.owner.host).toBe("h'\u0000")
          expect((yield* t.list({ name })).map((s) => s.experiment.experimentId)).toEqual([expId("0b")])
          expect((yield* t.list()).length).toBe(2)
        })
      ))

    it.effect("create is idempotent: the first record is kept", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const first = yield* t.create(newExperiment("02", "first"))
          yield* TestClock.adjust("1 hour")
          const second = yield* t.create(newExperiment("02", "second"))
          expect(second).toEqual(first)
          expect((yield* t.get(expId("02"))).experiment.name).toBe("first")
          expect(yield* t.list()).toHaveLength(1)
        })
      ))

    it.effect("a record created with no inputs (not known yet) gains them from the next create that names some, once", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const placeholder = yield* t.create(newExperiment("0d", "synthetic"))
          expect(placeholder.inputs).toEqual({})
          yield* TestClock.adjust("1 hour")
          const inputs = { alerts: [art("a")], ohlcv: [art("b")] }
          const completed = yield* t.create(newExperiment("0d", "synthetic", inputs))
          expect(completed).toEqual({ ...placeholder, inputs })
          expect((yield* t.get(expId("0d"))).experiment).toEqual(completed)
          // From then on the record is kept as it is.
          const again = yield* t.create(newExperiment("0d", "synthetic", { alerts: [art("c")], ohlcv: [] }))
          expect(again).toEqual(completed)
          expect((yield* t.get(expId("0d"))).experiment.inputs).toEqual(inputs)
        })
      ))

    it.effect("rejects every illegal transition and leaves the record unchanged", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const id = expId("03")
          yield* t.create(newExperiment("03"))
          let checked = 0
          for (const from of ALL) {
            for (const to of ALL) {
              if (LEGAL.includes(`${from}>${to}`)) continue
              const run = yield* runIn(t, id, from)
              const before = (yield* t.get(id)).runs.find((v) => v.run.runId === run.runId)!.run
              expect(before.status).toBe(from)
              yield* TestClock.adjust("1 second")
              const exit = yield* Effect.exit(
                to === "failed"
                  ? t.transition(id, run.runId, "failed", { error: { tag: "X", message: "y" } })
                  : t.transition(id, run.runId, to, { cache: { hits: 9, misses: 9 } })
              )
              expect(exit).toStrictEqual(
                Exit.fail(expect.objectContaining({ _tag: "IllegalTransition", from, to, runId: run.runId }))
              )
              const after = (yield* t.get(id)).runs.find((v) => v.run.runId === run.runId)!.run
              expect(after).toEqual(before)
              checked++
            }
          }
          expect(checked).toBe(25 - LEGAL.length)
        })
      ))

    it.effect("every legal transition is accepted", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const id = expId("0b")
          yield* t.create(newExperiment("0b"))
          for (const move of LEGAL) {
            const [from, to] = move.split(">") as [RunStatus, RunStatus]
            const run = yield* runIn(t, id, from)
            const next =
              to === "failed"
                ? yield* t.transition(id, run.runId, "failed", { error: { tag: "E", message: "m" } })
                : yield* t.transition(id, run.runId, to as Exclude<RunStatus, "failed">)
            expect(next.status).toBe(to)
          }
        })
      ))

    it.effect("a failed run records the error tag and message; cancelled runs end too", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const id = expId("04")
          yield* t.create(newExperiment("04"))
          const a = yield* t.startRun(id, { owner, provenance })
          yield* t.transition(id, a.runId, "running")
          yield* TestClock.adjust("250 millis")
          const failed = yield* t.transition(id, a.runId, "failed", {
            error: { tag: "ProjectionTimeout", message: "run exceeded 10m" },
            cache: { hits: 1, misses: 2 }
          })
          expect(failed.error).toEqual({ tag: "ProjectionTimeout", message: "run exceeded 10m" })
          expect(failed.durationMs).toBe(250)

          const b = yield* t.startRun(id, { owner, provenance })
          const cancelledPending = yield* t.transition(id, b.runId, "cancelled")
          expect(cancelledPending.startedAt).toBeUndefined()
          expect(cancelledPending.endedAt).toBe(iso(250))

          const c = yield* t.startRun(id, { owner, provenance })
          yield* t.transition(id, c.runId, "running")
          const cancelledRunning = yield* t.transition(id, c.runId, "cancelled")
          expect(cancelledRunning.error).toBeUndefined()

          const detail = yield* t.get(id)
          expect(detail.runs.map((v) => [v.run.runId, v.effectiveStatus])).toEqual([
            ["000001", "failed"],
            ["000002", "cancelled"],
            ["000003", "cancelled"]
          ])
          expect(detail.runs[0].run.error).toEqual({ tag: "ProjectionTimeout", message: "run exceeded 10m" })
          expect(detail.runs[0].run.cache).toEqual({ hits: 1, misses: 2 })
        })
      ))

    it.effect("durations come from the Clock: startedAt → endedAt, or createdAt when never started", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const id = expId("05")
          yield* t.create(newExperiment("05"))
          const run = yield* t.startRun(id, { owner, provenance })
          yield* TestClock.adjust("1 second")
          yield* t.transition(id, run.runId, "running")
          yield* TestClock.adjust("2500 millis")
          const done = yield* t.transition(id, run.runId, "completed")
          expect(done.startedAt).toBe(iso(1000))
          expect(done.endedAt).toBe(iso(3500))
          expect(done.durationMs).toBe(2500)

          const never = yield* t.startRun(id, { owner, provenance })
          yield* TestClock.adjust("400 millis")
          const failed = yield* t.transition(id, never.runId, "failed", { error: { tag: "Invalid", message: "bad" } })
          expect(failed.createdAt).toBe(iso(3500))
          expect(failed.durationMs).toBe(400)
        })
      ))

    it.effect("allocates distinct, consecutive run numbers under concurrency", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const id = expId("06")
          yield* t.create(newExperiment("06"))
          const runs = yield* Effect.all(
            Array.from({ length: 20 }, () => t.startRun(id, { owner, provenance })),
            { concurrency: "unbounded" }
          )
          const ids = runs.map((r) => r.runId).sort()
          expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(6, "0")))
          expect((yield* t.get(id)).runs.map((v) => v.run.runId)).toEqual(ids)
        })
      ))

    it.effect("unknown experiments and runs fail with ExperimentNotFound / RunNotFound", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const missing = expId("deadbeef")
          expect(yield* Effect.flip(t.get(missing))).toMatchObject({ _tag: "ExperimentNotFound", experimentId: missing })
          expect(yield* Effect.flip(t.startRun(missing, { owner, provenance }))).toMatchObject({
            _tag: "ExperimentNotFound"
          })
          yield* t.create(newExperiment("07"))
          expect(yield* Effect.flip(t.transition(expId("07"), RunId.make("000009"), "running"))).toMatchObject({
            _tag: "RunNotFound",
            runId: "000009"
          })
          expect(yield* Effect.flip(t.heartbeat(expId("07"), RunId.make("000001")))).toMatchObject({
            _tag: "RunNotFound"
          })
          // A forged id never reaches the path layer.
          expect(yield* Effect.flip(t.get("exp_../../etc" as ExperimentId))).toMatchObject({
            _tag: "ExperimentNotFound"
          })
        })
      ))

    it.effect("getRun reads one run as get lists it; an absent run or experiment fails with RunNotFound", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const id = expId("0c")
          yield* t.create(newExperiment("0c"))
          const first = yield* runIn(t, id, "completed")
          const second = yield* runIn(t, id, "failed")
          const detail = yield* t.get(id)
          expect(yield* t.getRun(id, first.runId)).toEqual(detail.runs[0]!.run)
          expect(yield* t.getRun(id, second.runId)).toEqual(detail.runs[1]!.run)
          expect(yield* Effect.flip(t.getRun(id, RunId.make("000003")))).toMatchObject({
            _tag: "RunNotFound",
            runId: "000003"
          })
          expect(yield* Effect.flip(t.getRun(expId("deadbeef"), RunId.make("000001")))).toMatchObject({
            _tag: "RunNotFound"
          })
        })
      ))

    it.effect("a run with a stale heartbeat reads as abandoned; a heartbeat revives it", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const id = expId("08")
          yield* t.create(newExperiment("08"))
          const run = yield* t.startRun(id, { owner, provenance })
          yield* t.transition(id, run.runId, "running")
          yield* TestClock.adjust("60 seconds")
          expect((yield* t.get(id)).runs[0].effectiveStatus).toBe("running")
          yield* TestClock.adjust("1 millis")
          const stale = (yield* t.get(id)).runs[0]
          expect(stale.effectiveStatus).toBe("abandoned")
          expect(stale.run.status).toBe("running")
          expect((yield* t.list({ status: "abandoned" })).map((s) => s.experiment.experimentId)).toEqual([id])
          expect(yield* t.list({ status: "running" })).toEqual([])

          const beat = yield* t.heartbeat(id, run.runId)
          expect(beat.heartbeatAt).toBe(iso(60_001))
          expect((yield* t.get(id)).runs[0].effectiveStatus).toBe("running")

          // Terminal runs are never abandoned, and heartbeats do not touch them.
          const done = yield* t.transition(id, run.runId, "completed")
          yield* TestClock.adjust("1 hour")
          expect(yield* t.heartbeat(id, run.runId)).toEqual(done)
          expect((yield* t.get(id)).runs[0].effectiveStatus).toBe("completed")
        }),
        { staleAfterMs: 60_000 }
      ))

    it.effect("a run whose owner on this host is dead reads as abandoned; other hosts are trusted", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const id = expId("09")
          yield* t.create(newExperiment("09"))
          const dead = yield* t.startRun(id, { owner: { pid: 999, host: HOST }, provenance })
          const alive = yield* t.startRun(id, { owner: { pid: 1000, host: HOST }, provenance })
          const remote = yield* t.startRun(id, { owner: { pid: 999, host: "other-host" }, provenance })
          yield* t.transition(id, alive.runId, "running")
          yield* t.transition(id, remote.runId, "running")
          const views = (yield* t.get(id)).runs
          expect(views.map((v) => [v.run.runId, v.run.status, v.effectiveStatus])).toEqual([
            [dead.runId, "pending", "abandoned"],
            [alive.runId, "running", "running"],
            [remote.runId, "running", "running"]
          ])
        }),
        undefined,
        ProcessLiveness.layerTest({ self: { pid: 1, host: HOST }, isAlive: (pid) => pid !== 999 })
      ))

    it.effect("list orders by createdAt then id, shows the latest run, and filters by name and status", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          yield* t.create(newExperiment("0c", "sweep"))
          yield* t.create(newExperiment("0a", "sweep"))
          yield* TestClock.adjust("1 second")
          yield* t.create(newExperiment("01", "baseline"))
          yield* t.create(newExperiment("0f", "empty"))

          yield* runIn(t, expId("0c"), "failed")
          const latest = yield* runIn(t, expId("0c"), "completed")
          yield* runIn(t, expId("0a"), "running")
          yield* runIn(t, expId("01"), "completed")

          const all = yield* t.list()
          expect(all.map((s) => s.experiment.experimentId)).toEqual(["exp_0a", "exp_0c", "exp_01", "exp_0f"])
          const c = all.find((s) => s.experiment.experimentId === "exp_0c")!
          expect(c.runCount).toBe(2)
          expect(c.latestRun?.run.runId).toBe(latest.runId)
          expect(c.latestRun?.effectiveStatus).toBe("completed")
          expect(all.find((s) => s.experiment.experimentId === "exp_0f")!.latestRun).toBeUndefined()

          expect((yield* t.list({ name: "sweep" })).map((s) => s.experiment.experimentId)).toEqual(["exp_0a", "exp_0c"])
          expect((yield* t.list({ status: "completed" })).map((s) => s.experiment.experimentId)).toEqual([
            "exp_0c",
            "exp_01"
          ])
          expect((yield* t.list({ name: "sweep", status: "running" })).map((s) => s.experiment.experimentId)).toEqual([
            "exp_0a"
          ])
          expect(yield* t.list({ status: "failed" })).toEqual([])
          expect(yield* t.list({ name: "nope" })).toEqual([])
        })
      ))

    it.effect("findByInputs returns experiments whose inputs include all the given ids", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          yield* t.create(newExperiment("0a", "a", { alerts: [art("1")], ohlcv: [art("2"), art("3")] }))
          yield* t.create(newExperiment("0b", "b", { alerts: [art("1")], ohlcv: [art("4")] }))
          yield* t.create(newExperiment("0c", "c", { alerts: [art("5")] }))
          const ids = (xs: ReadonlyArray<{ experimentId: string }>) => xs.map((x) => x.experimentId)
          expect(ids(yield* t.findByInputs([art("1")]))).toEqual(["exp_0a", "exp_0b"])
          expect(ids(yield* t.findByInputs([art("1"), art("3")]))).toEqual(["exp_0a"])
          expect(ids(yield* t.findByInputs([art("3"), art("4")]))).toEqual([])
          expect(ids(yield* t.findByInputs([art("5")]))).toEqual(["exp_0c"])
          expect(ids(yield* t.findByInputs([art("9")]))).toEqual([])
        })
      ))

    it.effect("resolve accepts a full id or a unique prefix; a shared prefix fails listing its matches", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          yield* t.create(newExperiment("abcd1234"))
          yield* t.create(newExperiment("abcd5678"))
          expect((yield* t.resolve("exp_abcd1234")).experimentId).toBe("exp_abcd1234")
          expect((yield* t.resolve("abcd12")).experimentId).toBe("exp_abcd1234")
          expect((yield* t.resolve("exp_abcd5")).experimentId).toBe("exp_abcd5678")
          expect(yield* Effect.flip(t.resolve("abcd"))).toMatchObject({
            _tag: "AmbiguousExperimentId",
            prefix: "abcd",
            candidates: ["exp_abcd1234", "exp_abcd5678"]
          })
          expect(yield* Effect.flip(t.resolve("exp_abcd"))).toMatchObject({ _tag: "AmbiguousExperimentId", prefix: "exp_abcd" })
          expect(yield* Effect.flip(t.resolve("ffff"))).toMatchObject({ _tag: "ExperimentNotFound" })
        })
      ))

    it.effect("heartbeats and transitions in one process never lose a transition", () =>
      provide(
        Effect.gen(function* () {
          const t = yield* ExperimentTracker
          const id = expId("0d")
          yield* t.create(newExperiment("0d"))
          const run = yield* t.startRun(id, { owner, provenance })
          yield* t.transition(id, run.runId, "running")
          yield* Effect.all(
            [
              ...Array.from({ length: 10 }, () => t.heartbeat(id, run.runId)),
              t.transition(id, run.runId, "completed", { cache: { hits: 3, misses: 0 } }),
              ...Array.from({ length: 10 }, () => t.heartbeat(id, run.runId))
            ],
            { concurrency: "unbounded" }
          )
          const stored = (yield* t.get(id)).runs[0].run
          expect(stored.status).toBe("completed")
          expect(stored.cache).toEqual({ hits: 3, misses: 0 })
        })
      ))
  })

for (const [name, backend] of backends) suite(name, backend)

describe("ExperimentTracker (filesystem layout and decoding)", () => {
  const withStore = <A, E>(f: (root: string) => Effect.Effect<A, E, ExperimentTracker>) =>
    Effect.scoped(
      Effect.flatMap(makeTempDir, (root) =>
        Effect.provide(
          f(root),
          ExperimentTracker.layerFileSystem(root).pipe(
            Layer.provide(ProcessLiveness.layerTest({ self: { pid: 1, host: HOST } }))
          )
        )
      )
    )

  it.effect("writes experiment.json and one zero-padded file per run, leaving no temp files", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const t = yield* ExperimentTracker
        const id = expId("0e")
        yield* t.create(newExperiment("0e", "n", { alerts: [art("1")] }))
        const run = yield* t.startRun(id, { owner, provenance })
        yield* t.transition(id, run.runId, "running")
        const dir = path.join(root, "experiments", "exp_0e")
        const experiment = JSON.parse(yield* Effect.promise(() => fs.readFile(path.join(dir, "experiment.json"), "utf8")))
        expect(experiment).toMatchObject({ experimentId: "exp_0e", name: "n", seed: 42, inputs: { alerts: [art("1")] } })
        expect(yield* Effect.promise(() => fs.readdir(path.join(dir, "runs")))).toEqual(["000001.json"])
        const stored: RunRecord = JSON.parse(
          yield* Effect.promise(() => fs.readFile(path.join(dir, "runs", "000001.json"), "utf8"))
        )
        expect(stored.status).toBe("running")
        expect(yield* Effect.promise(() => fs.readdir(path.join(root, "tmp")))).toEqual([])
      })
    ))

  it.effect("creating an experiment that exists writes nothing (no temp file: tmp/ unusable is no failure)", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const t = yield* ExperimentTracker
        const first = yield* t.create(newExperiment("0f", "n", { alerts: [art("1")] }))
        // Every write goes through a temp file in tmp/: with a file in its place, any write fails (ENOTDIR).
        yield* Effect.promise(() => fs.rm(path.join(root, "tmp"), { recursive: true, force: true }))
        yield* Effect.promise(() => fs.writeFile(path.join(root, "tmp"), "not a directory"))
        expect(yield* t.create(newExperiment("0f", "n", { alerts: [art("1")] }))).toEqual(first)
        expect(yield* Effect.flip(t.create(newExperiment("10", "other")))).toMatchObject({ _tag: "StoreIOError" })
      })
    ))

  it.effect("two tracker instances on one root never hand out the same run number", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = yield* makeTempDir
        const liveness = ProcessLiveness.layerTest({ self: { pid: 1, host: HOST } })
        const a = yield* Layer.build(ExperimentTracker.layerFileSystem(root).pipe(Layer.provide(liveness)))
        const b = yield* Layer.build(ExperimentTracker.layerFileSystem(root).pipe(Layer.provide(liveness)))
        const ta = Context.get(a, ExperimentTracker)
        const tb = Context.get(b, ExperimentTracker)
        const id = expId("12")
        yield* ta.create(newExperiment("12"))
        const runs = yield* Effect.all(
          Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? ta : tb).startRun(id, { owner, provenance })),
          { concurrency: "unbounded" }
        )
        const ids = runs.map((r) => r.runId).sort()
        expect(ids).toEqual(Array.from({ length: 16 }, (_, i) => String(i + 1).padStart(6, "0")))
        expect((yield* tb.get(id)).runs.map((v) => v.run.runId)).toEqual(ids)
      })
    ))

  it.effect("a corrupt run file is listed apart by get (path, detail), skipped by list, and fails a transition naming its path", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const t = yield* ExperimentTracker
        const id = expId("0f")
        yield* t.create(newExperiment("0f"))
        const run = yield* t.startRun(id, { owner, provenance })
        const file = path.join(root, "experiments", "exp_0f", "runs", `${run.runId}.json`)

        const second = yield* t.startRun(id, { owner, provenance })
        yield* Effect.promise(() => fs.writeFile(file, "{ truncated"))
        // The other runs stay readable; the bad one is reported with its file.
        const detail = yield* t.get(id)
        expect(detail.runs.map((view) => view.run.runId)).toEqual([second.runId])
        expect(detail.unreadable).toMatchObject([{ runId: run.runId, path: file }])
        expect(detail.unreadable[0]!.detail).toContain("JSON")

        const valid = JSON.parse(JSON.stringify({ ...run, status: "exploded" }))
        yield* Effect.promise(() => fs.writeFile(file, JSON.stringify(valid)))
        const badStatus = yield* Effect.flip(t.transition(id, run.runId, "running"))
        expect(badStatus).toMatchObject({ _tag: "RecordDecodeError", path: file })
        expect((badStatus as { detail: string }).detail).toContain("exploded")
        // list shows the latest readable run.
        expect((yield* t.list()).map((summary) => summary.latestRun?.run.runId)).toEqual([second.runId])
      })
    ))

  it.effect("ExperimentTracker.layer uses the shared StoreRoot", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = yield* makeTempDir
        const layer = ExperimentTracker.layer.pipe(
          Layer.provide(StoreRoot.layer(root)),
          Layer.provide(ProcessLiveness.layerTest({ self: { pid: 1, host: HOST } }))
        )
        yield* Effect.provide(
          Effect.flatMap(ExperimentTracker, (t) => t.create(newExperiment("13"))),
          layer
        )
        const onDisk = yield* Effect.promise(() =>
          fs.readFile(path.join(root, "experiments", "exp_13", "experiment.json"), "utf8")
        )
        expect(JSON.parse(onDisk).experimentId).toBe("exp_13")
      })
    ))

  it.effect("a corrupt experiment.json fails with RecordDecodeError naming its path", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const t = yield* ExperimentTracker
        yield* t.create(newExperiment("10"))
        const file = path.join(root, "experiments", "exp_10", "experiment.json")
        yield* Effect.promise(() => fs.writeFile(file, JSON.stringify({ experimentId: "exp_10", name: 3 })))
        expect(yield* Effect.flip(t.get(expId("10")))).toMatchObject({ _tag: "RecordDecodeError", path: file })
      })
    ))

  it.effect("an unwritable store maps the errno to StoreIOError", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const t = yield* ExperimentTracker
        // `experiments` is a file, so creating a directory under it fails with ENOTDIR.
        yield* Effect.promise(() => fs.writeFile(path.join(root, "experiments"), "x"))
        const error = yield* Effect.flip(t.create(newExperiment("11")))
        expect(error).toMatchObject({ _tag: "StoreIOError", reason: "ENOTDIR" })
      })
    ))
})

describe("effectiveStatus", () => {
  const base: RunRecord = {
    experimentId: expId("01"),
    runId: RunId.make("000001"),
    status: "running",
    createdAt: iso(0),
    outputs: {},
    cache: { hits: 0, misses: 0 },
    nodes: [],
    provenance,
    owner: { pid: 7, host: "h" },
    heartbeatAt: iso(10_000)
  }

  it("is the stored status while the heartbeat is fresh", () => {
    expect(effectiveStatus(base, { now: 20_000, staleAfterMs: 10_000 })).toBe("running")
    expect(effectiveStatus({ ...base, status: "pending" }, { now: 20_000, staleAfterMs: 10_000 })).toBe("pending")
  })

  it("is abandoned once the heartbeat is older than staleAfterMs", () => {
    expect(effectiveStatus(base, { now: 20_001, staleAfterMs: 10_000 })).toBe("abandoned")
    expect(effectiveStatus({ ...base, status: "pending" }, { now: 20_001, staleAfterMs: 10_000 })).toBe("abandoned")
  })

  it("is abandoned when the owner is on this host and not alive", () => {
    const opts = { now: 10_000, staleAfterMs: 10_000, isAlive: (pid: number) => pid !== 7 }
    expect(effectiveStatus(base, { ...opts, host: "h" })).toBe("abandoned")
    expect(effectiveStatus(base, { ...opts, host: "other" })).toBe("running")
    expect(effectiveStatus(base, { now: 10_000, staleAfterMs: 10_000, host: "h" })).toBe("running")
  })

  it("never marks a finished run abandoned", () => {
    for (const status of ["completed", "failed", "cancelled"] as const) {
      expect(effectiveStatus({ ...base, status }, { now: 1e12, staleAfterMs: 1, host: "h", isAlive: () => false })).toBe(
        status
      )
    }
  })
})

describe("keepAlive", () => {
  it.scoped("heartbeats the run on the interval while its scope is open", () =>
    Effect.gen(function* () {
      const t = yield* ExperimentTracker
      const id = expId("14")
      yield* t.create(newExperiment("14"))
      const run = yield* t.startRun(id, { owner, provenance })
      const beatAt = Effect.map(t.get(id), (d) => d.runs[0].run.heartbeatAt)
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* keepAlive(id, run.runId, "10 seconds")
          yield* TestClock.adjust("9 seconds")
          expect(yield* beatAt).toBe(iso(0))
          yield* TestClock.adjust("1 second")
          yield* Effect.yieldNow()
          expect(yield* beatAt).toBe(iso(10_000))
          yield* TestClock.adjust("10 seconds")
          yield* Effect.yieldNow()
          expect(yield* beatAt).toBe(iso(20_000))
        })
      )
      // Scope closed: no more beats.
      yield* TestClock.adjust("30 seconds")
      yield* Effect.yieldNow()
      expect(yield* beatAt).toBe(iso(20_000))
    }).pipe(
      Effect.provide(
        ExperimentTracker.layerMemory.pipe(Layer.provide(ProcessLiveness.layerTest({ self: { pid: 1, host: HOST } })))
      )
    ))
})
