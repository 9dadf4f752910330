/**
 * The coordinator's wait (nodes/sweep/RemoteBatches.ts) tells the sweep once no batch is left
 * waiting for a worker (`onAllClaimed`): every job running or done, so workers fall idle and the
 * kept variants' projection can be built meanwhile. Told once, not while a job is still queued.
 * The queue is an in-memory fake whose job states follow a script; the run ends on a job failed
 * for good (its states are all the test needs).
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { remoteSweepBatches } from "../../nodes/sweep/index.js"
import { ArtifactId, Digest } from "../../store/index.js"
import { type JobQueueShape, type JobState, JobQueue } from "../../store/postgres/index.js"
import { RemoteTransfer, type RemoteTransferShape } from "../../store/remote/index.js"
import { storeLayer, tempStore } from "../experiment/support.js"

const digest = (c: string) => Schema.decodeSync(Digest)(`blake3:${c.repeat(64)}`)
const input = Schema.decodeSync(ArtifactId)(`art_${"a".repeat(64)}`)

/** A queue whose `states` answers come from `script` in turn (the last one repeats). */
const scriptedQueue = (script: ReadonlyArray<ReadonlyArray<JobState["status"]>>, log: Array<string>) => {
  let keys: ReadonlyArray<string> = []
  let call = 0
  const refuse = () => Effect.dieMessage("not used here")
  const queue: JobQueueShape = {
    enqueue: (_, jobs) => Effect.sync(() => void (keys = jobs.map((job) => job.key))),
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
})
