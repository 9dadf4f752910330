/**
 * Sweep batches evaluated by `pipeline worker` processes: a job queue in the catalog database
 * (store/postgres JobQueue, `FOR UPDATE SKIP LOCKED`), artifacts through the S3-API remote.
 *
 * The coordinator (`run --workers remote`, `remoteSweepBatches`):
 * 1. uploads the sweep's input artifacts and validate's coverage to the remote (workers read them);
 *    the inputs as soon as they are known, then it announces them so idle workers download them
 *    while it validates and keys the variants;
 * 2. for each batch, first downloads a result some earlier job left (a group entry in the catalog
 *    whose artifacts are on the remote), then enqueues the rest — one job per batch, keyed by its
 *    member keys, so a coordinator asking again for a queued or running batch shares its job;
 * 3. waits, downloading each batch's artifacts as its job is done, and fails with the worker's
 *    error when a job failed for good.
 * Interrupted (Ctrl-C, --timeout) or failed while waiting, it withdraws its jobs: those no worker has
 * claimed are removed from the queue; those being evaluated are finished and published by their
 * workers but not delivered again (JobQueue.withdraw).
 * Then the sweep reads the batches as cached ones: the leaderboard's bytes are the same as when
 * they are evaluated here.
 *
 * A worker (`runSweepWorker`) claims a job, downloads its inputs, builds the projection and the
 * batch node exactly as a sweep does here (SweepBatches), evaluates and publishes it (objects in
 * its local store, manifests and the group entry in the catalog), uploads the batch's artifacts,
 * and only then marks the job done. A lease, extended by heartbeats, covers the work: a worker
 * killed mid-batch stops heartbeating, its lease expires and the job is delivered to another
 * worker; a batch is deterministic and content-addressed, so evaluating it twice publishes the
 * same bytes and the first group entry wins.
 */
import { Cause, Clock, Duration, Effect, Exit, Fiber, Option, Schedule, Schema, Scope } from "effect"
import { closeInOwnFiber, execute, makeResourceSession, type ResourceSession } from "../../pipeline/index.js"
import { ActionCache, ArtifactId, canonicalDigest, Digest, type GroupEntry } from "../../store/index.js"
import { type ClaimedJob, JobQueue, type Withdrawal } from "../../store/postgres/index.js"
import { RemoteTransfer } from "../../store/remote/index.js"
import { decodeDefinition, isSweep } from "../experiment/Definition.js"
import { inputNodes } from "../experiment/ExperimentDag.js"
import { engineVersions } from "../runtime/index.js"
import { Strategy } from "../simulate/index.js"
import { type BatchMember, type SweepBatchRequest, type SweepBatchRunner, sweepBatchNodes } from "./SweepBatches.js"
import { RemoteSweepFailed, SweepJobFailed } from "./SweepError.js"
import { sweepWindows } from "./SweepWalkForward.js"
import { SWEEP_VERSION } from "./SweepVersion.js"

/** The queue's name in `pipeline_jobs`. */
export const SWEEP_QUEUE = "sweep-batch"

/** A job's payload: everything a worker needs to evaluate the batch as the coordinator would. */
const BatchJob = Schema.Struct({
  sweepVersion: Schema.String,
  /** The coordinator's engine versions (a worker running other code refuses the job). */
  engine: Schema.Struct({ pipeline: Schema.String, duckdb: Schema.String }),
  /** The definition as written. */
  definition: Schema.Unknown,
  inputs: Schema.Struct({ alerts: Schema.Array(ArtifactId), ohlcv: Schema.Array(ArtifactId) }),
  lineage: Schema.Array(ArtifactId),
  variants: Schema.Array(Schema.Struct({ key: Digest, strategy: Schema.Unknown }))
})
type BatchJob = typeof BatchJob.Type
const batchJobJson = Schema.parseJson(BatchJob)

/**
 * What a coordinator announces once a sweep's inputs are on the remote, before its batches exist
 * (validate and the variant keys come first): idle workers download them meanwhile.
 */
const prefetchNoteJson = Schema.parseJson(Schema.Struct({ prefetch: Schema.Array(ArtifactId) }))

