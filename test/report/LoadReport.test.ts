/** Which run a report reads, and the failures when there is nothing to report on. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { DuckWorkspace } from "../../nodes/duckdb/index.js"
import { latestCompletedRun, loadReportInput, NoCompletedRun } from "../../nodes/report/index.js"
import {
  type ExperimentId,
  ExperimentNotFound,
  ExperimentTracker,
  ProcessLiveness,
  type RunView,
  StoreMemory
} from "../../store/index.js"

const liveness = ProcessLiveness.layerTest({ self: { pid: 4242, host: "test-host" } })
const TestStore = Layer.mergeAll(
  StoreMemory.layer,
  ExperimentTracker.layerMemory.pipe(Layer.provide(liveness)),
  liveness,
  DuckWorkspace.layer
)

const provenance = { engineVersion: "0.1.0", duckdbVersion: "v1.5.6", git: { commit: null, dirty: false } }
const experimentId = "exp_0123456789abcdef" as ExperimentId

const createExperiment = Effect.flatMap(ExperimentTracker, (tracker) =>
  tracker.create({ experimentId, name: "empty", definition: {}, inputs: {}, seed: 1 })
)

describe("loadReportInput", () => {
  it.effect("an experiment that never ran: NoCompletedRun (latest: none)", () =>
    Effect.gen(function*() {
      yield* createExperiment
      const error = yield* Effect.flip(loadReportInput("0123456789ab"))
      expect(error).toBeInstanceOf(NoCompletedRun)
      expect(error).toMatchObject({ experimentId, latestStatus: "none" })
    }).pipe(Effect.provide(TestStore)))

  it.effect("only a failed run: NoCompletedRun naming its status", () =>
    Effect.gen(function*() {
      yield* createExperiment
      const tracker = yield* ExperimentTracker
      const run = yield* tracker.startRun(experimentId, { owner: { pid: 4242, host: "test-host" }, provenance })
      yield* tracker.transition(experimentId, run.runId, "running")
      yield* tracker.transition(experimentId, run.runId, "failed", { error: { tag: "Boom", message: "boom" } })
      const error = yield* Effect.flip(loadReportInput(experimentId))
      expect(error).toMatchObject({ _tag: "NoCompletedRun", latestStatus: "failed" })
      expect(error.message).toContain("latest run: failed")
    }).pipe(Effect.provide(TestStore)))

  it.effect("an unknown experiment: ExperimentNotFound", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(loadReportInput("exp_ffff"))
      expect(error).toBeInstanceOf(ExperimentNotFound)
    }).pipe(Effect.provide(TestStore)))
})

describe("latestCompletedRun", () => {
  const view = (runId: string, effectiveStatus: RunView["effectiveStatus"]) =>
    ({ run: { runId }, effectiveStatus }) as unknown as RunView

  it("takes the newest completed run, skipping later failed or abandoned ones", () => {
    const runs = [view("000001", "completed"), view("000002", "completed"), view("000003", "failed"), view("000004", "abandoned")]
    expect(latestCompletedRun(runs)?.run.runId).toBe("000002")
    expect(latestCompletedRun([view("000001", "running")])).toBeUndefined()
  })
})
