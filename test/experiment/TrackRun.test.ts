/**
 * trackRun starts the body beside the writes that record the run (pending, then running), so a
 * cold run does not wait for their fsyncs; the body's end is recorded once the record exists, and
 * a record that cannot be made interrupts the body.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer } from "effect"
import { trackRun, type TrackedExperiment } from "../../nodes/experiment/index.js"
import { decodeDefinition } from "../../nodes/experiment/index.js"
import { type ExperimentId, ExperimentTracker, formatRunId, StoreIOError } from "../../store/index.js"
import { storeLayer, tempStore } from "./support.js"

const encoded = {
  name: "track-run",
  seed: 1,
  inputs: { alerts: ["art_" + "a".repeat(64)], ohlcv: ["art_" + "b".repeat(64)] },
  dateRange: { from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z" },
  strategy: {
    entry: { delayCandles: 1 },
    exit: { targets: [{ multiple: 2, fraction: 1 }], maxHoldCandles: 10 },
    stopLoss: { pct: 0.2 },
    intrabar: "stop-first",
    costs: { feeBps: 0, slippageBps: 0 },
    sizing: { notional: 1, initialCapital: 100 }
  }
}

const experimentOf = (n: number) =>
  Effect.map(decodeDefinition(encoded, "test"), (definition): TrackedExperiment => ({
    experimentId: `exp_${String(n).padStart(32, "0")}` as ExperimentId,
    definition,
    definitionEncoded: encoded,
    inputs: undefined
  }))

const done = { nodes: [], cache: { hits: 0, misses: 0 }, recordedOutputs: {} }

/** A body that waited for its record would wait forever: fail instead. */
const promptly = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutFail(effect, { duration: "5 seconds", onTimeout: () => "the body waited for the record" as const })

/** The store's tracker, with `create` held until `release` is done (or failing with `fail`). */
const heldTracker = (release: Deferred.Deferred<void>, fail?: StoreIOError) =>
  Layer.effect(
    ExperimentTracker,
    Effect.map(ExperimentTracker, (tracker) => ({
      ...tracker,
      create: (experiment: Parameters<typeof tracker.create>[0]) =>
        Effect.zipRight(Deferred.await(release), fail === undefined ? tracker.create(experiment) : Effect.fail(fail))
    }))
  )

describe("trackRun", () => {
  it.live("runs the body while the record is still being written, and records its end after", () => {
    const store = tempStore()
    return Effect.gen(function*() {
      const experiment = yield* experimentOf(1)
      const bodyStarted = yield* Deferred.make<void>()
      const body = Effect.gen(function*() {
        // The record's first write waits for this: the body must not wait for the record.
        yield* Deferred.succeed(bodyStarted, undefined)
        yield* Effect.sleep("30 millis")
        return done
      })
      const { runId } = yield* promptly(trackRun(experiment, {}, body).pipe(Effect.provide(heldTracker(bodyStarted))))
      const tracker = yield* ExperimentTracker
      const run = yield* tracker.getRun(experiment.experimentId, runId)
      expect(run.status).toBe("completed")
      // Measured from the body's start, which came before the record was made.
      expect(run.durationMs).toBeGreaterThanOrEqual(30)
      expect(Date.parse(run.startedAt!)).toBeLessThanOrEqual(Date.parse(run.createdAt))
    }).pipe(Effect.provide(storeLayer(store.root)), Effect.ensuring(Effect.sync(store.cleanup)))
  })

  it.live("a body that fails before the record exists is recorded failed once it does", () => {
    const store = tempStore()
    return Effect.gen(function*() {
      const experiment = yield* experimentOf(2)
      const release = yield* Deferred.make<void>()
      const failed = new StoreIOError({ operation: "read", path: "x", reason: "Unknown", detail: "body failed first" })
      const body = Effect.zipRight(Deferred.succeed(release, undefined), Effect.fail(failed))
      const exit = yield* Effect.exit(promptly(trackRun(experiment, {}, body).pipe(Effect.provide(heldTracker(release)))))
      expect(exit._tag).toBe("Failure")
      const tracker = yield* ExperimentTracker
      const run = yield* tracker.getRun(experiment.experimentId, formatRunId(1))
      expect(run.status).toBe("failed")
      expect(run.error?.message).toContain("body failed first")
    }).pipe(Effect.provide(storeLayer(store.root)), Effect.ensuring(Effect.sync(store.cleanup)))
  })

  it.live("a record that cannot be made interrupts the body and fails the run with the store's error", () => {
    const store = tempStore()
    return Effect.gen(function*() {
      const experiment = yield* experimentOf(3)
      const release = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const body = Effect.zipRight(Deferred.succeed(release, undefined), Effect.never).pipe(
        Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)),
        Effect.as(done)
      )
      const refused = new StoreIOError({ operation: "write", path: "experiments", reason: "EACCES", detail: "refused" })
      const error = yield* Effect.flip(promptly(trackRun(experiment, {}, body).pipe(Effect.provide(heldTracker(release, refused)))))
      expect(error).toBe(refused)
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
      const tracker = yield* ExperimentTracker
      expect((yield* Effect.either(tracker.get(experiment.experimentId)))._tag).toBe("Left")
    }).pipe(Effect.provide(storeLayer(store.root)), Effect.ensuring(Effect.sync(store.cleanup)))
  })
})