/** A batch's job key: its member keys (which fix everything it computes) under the sweep's version. */
const jobKeyOf = (members: ReadonlyArray<string>) =>
  Effect.map(Effect.orDie(canonicalDigest({ job: "sweep-batch", sweepVersion: SWEEP_VERSION, members })), (digest) => digest.slice(7))

/** The artifact ids a group entry points at. */
const outputIds = (group: GroupEntry): Array<ArtifactId> => Object.values(group.outputs).map((output) => output.artifactId)

/** A batch's job as the coordinator queues it. */
interface QueuedJob {
  readonly key: string
  readonly members: ReadonlyArray<Digest>
  readonly payload: string
}

export interface RemoteSweepOptions {
  /** Attempts a batch gets (deliveries, a worker's death included) before it fails the sweep (default 5). */
  readonly maxAttempts?: number
  /**
   * The longest pause between two looks at the queue (default 250 ms; the first ones are shorter):
   * a batch done is seen at once by its notification, within this time if that is lost.
   */
  readonly pollMs?: number
  /** Told how many batches are queued for the workers (0 when every batch was already done). */
  readonly onQueued?: (batches: number) => Effect.Effect<void>
  /** Told what became of the queued batches when the sweep stopped waiting for them (interrupted or failed). */
  readonly onWithdrawn?: (withdrawal: Withdrawal) => Effect.Effect<void>
}

/**
 * The coordinator's side (`run --workers remote`): needs the catalog's JobQueue, the remote's
 * RemoteTransfer (read-write) and the action cache.
 */
export const remoteSweepBatches = (options: RemoteSweepOptions = {}) =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const transfer = yield* RemoteTransfer
    const cache = yield* ActionCache
    const engine = yield* engineVersions
    const maxPoll = options.pollMs ?? 250

    /** Brings the batch's result local when a group entry and its artifacts exist: the entries' outputs when it did. */
    const fetchDone = (members: ReadonlyArray<Digest>) =>
      Effect.gen(function*() {
        const groups = yield* cache.lookupMembers(members, { requireSoundOutputs: false })
        const byKey = new Map<string, GroupEntry>()
        for (const group of groups.values()) byKey.set(group.key, group)
        if (members.some((key) => !groups.has(key))) return undefined
        for (const group of byKey.values()) if (!(yield* transfer.pullArtifacts(outputIds(group)))) return undefined
        return [...byKey.values()].map((group) => group.outputs)
      })

    /** Queues the jobs and waits for them, downloading each batch as its job is done. */
    const enqueueAndWait = (request: SweepBatchRequest, jobs: ReadonlyArray<QueuedJob>) =>
      Effect.scoped(Effect.gen(function*() {
        // Listening before the jobs exist: a job's end wakes the wait below instead of its next look.
        const finished = yield* queue.wakeups(SWEEP_QUEUE, ["finished"])
        yield* queue.enqueue(SWEEP_QUEUE, jobs, { maxAttempts: options.maxAttempts ?? 5 })
        const waiting = new Map(jobs.map((job) => [job.key, job]))
        let pause = 100
        let allClaimed = false
        while (waiting.size > 0) {
          const before = waiting.size
          const states = yield* queue.states([...waiting.keys()])
          if (!allClaimed && states.length === waiting.size && states.every((state) => state.status !== "queued")) {
            allClaimed = true
            if (request.onAllClaimed !== undefined) yield* request.onAllClaimed
          }
          for (const state of states) {
            const job = waiting.get(state.key)!
            if (state.status === "failed") {
              return yield* new SweepJobFailed({ job: state.key, attempts: state.attempts, error: state.error ?? "unknown error" })
            }
            if (state.status !== "done") continue
            const outputs = yield* fetchDone(job.members)
            if (outputs === undefined) {
              return yield* new RemoteSweepFailed({
                detail: `batch ${state.key} is done but its artifacts cannot be downloaded from ${transfer.location}`
              })
            }
            waiting.delete(state.key)
            yield* request.onBatchDone(job.members.length, outputs)
          }
          if (waiting.size === 0) break
          const missing = [...waiting.keys()].filter((key) => !states.some((state) => state.key === key))
          // A job row removed under us (someone cleared the queue): queued again.
          if (missing.length > 0) {
            yield* queue.enqueue(SWEEP_QUEUE, missing.map((key) => waiting.get(key)!), { maxAttempts: options.maxAttempts ?? 5 })
          }
          // Look again soon while batches are finishing, less often while none does (or at once when one ends).
          if (waiting.size < before) pause = 100
          yield* finished.wait(pause)
          pause = Math.min(maxPoll, pause * 2)
        }
      }))

    const upload = (artifacts: ReadonlyArray<ArtifactId>) =>
      Effect.mapError(
        transfer.pushArtifacts(artifacts),
        (error) => new RemoteSweepFailed({ detail: `cannot upload the sweep's inputs to ${transfer.location}: ${error.message}` })
      )

    const runner: SweepBatchRunner = {
      // Uploaded, then announced: idle workers start downloading the inputs before the batches exist.
      stage: (inputs) =>
        Effect.zipRight(
          upload(inputs),
          Effect.flatMap(Effect.orDie(Schema.encode(prefetchNoteJson)({ prefetch: inputs })), (note) =>
            // A hint: a note too long for a notification, or a failed one, only costs the workers that time later.
            Effect.ignore(queue.announce(SWEEP_QUEUE, note)))
        ),
      run: (request) =>
        Effect.gen(function*() {
          // 1. What the workers read: the inputs and validate's coverage (with their lineage).
          yield* upload(request.lineage)
          // 2. Batches already done somewhere are downloaded; the others become jobs.
          const jobs: Array<QueuedJob> = []
          for (const batch of request.batches) {
            const members = batch.map((variant) => variant.key)
            const done = yield* fetchDone(members)
            if (done !== undefined) {
              yield* request.onBatchDone(members.length, done)
              continue
            }
            const job: BatchJob = {
              sweepVersion: SWEEP_VERSION,
              engine,
              definition: request.definitionEncoded,
              inputs: request.inputs,
              lineage: request.lineage,
              variants: batch.map((variant) => ({ key: variant.key, strategy: variant.strategyEncoded }))
            }
            jobs.push({
              key: yield* jobKeyOf(members),
              members,
              payload: yield* Effect.orDie(Schema.encode(batchJobJson)(job))
            })
          }
          if (options.onQueued !== undefined) yield* options.onQueued(jobs.length)
          if (jobs.length === 0) return
          yield* Effect.onExit(
            enqueueAndWait(request, jobs),
            // Stopped before every batch was done: no batch nobody waits for stays queued.
            (exit) =>
              Exit.isSuccess(exit) ? Effect.void : queue.withdraw(jobs.map((job) => job.key)).pipe(
                Effect.flatMap((withdrawal) => options.onWithdrawn?.(withdrawal) ?? Effect.void),
                Effect.ignore
              )
          )
        })
    }

    return runner
  })

