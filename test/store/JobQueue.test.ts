/**
 * The job queue in the catalog database (store/postgres/JobQueue.ts), on the test server, one fresh
 * database per test: concurrent claimers never take the same job; jobs enqueued together are
 * claimed in the order given; an expired lease is redelivered and counts an attempt, one with no
 * attempt left fails the job; heartbeats keep a lease; release gives a job back without counting
 * the attempt; a failure is retried while attempts remain; enqueue
 * leaves a queued job alone and queues a finished one again; withdraw removes queued jobs and lets
 * running ones finish, but removes them rather than queue them again when their worker gives them
 * back, fails or dies, unless they were enqueued again since. Wake-ups: what makes a job claimable
 * (enqueue, release, a failure retried) wakes the queue's "queued" waiters, what ends one (complete,
 * a failure for good) its "finished" waiters, and nothing else does; an announced note reaches the
 * queue's "announced" waiters (and wakes them), in order, and no other queue's.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { JobWakeups } from "../../store/postgres/index.js"
import { JobQueue, jobQueuePostgres, PostgresCatalogLive } from "../../store/postgres/index.js"
import { freshDatabase } from "../support/postgres.js"

const withQueue = <A, E>(use: (queue: typeof JobQueue.Service) => Effect.Effect<A, E>) =>
  Effect.flatMap(freshDatabase("jobs"), (url) =>
    Effect.flatMap(JobQueue, use).pipe(
      Effect.provide(jobQueuePostgres.pipe(Layer.provide(PostgresCatalogLive.layer({ url, maxConnections: 8 }))))
    ))

const Q = "test-queue"
const jobsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `job-${String(i).padStart(2, "0")}`, payload: `p${i}` }))

describe("JobQueue (PostgreSQL)", () => {
  it.live("eight claimers at once take eight different jobs; then the queue is empty", () =>
    withQueue((queue) =>
      Effect.gen(function* () {
        yield* queue.enqueue(Q, jobsOf(8), { maxAttempts: 3 })
        const claimed = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) => queue.claim(Q, `worker-${i}`, 60_000)),
          { concurrency: "unbounded" }
        )
        expect(claimed.every((job) => job !== undefined)).toBe(true)
        expect(new Set(claimed.map((job) => job!.key)).size).toBe(8)
        expect(claimed.every((job) => job!.attempts === 1)).toBe(true)
        expect(yield* queue.claim(Q, "late", 60_000)).toBeUndefined()
        // Another queue's claimer sees none of them.
        yield* queue.enqueue("other", [{ key: "other-1", payload: "x" }], { maxAttempts: 1 })
        expect((yield* queue.claim("other", "w", 60_000))?.key).toBe("other-1")
      })))

  it.live("jobs enqueued together are claimed in the order given, not by key", () =>
    withQueue((queue) =>
      Effect.gen(function* () {
        const given = [...jobsOf(6)].reverse()
        yield* queue.enqueue(Q, given, { maxAttempts: 1 })
        const claimed: Array<string> = []
        for (let i = 0; i < 6; i++) claimed.push((yield* queue.claim(Q, "w", 60_000))!.key)
        expect(claimed).toEqual(given.map((job) => job.key))
      })))

  it.live("an expired lease is redelivered as a new attempt; with none left, the job fails", () =>
    withQueue((queue) =>
      Effect.gen(function* () {
        yield* queue.enqueue(Q, jobsOf(1), { maxAttempts: 2 })
        const first = yield* queue.claim(Q, "dies", 1000)
        expect(first?.attempts).toBe(1)
        expect(yield* queue.claim(Q, "other", 1000)).toBeUndefined()
        yield* Effect.sleep("1200 millis")
        const second = yield* queue.claim(Q, "other", 1000)
        expect(second).toMatchObject({ key: "job-00", payload: "p0", attempts: 2 })
        // The first owner's lease is gone: its heartbeat says so.
        expect(yield* queue.heartbeat("job-00", "dies", 1000)).toBe(false)
        yield* Effect.sleep("1200 millis")
        expect(yield* queue.claim(Q, "third", 1000)).toBeUndefined()
        const [state] = yield* queue.states(["job-00"])
        expect(state).toMatchObject({ status: "failed", attempts: 2 })
        expect(state!.error).toMatch(/stopped before finishing it \(2 attempts\)/)
      })))

  it.live("heartbeats keep a lease; release gives the job back without counting the attempt", () =>
    withQueue((queue) =>
      Effect.gen(function* () {
        yield* queue.enqueue(Q, jobsOf(1), { maxAttempts: 1 })
        yield* queue.claim(Q, "a", 1000)
        // 4 × 400 ms: past the lease, kept by the beats.
        for (let i = 0; i < 4; i++) {
          yield* Effect.sleep("400 millis")
          expect(yield* queue.heartbeat("job-00", "a", 1000)).toBe(true)
        }
        expect(yield* queue.claim(Q, "b", 1000)).toBeUndefined()
        yield* queue.release("job-00", "a")
        expect(yield* queue.claim(Q, "b", 1000)).toMatchObject({ key: "job-00", attempts: 1 })
      })))

  it.live("a failure is retried while attempts remain, then recorded; done jobs are queued again by enqueue, queued ones left alone", () =>
    withQueue((queue) =>
      Effect.gen(function* () {
        yield* queue.enqueue(Q, jobsOf(2), { maxAttempts: 2 })
        const a = yield* queue.claim(Q, "w", 60_000)
        yield* queue.fail(a!.key, "w", "boom 1")
        expect((yield* queue.states([a!.key]))[0]).toMatchObject({ status: "queued", error: "boom 1" })
        const b = yield* queue.claim(Q, "w", 60_000)
        const again = b!.key === a!.key ? b! : (yield* queue.claim(Q, "w", 60_000))!
        expect(again).toMatchObject({ key: a!.key, attempts: 2 })
        yield* queue.fail(again.key, "w", "boom 2")
        expect((yield* queue.states([a!.key]))[0]).toMatchObject({ status: "failed", attempts: 2, error: "boom 2" })

        // Re-enqueued: the failed job is queued afresh; a queued or running one is untouched.
        const other = b!.key === a!.key ? (yield* queue.claim(Q, "w", 60_000))! : b!
        yield* queue.complete(other.key)
        yield* queue.enqueue(Q, jobsOf(2), { maxAttempts: 2 })
        const states = yield* queue.states(jobsOf(2).map((job) => job.key))
        expect(states.map((state) => [state.status, state.attempts, state.error]).sort()).toEqual([
          ["queued", 0, null],
          ["queued", 0, null]
        ])
        yield* queue.claim(Q, "w", 60_000)
        yield* queue.enqueue(Q, jobsOf(2), { maxAttempts: 2 })
        const after = yield* queue.states(jobsOf(2).map((job) => job.key))
        expect(after.map((state) => state.status).sort()).toEqual(["queued", "running"])
      })))

  it.live("withdraw removes queued jobs; a running one still completes, or is removed (not redelivered) when its worker stops", () =>
    withQueue((queue) =>
      Effect.gen(function* () {
        yield* queue.enqueue(Q, jobsOf(6), { maxAttempts: 3 })
        const finishes = (yield* queue.claim(Q, "a", 60_000))!
        const givenBack = (yield* queue.claim(Q, "b", 60_000))!
        const fails = (yield* queue.claim(Q, "c", 60_000))!
        // Claimed by a worker that dies: its lease runs out.
        expect(yield* queue.claim(Q, "d", 1000)).toBeDefined()
        const wantedAgain = (yield* queue.claim(Q, "e", 60_000))!
        const keys = jobsOf(6).map((job) => job.key)
        expect(yield* queue.withdraw(keys)).toEqual({ removed: 1, finishing: 5 })
        // Nothing is left to claim: the queued job is gone.
        expect(yield* queue.claim(Q, "late", 60_000)).toBeUndefined()
        expect(yield* queue.heartbeat(finishes.key, "a", 60_000)).toBe(true)

        yield* queue.complete(finishes.key)
        yield* queue.release(givenBack.key, "b")
        yield* queue.fail(fails.key, "c", "boom")
        // Another coordinator asks for this one again: its worker's release queues it as usual.
        yield* queue.enqueue(Q, [jobsOf(6).find((job) => job.key === wantedAgain.key)!], { maxAttempts: 3 })
        yield* queue.release(wantedAgain.key, "e")
        yield* Effect.sleep("1200 millis")
        // The expired withdrawn lease is not redelivered; the wanted-again job is.
        expect(yield* queue.claim(Q, "f", 60_000)).toMatchObject({ key: wantedAgain.key, attempts: 1 })
        expect(yield* queue.claim(Q, "g", 60_000)).toBeUndefined()
        const states = yield* queue.states(keys)
        expect(states.map((state) => [state.key, state.status]).sort()).toEqual([
          [finishes.key, "done"],
          [wantedAgain.key, "running"]
        ])
      })))

  it.live("wake-ups: enqueue, release and a retried failure wake the queue's queued waiters, complete and a failure for good its finished waiters; nothing else does", () =>
    withQueue((queue) =>
      Effect.scoped(Effect.gen(function* () {
        const queued = yield* queue.wakeups(Q, ["queued"])
        const finished = yield* queue.wakeups(Q, ["finished"])
        // LISTEN takes effect a little after wakeups returns (a notification before it is lost, as
        // the queue allows): poke until one arrives, then let any late one drain.
        const primed = (wakeups: JobWakeups, poke: Effect.Effect<unknown, unknown>) =>
          Effect.gen(function* () {
            let woken = false
            for (let i = 0; i < 100 && !woken; i++) {
              yield* Effect.orDie(poke)
              woken = yield* wakeups.wait(100)
            }
            expect(woken).toBe(true)
            while (yield* wakeups.wait(300)) { /* a late notification of an earlier poke */ }
          })
        yield* primed(queued, queue.enqueue(Q, [{ key: "probe", payload: "" }], { maxAttempts: 1 }))
        const probe = (yield* queue.claim(Q, "w", 60_000))!
        yield* primed(finished, Effect.zipRight(queue.complete(probe.key), queue.enqueue(Q, [{ key: "probe", payload: "" }], { maxAttempts: 1 })))
        // Left queued by the last poke: out of the way.
        yield* queue.withdraw(["probe"])
        while (yield* queued.wait(300)) { /* the pokes' enqueue notifications */ }

        // Another queue's jobs wake neither.
        yield* queue.enqueue("other", [{ key: "elsewhere", payload: "" }], { maxAttempts: 1 })
        expect(yield* queued.wait(500)).toBe(false)
        yield* queue.complete((yield* queue.claim("other", "w", 60_000))!.key)
        expect(yield* finished.wait(500)).toBe(false)

        yield* queue.enqueue(Q, jobsOf(1), { maxAttempts: 2 })
        expect(yield* queued.wait(30_000)).toBe(true)
        // Claims and heartbeats wake nobody.
        const job = (yield* queue.claim(Q, "w", 60_000))!
        yield* queue.heartbeat(job.key, "w", 60_000)
        expect(yield* queued.wait(500)).toBe(false)
        yield* queue.release(job.key, "w")
        expect(yield* queued.wait(30_000)).toBe(true)
        yield* queue.claim(Q, "w", 60_000)
        yield* queue.fail(job.key, "w", "once")
        expect(yield* queued.wait(30_000)).toBe(true)
        expect(yield* finished.wait(500)).toBe(false)
        expect(yield* queue.claim(Q, "w", 60_000)).toMatchObject({ key: job.key, attempts: 2 })
        yield* queue.complete(job.key)
        expect(yield* finished.wait(30_000)).toBe(true)
        // Completing it again changes nothing and wakes nobody.
        yield* queue.complete(job.key)
        expect(yield* finished.wait(500)).toBe(false)

        yield* queue.enqueue(Q, [{ key: "fragile", payload: "" }], { maxAttempts: 1 })
        expect(yield* queued.wait(30_000)).toBe(true)
        yield* queue.claim(Q, "w", 60_000)
        yield* queue.fail("fragile", "w", "for good")
        expect((yield* queue.states(["fragile"]))[0]!.status).toBe("failed")
        expect(yield* finished.wait(30_000)).toBe(true)
        expect(yield* queued.wait(500)).toBe(false)
      }))))

  it.live("announce: a note wakes the queue's announced waiters, who read the notes in order; another queue's notes and other events leave them", () =>
    withQueue((queue) =>
      Effect.scoped(Effect.gen(function* () {
        const announced = yield* queue.wakeups(Q, ["announced"])
        // LISTEN takes effect a little after wakeups returns: announce until a note arrives.
        let woken = false
        for (let i = 0; i < 100 && !woken; i++) {
          yield* queue.announce(Q, "probe")
          woken = yield* announced.wait(100)
        }
        expect(woken).toBe(true)
        while (yield* announced.wait(300)) { /* late probes */ }
        expect(new Set(yield* announced.notes)).toEqual(new Set(["probe"]))

        yield* queue.announce("other", "not for Q")
        yield* queue.enqueue(Q, jobsOf(1), { maxAttempts: 1 })
        expect(yield* announced.wait(500)).toBe(false)
        expect(yield* announced.notes).toEqual([])

        yield* queue.announce(Q, "first")
        yield* queue.announce(Q, "second, with\na newline")
        expect(yield* announced.wait(30_000)).toBe(true)
        let notes: ReadonlyArray<string> = []
        for (let i = 0; i < 100 && notes.length < 2; i++) {
          notes = [...notes, ...(yield* announced.notes)]
          if (notes.length < 2) yield* announced.wait(100)
        }
        expect(notes).toEqual(["first", "second, with\na newline"])
        // A note longer than a notification may carry fails (the caller treats it as the hint it is).
        const tooLong = yield* Effect.flip(queue.announce(Q, "x".repeat(9000)))
        expect(tooLong._tag).toBe("StoreIOError")
      }))))
})
