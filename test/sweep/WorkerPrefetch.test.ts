/**
 * A sweep's inputs downloaded by idle workers before its batches exist (nodes/sweep/RemoteBatches.ts):
 * the coordinator's `stage` uploads the inputs, then announces them on the job queue; an idle
 * `runSweepWorker` that reads the note downloads them (once), reports it, and looks at the queue
 * again. A stage whose upload fails announces nothing. The queue and the remote are in-memory
 * fakes that record what they are asked (the PostgreSQL side of `announce` is test/store/JobQueue.test.ts).
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { remoteSweepBatches, runSweepWorker, SWEEP_QUEUE, type SweepWorkerEvent } from "../../nodes/sweep/index.js"
import { ArtifactId } from "../../store/index.js"
import { JobQueue, type JobQueueShape } from "../../store/postgres/index.js"
import { RemoteIOError, RemoteTransfer, type RemoteTransferShape } from "../../store/remote/index.js"
import { storeLayer, tempStore } from "../experiment/support.js"

const ids = ["a", "b", "c"].map((c) => Schema.decodeSync(ArtifactId)(`art_${c.repeat(64)}`))

/** A queue with no job, whose announcements are delivered to its (one) waiter. */
const fakeQueue = () => {
  const announced: Array<{ readonly queue: string; readonly note: string }> = []
  const listenedFor: Array<ReadonlyArray<string>> = []
  let unread: Array<string> = []
  const refuse = () => Effect.dieMessage("not used here")
  const queue: JobQueueShape = {
    enqueue: refuse,
    claim: () => Effect.succeed(undefined),
    heartbeat: refuse,
    complete: refuse,
    fail: refuse,
    release: refuse,
    withdraw: refuse,
    states: refuse,
    wakeups: (name, events) =>
      Effect.sync(() => {
        listenedFor.push(events)
        return {
          wait: (maxMs) => Effect.as(Effect.sleep(Math.min(maxMs, 5)), false),
          notes: Effect.sync(() => {
            const notes = unread
            unread = []
            return name === SWEEP_QUEUE ? notes : []
          })
        }
      }),
    announce: (name, note) =>
      Effect.sync(() => {
        announced.push({ queue: name, note })
        if (name === SWEEP_QUEUE) unread.push(note)
      })
  }
  return { queue, announced, listenedFor }
}

const fakeTransfer = (options: { readonly uploadFails?: boolean } = {}) => {
  const pushed: Array<ReadonlyArray<string>> = []
  const pulled: Array<ReadonlyArray<string>> = []
  const refuse = () => Effect.dieMessage("not used here")
  const transfer: RemoteTransferShape = {
    location: "memory://test",
    mode: "read-write",
    push: refuse,
    pull: refuse,
    pushArtifacts: (artifacts) =>
      options.uploadFails === true
        ? Effect.fail(new RemoteIOError({ operation: "put", key: "cas/x", reason: "the remote is down" }))
        : Effect.sync(() => void pushed.push(artifacts)),
    pullArtifacts: (artifacts) => Effect.sync(() => (pulled.push(artifacts), true))
  }
  return { transfer, pushed, pulled }
}

describe("sweep workers: inputs downloaded ahead of the batches", () => {
  const store = tempStore("pipeline-prefetch-")
  afterAll(() => store.cleanup())

  it.live("a staged sweep's inputs are announced; an idle worker downloads them once, reports it and goes on waiting", () => {
    const { announced, listenedFor, queue } = fakeQueue()
    const { pulled, pushed, transfer } = fakeTransfer()
    return Effect.gen(function*() {
      const runner = yield* remoteSweepBatches()
      yield* runner.stage(ids)
      expect(pushed).toEqual([ids])
      expect(announced.map((note) => note.queue)).toEqual([SWEEP_QUEUE])

      const events: Array<SweepWorkerEvent> = []
      const jobs = yield* runSweepWorker({
        owner: "test",
        threads: 0,
        pollMs: 5,
        idleExitMs: 100,
        onEvent: (event) => Effect.sync(() => void events.push(event))
      })
      expect(jobs).toBe(0)
      expect(listenedFor).toEqual([["queued", "announced"]])
      expect(pulled).toEqual([ids])
      expect(events).toEqual([{ _tag: "Prefetched", artifacts: 3, complete: true }])
    }).pipe(
      Effect.provide(storeLayer(store.root)),
      Effect.provideService(JobQueue, queue),
      Effect.provideService(RemoteTransfer, transfer)
    )
  })

  it.live("a stage whose upload fails announces nothing", () =>
    Effect.gen(function*() {
      const { announced, queue } = fakeQueue()
      const { transfer } = fakeTransfer({ uploadFails: true })
      const runner = yield* remoteSweepBatches().pipe(Effect.provideService(JobQueue, queue), Effect.provideService(RemoteTransfer, transfer))
      const failed = yield* Effect.flip(runner.stage(ids))
      expect(failed._tag).toBe("RemoteSweepFailed")
      expect(announced).toEqual([])
    }).pipe(Effect.provide(storeLayer(store.root))))
})