// ---- the worker ----------------------------------------------------------------------------------

export type SweepWorkerEvent =
  | { readonly _tag: "Claimed"; readonly job: string; readonly variants: number; readonly attempt: number }
  | {
    readonly _tag: "Done"
    readonly job: string
    readonly variants: number
    readonly durationMs: number
    /** The resources (projection, worker pool) built for this job: none when it reused the last job's. */
    readonly built: ReadonlyArray<string>
  }
  | { readonly _tag: "Failed"; readonly job: string; readonly error: string }
  | { readonly _tag: "Released"; readonly job: string }
  /** An announced sweep's inputs downloaded ahead of its batches (`complete`: all of them are local now). */
  | { readonly _tag: "Prefetched"; readonly artifacts: number; readonly complete: boolean }

export interface SweepWorkerOptions {
  /** Who holds a lease (host and process id): what the queue records. */
  readonly owner: string
  /** Worker threads evaluating a batch's variants. */
  readonly threads: number
  /** How long a claim lasts without a heartbeat (default 30 s); heartbeats come every third of it. */
  readonly leaseMs?: number
  /**
   * The pause between two looks at an empty queue (default 250 ms): newly queued batches wake the
   * worker at once by their notification, within this time if that is lost; an expired lease is found by looking.
   */
  readonly pollMs?: number
  /** Stop after this long without a job (default: never). */
  readonly idleExitMs?: number
  /** Stop after this many jobs (default: never). */
  readonly maxJobs?: number
  readonly onEvent?: (event: SweepWorkerEvent) => Effect.Effect<void>
}

