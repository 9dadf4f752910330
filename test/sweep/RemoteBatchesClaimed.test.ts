/**
 * The coordinator's wait (nodes/sweep/RemoteBatches.ts) tells the sweep once no batch is left
 * waiting for a worker (`onAllClaimed`): every job running or done, so workers fall idle and the
 * kept variants' projection can be built meanwhile. Told once, not while a job is still queued.
 * Each batch done is handed over with its group entries' outputs (the sweep reads them then).
 * The queue is an in-memory fake whose job states follow a script; a run ends on a job failed
 * for good, or once every job is done.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { GroupEntry } from "../../store/index.js"
import { remoteSweepBatches } from "../../nodes/sweep/index.js"
import { ActionCache, ArtifactId, Digest } from "../../store/index.js"
import { type JobQueueShape, type JobState, JobQueue } from "../../store/postgres/index.js"
import { RemoteTransfer, type RemoteTransferShape } from "../../store/remote/index.js"
import { storeLayer, tempStore } from "../experiment/support.js"

const digest = (c: string) => Schema.decodeSync(Digest)(`blake3:${c.repeat(64)}`)
const input = Schema.decodeSync(ArtifactId)(`art_${"a".repeat(64)}`)

/** A queue whose `states` answers come from `script` in turn (the last one repeats). */
const scriptedQueue = (script: ReadonlyArray<ReadonlyArray<JobState["status"]>>, log: Array<string>, onEnqueue: Effect.Effect<void> = Effect.void) => {
  let keys: ReadonlyArray<string> = []
  let call = 0
  const refuse = () => Effect.dieMessage("not used here")
  const queue: JobQueueShape = {
    enqueue: (_, jobs) => Effect.zipRight(onEnqueue, Effect.sync(() => void (keys = jobs.map((job) => job.key)))),
    claim: refuse,
    heartbeat: refuse,
    complete: refuse,
    fail: refuse,
    release: refuse,
    withdraw: () => Effect.succeed({ removed: 0, finishing: 0 }),
    states: () =>
      Effect.sync(() => {
        const statuses = script[Math.min(call++, script.length - 1)]!
        log.push(`states ${statuses.join(",")}`)
        return keys.map((key, i): JobState => ({
          key,
          status: statuses[i]!,
          attempts: 1,
          error: statuses[i] === "failed" ? "the batch failed" : null
        }))
      }),
    wakeups: () => Effect.succeed({ wait: () => Effect.succeed(false), notes: Effect.succeed([]) }),
    announce: refuse
  }
  return queue
}

const transfer: RemoteTransferShape = {
  location: "memory://test",
  mode: "read-write",
  push: () => Effect.dieMessage("not used here"),
  pull: () => Effect.dieMessage("not used here"),
  pushArtifacts: () => Effect.void,
  pullArtifacts: () => Effect.succeed(true)
}

describe("sweep workers: the coordinator's wait", () => {
  const store = tempStore("pipeline-claimed-")
  afterAll(() => store.cleanup())

  it.live("onAllClaimed is called once, when no job is queued any more", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const queue = scriptedQueue([
        ["queued", "queued"],
        ["running", "queued"],
        ["running", "running"],
        ["running", "running"],
        ["failed", "running"]
      ], log)
      const runner = yield* remoteSweepBatches().pipe(Effect.provideService(JobQueue, queue), Effect.provideService(RemoteTransfer, transfer))
      const failed = yield* Effect.flip(runner.run({
        definitionEncoded: {},
        inputs: { alerts: [input], ohlcv: [] },
        lineage: [input],
        batches: [[{ key: digest("1"), strategyEncoded: {} }], [{ key: digest("2"), strategyEncoded: {} }]],
        onBatchDone: () => Effect.void,
        onAllClaimed: Effect.sync(() => void log.push("all claimed"))
      }))
      expect(failed._tag).toBe("SweepJobFailed")
      expect(log).toEqual([
        "states queued,queued",
        "states running,queued",
        "states running,running",
        "all claimed",
        "states running,running",
        "states failed,running"
      ])
    }).pipe(Effect.provide(storeLayer(store.root))))

  it.live("a batch done is handed over with its group entry's outputs", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const outputs = {
        results: { artifactId: Schema.decodeSync(ArtifactId)(`art_${"b".repeat(64)}`), digest: digest("b") },
        daily: { artifactId: Schema.decodeSync(ArtifactId)(`art_${"c".repeat(64)}`), digest: digest("c") }
      }
      // The batch is not done when the run looks before queueing it; its worker's entry is there once it is.
      const evaluated = Effect.orDie((yield* ActionCache).putGroup({
        key: digest("9"),
        node: "sweep-variant",
        members: [digest("3")],
        outputs,
        ranAt: new Date(0).toISOString(),
        durationMs: 0
      }))
      const queue = scriptedQueue([["running"], ["done"]], log, evaluated)
      const runner = yield* remoteSweepBatches().pipe(Effect.provideService(JobQueue, queue), Effect.provideService(RemoteTransfer, transfer))
      const done: Array<readonly [number, ReadonlyArray<GroupEntry["outputs"]>]> = []
      let claimed = 0
      yield* runner.run({
        definitionEncoded: {},
        inputs: { alerts: [input], ohlcv: [] },
        lineage: [input],
        batches: [[{ key: digest("3"), strategyEncoded: {} }]],
        onBatchDone: (members, groups) => Effect.sync(() => void done.push([members, groups])),
        onAllClaimed: Effect.sync(() => void claimed++)
      })
      expect(log).toEqual(["states running", "states done"])
      expect(done).toEqual([[1, [outputs]]])
      expect(claimed).toBe(1)
    }).pipe(Effect.provide(storeLayer(store.root))))
})