/** Why a worker could not evaluate a job (recorded on the job; another worker may try it). */
class JobUnusable extends Schema.TaggedError<JobUnusable>()("JobUnusable", { detail: Schema.String }) {
  override get message() {
    return this.detail
  }
}

/**
 * The resources (projection, worker pool) of the last job, kept for the next job of the same sweep:
 * `sessionFor(sweep)` reuses them when `sweep` is the last job's, else disposes them and starts
 * anew; `dispose` disposes them (a failed job, the worker stopping).
 */
const makeKeptResources = Effect.sync(() => {
  let kept: { readonly sweep: string; readonly scope: Scope.CloseableScope; readonly session: ResourceSession } | undefined
  const dispose = Effect.suspend(() => {
    const last = kept
    kept = undefined
    // On a fiber of its own: the worker's loop, which runs for hours, keeps nothing of the jobs (pipeline/ScopedFiber.ts).
    return last === undefined ? Effect.void : closeInOwnFiber(last.scope, Exit.void)
  })
  const sessionFor = (sweep: string) =>
    Effect.suspend(() => {
      if (kept !== undefined && kept.sweep === sweep) return Effect.succeed(kept.session)
      return Effect.zipRight(
        dispose,
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          const session = yield* Scope.extend(makeResourceSession(), scope)
          kept = { sweep, scope, session }
          return session
        })
      )
    })
  return { sessionFor, dispose }
})

/** Evaluates one claimed job's batch and uploads its artifacts. */
const evaluateJob = (job: ClaimedJob, threads: number, sessionFor: (sweep: string) => Effect.Effect<ResourceSession>) =>
  Effect.gen(function*() {
    const transfer = yield* RemoteTransfer
    const payload = yield* Effect.mapError(
      Schema.decodeUnknown(batchJobJson)(job.payload),
      (error) => new JobUnusable({ detail: `the job does not decode: ${error.message}` })
    )
    const engine = yield* engineVersions
    if (payload.sweepVersion !== SWEEP_VERSION || payload.engine.pipeline !== engine.pipeline || payload.engine.duckdb !== engine.duckdb) {
      return yield* new JobUnusable({
        detail: `the job was made by pipeline ${payload.engine.pipeline} (duckdb ${payload.engine.duckdb}, sweep ${payload.sweepVersion}); ` +
          `this worker runs ${engine.pipeline} (duckdb ${engine.duckdb}, sweep ${SWEEP_VERSION})`
      })
    }
    const definition = yield* Effect.mapError(decodeDefinition(payload.definition, `job ${job.key}`), (error) => new JobUnusable({ detail: error.message }))
    if (!isSweep(definition)) return yield* new JobUnusable({ detail: "the job's definition has no sweep block" })
    const members: Array<BatchMember> = yield* Effect.forEach(payload.variants, (variant) =>
      Effect.map(
        Effect.mapError(Schema.decodeUnknown(Strategy)(variant.strategy), (error) => new JobUnusable({ detail: `a variant's strategy: ${error.message}` })),
        (strategy) => ({ key: variant.key, strategy })
      ))
    const lineage = payload.lineage
    if (!(yield* transfer.pullArtifacts(lineage))) {
      return yield* new JobUnusable({ detail: `the sweep's inputs are not on ${transfer.location}` })
    }
    const shared = inputNodes(definition, payload.inputs)
    const walkForward = definition.sweep.walkForward
    const range = { from: Date.parse(definition.dateRange.from), to: Date.parse(definition.dateRange.to) }
    const node = sweepBatchNodes({
      definition,
      walkForward,
      windows: walkForward === undefined ? [] : sweepWindows(walkForward, range),
      project: shared.project,
      lineage,
      workers: threads
    }, () => Effect.void)(members)
    // Jobs of one sweep share its definition, inputs and lineage: hence their projection.
    const resources = yield* sessionFor(JSON.stringify([payload.definition, payload.inputs, lineage]))
    const report = yield* execute([node], { engine, seed: definition.seed, concurrency: 2, resources })
    const outputs = report.of(node).outputs ?? {}
    // The group entry is in the catalog; the job is done once its artifacts are on the remote too.
    yield* transfer.pushArtifacts(Object.values(outputs).map((output) => output.artifactId))
    const built = report.nodes.flatMap((entry) => (entry.acquired === true ? [entry.node.name] : []))
    return { variants: members.length, built }
  })

/**
 * `pipeline worker`: claims sweep batches from the catalog's queue until stopped (or idle for
 * `idleExitMs`, or `maxJobs` done), each under a lease it extends while working. Interrupted
 * mid-batch, it gives the job back (queued again, the attempt not counted) and publishes nothing
 * more. Returns the number of jobs done.
 */
export const runSweepWorker = (options: SweepWorkerOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const queue = yield* JobQueue
    const leaseMs = options.leaseMs ?? 30_000
    const pollMs = options.pollMs ?? 250
    const emit = options.onEvent ?? (() => Effect.void)
    const transfer = yield* RemoteTransfer
    // A job queued, or a sweep announced, while this worker waits wakes it at once (the wait below is the poll otherwise).
    const signals = yield* queue.wakeups(SWEEP_QUEUE, ["queued", "announced"])
    // Disposed whatever the exit: the worker stopping, failing or interrupted.
    const kept = yield* Effect.acquireRelease(makeKeptResources, (resources) => resources.dispose)
    let done = 0
    let idleSince = yield* Clock.currentTimeMillis
    while (options.maxJobs === undefined || done < options.maxJobs) {
      const job = yield* queue.claim(SWEEP_QUEUE, options.owner, leaseMs)
      if (job === undefined) {
        // An empty queue: the sweep is done (or not started); an idle worker holds no projection.
        yield* kept.dispose
        // A sweep about to queue its batches named its inputs: downloaded now, while its coordinator
        // validates and keys the variants, instead of in this worker's first batch (the latest
        // sweep's only; then the queue is looked at again at once).
        const note = Option.flatMap(Option.fromNullable((yield* signals.notes).at(-1)), Schema.decodeUnknownOption(prefetchNoteJson))
        if (Option.isSome(note)) {
          const complete = yield* transfer.pullArtifacts(note.value.prefetch)
          yield* emit({ _tag: "Prefetched", artifacts: note.value.prefetch.length, complete })
          continue
        }
        if (options.idleExitMs !== undefined && (yield* Clock.currentTimeMillis) - idleSince >= options.idleExitMs) break
        yield* signals.wait(pollMs)
        continue
      }
      const started = yield* Clock.currentTimeMillis
      yield* emit({ _tag: "Claimed", job: job.key, variants: Option.getOrElse(variantCount(job.payload), () => 0), attempt: job.attempts })
      // Heartbeats keep the lease while the batch runs (a failed one is retried at the next beat).
      const heartbeat = yield* Effect.fork(
        Effect.repeat(
          Effect.ignore(queue.heartbeat(job.key, options.owner, leaseMs)),
          Schedule.spaced(Duration.millis(Math.max(100, Math.floor(leaseMs / 3))))
        )
      )
      const exit = yield* Effect.exit(evaluateJob(job, options.threads, kept.sessionFor).pipe(
        Effect.onInterrupt(() => Effect.zipRight(Effect.ignore(queue.release(job.key, options.owner)), emit({ _tag: "Released", job: job.key })))
      ))
      yield* Fiber.interrupt(heartbeat)
      if (Exit.isSuccess(exit)) {
        yield* queue.complete(job.key)
        done++
        yield* emit({
          _tag: "Done",
          job: job.key,
          variants: exit.value.variants,
          durationMs: (yield* Clock.currentTimeMillis) - started,
          built: exit.value.built
        })
      } else if (Cause.isInterruptedOnly(exit.cause)) {
        return yield* Effect.interrupt
      } else {
        // Nothing of a failed job is reused: the next one builds its resources anew.
        yield* kept.dispose
        const error = Cause.squash(exit.cause)
        const text = error instanceof Error ? error.message : String(error)
        yield* queue.fail(job.key, options.owner, text)
        yield* emit({ _tag: "Failed", job: job.key, error: text })
      }
      idleSince = yield* Clock.currentTimeMillis
    }
    return done
  }))

const variantCount = (payload: string) =>
  Option.map(Schema.decodeUnknownOption(batchJobJson)(payload), (job) => job.variants.length)
