/**
 * A work queue in the catalog database (`pipeline_jobs`), for jobs that are idempotent and whose
 * results land in the shared action cache (sweep batches run by `pipeline worker`).
 *
 * - `enqueue`: one row per job key, `INSERT … ON CONFLICT`: a job already queued or running is
 *   left alone (two coordinators asking for the same batch share one job); one that finished
 *   (done or failed) is queued again, since whoever enqueues it did not find its result.
 * - `claim`: the oldest queued job (jobs enqueued together are claimed in the order given), or a
 *   running one whose lease has expired (its worker died), is taken with `FOR UPDATE SKIP LOCKED`
 *   (claimers never block each other and never take the same row), leased to `owner` until the
 *   database's `now()` plus the lease. Each claim is an attempt;
 *   a job whose lease expired with no attempt left is marked failed instead of claimed again.
 * - `heartbeat` extends a lease its owner still holds; `complete`, `fail` and `release` end it.
 * - `withdraw`: whoever enqueued jobs no longer wants them (its coordinator was interrupted or
 *   failed). Queued ones are removed; running ones are marked withdrawn: their worker still finishes
 *   and completes them (results are content-addressed, so finishing is harmless), but one given
 *   back, failed or left with an expired lease is removed instead of being queued again. Enqueuing a
 *   withdrawn job again clears the mark (someone wants it after all).
 *
 * Every change that makes a job claimable (enqueue, release, a failure retried) sends a
 * notification on `pipeline_jobs_queued`, every one that ends a job (done, failed for good) one on
 * `pipeline_jobs_finished`, the queue's name as payload, both at commit. `wakeups` listens to them,
 * so a waiting worker claims a new job, and a coordinator sees a job end, at once instead of at its
 * next poll. Notifications are a shortcut only: whoever waits polls too, so one that is lost (sent
 * before the LISTEN took effect, or while its connection was down) costs at most a poll interval,
 * and an expired lease (which sends none) is found by polling. `announce` sends a note on
 * `pipeline_jobs_announced` (`<queue>\n<note>`): what is coming, so idle workers can prepare
 * (a sweep's coordinator names the inputs it uploaded before its batches exist); a hint only,
 * which nobody may need.
 *
 * Every time is the database server's clock, so workers on machines with skewed clocks agree.
 * Every value is a parameter.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Context, Duration, Effect, Layer, Option, Queue, type Scope, Stream } from "effect"
import type { StoreIOError } from "../StoreError.js"
import { PostgresCatalog, type PostgresCatalogShape } from "./PostgresCatalog.js"
import { sqlFailure } from "./internal/sqlFailure.js"

export type JobStatus = "queued" | "running" | "done" | "failed"

export interface NewJob {
  readonly key: string
  /** Opaque text (the caller's encoded payload). */
  readonly payload: string
}

export interface ClaimedJob {
  readonly key: string
  readonly payload: string
  /** This claim included (1 on first delivery). */
  readonly attempts: number
}

export interface JobState {
  readonly key: string
  readonly status: JobStatus
  readonly attempts: number
  /** The last failure's text (a failed job's reason). */
  readonly error: string | null
}

/** What `withdraw` did: queued jobs removed, running ones left to finish (marked withdrawn). */
export interface Withdrawal {
  readonly removed: number
  readonly finishing: number
}

/**
 * What a waiter wakes up for: a job became claimable (workers), a job ended (coordinators), a note
 * was announced (workers).
 */
export type JobEvent = "queued" | "finished" | "announced"

export interface JobWakeups {
  /**
   * Returns as soon as a notification of the events arrived for the queue since the previous wait
   * (or since `wakeups`), else after `maxMs`: true when a notification ended it.
   */
  readonly wait: (maxMs: number) => Effect.Effect<boolean>
  /** The notes announced since the previous call (the last 16 at most), oldest first. */
  readonly notes: Effect.Effect<ReadonlyArray<string>>
}

export interface JobQueueShape {
  readonly enqueue: (
    queue: string,
    jobs: ReadonlyArray<NewJob>,
    options: { readonly maxAttempts: number }
  ) => Effect.Effect<void, StoreIOError>
  /** The next job for `owner`, leased for `leaseMs`; undefined when none is ready. */
  readonly claim: (queue: string, owner: string, leaseMs: number) => Effect.Effect<ClaimedJob | undefined, StoreIOError>
  /** Extends the lease; false when `owner` no longer holds it (it expired and was redelivered). */
  readonly heartbeat: (key: string, owner: string, leaseMs: number) => Effect.Effect<boolean, StoreIOError>
  /** The job's result is recorded: done (whoever held the lease last). */
  readonly complete: (key: string) => Effect.Effect<void, StoreIOError>
  /** The attempt failed: queued again while attempts remain, failed with `error` otherwise. */
  readonly fail: (key: string, owner: string, error: string) => Effect.Effect<void, StoreIOError>
  /** The owner gives the job back unfinished (shutting down): queued again, the attempt not counted. */
  readonly release: (key: string, owner: string) => Effect.Effect<void, StoreIOError>
  /** The jobs are no longer wanted: queued ones are removed, running ones marked withdrawn (see above). */
  readonly withdraw: (keys: ReadonlyArray<string>) => Effect.Effect<Withdrawal, StoreIOError>
  readonly states: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<JobState>, StoreIOError>
  /** Wake-ups on `events` for `queue`, listened to until the scope closes (see above: never the only way to learn of a change). */
  readonly wakeups: (queue: string, events: ReadonlyArray<JobEvent>) => Effect.Effect<JobWakeups, never, Scope.Scope>
  /**
   * Tells the queue's listeners `note` (at most about 7,900 bytes with the queue's name: a
   * PostgreSQL notification's limit; a longer one fails). Nothing is stored: a hint.
   */
  readonly announce: (queue: string, note: string) => Effect.Effect<void, StoreIOError>
}

export class JobQueue extends Context.Tag("pipeline/store/JobQueue")<JobQueue, JobQueueShape>() {}

const at = (key: string) => `postgres:pipeline_jobs/${key}`
const TABLE = "postgres:pipeline_jobs"

const QUEUED = "pipeline_jobs_queued"
const FINISHED = "pipeline_jobs_finished"
const ANNOUNCED = "pipeline_jobs_announced"
const channelOf = (event: JobEvent) => (event === "queued" ? QUEUED : event === "finished" ? FINISHED : ANNOUNCED)
/** The notes a waiter keeps until it reads them. */
const MAX_NOTES = 16

const isStatus = (value: string): value is JobStatus =>
  value === "queued" || value === "running" || value === "done" || value === "failed"

/** A withdrawn job its owner ends unfinished is removed (the statement after it then matches nothing). */
const dropWithdrawn = (sql: SqlClient, key: string, owner: string) =>
  sql`DELETE FROM pipeline_jobs WHERE key = ${key} AND lease_owner = ${owner} AND status = 'running' AND withdrawn`

/**
 * The queue over `sql`; `listen` (PostgresCatalog's) carries the notifications `wakeups` waits for
 * (without it, or when it fails, every wait lasts its whole interval: polling alone).
 */
export const makeJobQueue = (sql: SqlClient, listen: PostgresCatalogShape["listen"] = () => Stream.empty): JobQueueShape => ({
  enqueue: (queue, jobs, { maxAttempts }) =>
    Effect.mapError(
      sql.withTransaction(Effect.zipRight(
        // A withdrawn job still running is wanted again: its worker's outcome counts as before.
        sql`UPDATE pipeline_jobs SET withdrawn = false, updated_at = now()
          WHERE key = ANY(${jobs.map((job) => job.key)}::text[]) AND withdrawn AND status = 'running'`,
        Effect.zipRight(
          Effect.forEach(jobs, (job) =>
            // clock_timestamp(), not now() (the transaction's start): the jobs are claimed in the order given.
            sql`INSERT INTO pipeline_jobs (key, queue, payload, status, max_attempts, enqueued_at)
              VALUES (${job.key}, ${queue}, ${job.payload}, 'queued', ${maxAttempts}, clock_timestamp())
              ON CONFLICT (key) DO UPDATE SET status = 'queued', payload = EXCLUDED.payload, attempts = 0,
                max_attempts = EXCLUDED.max_attempts, lease_owner = NULL, lease_expires = NULL, error = NULL,
                withdrawn = false, enqueued_at = EXCLUDED.enqueued_at, updated_at = now()
              WHERE pipeline_jobs.status IN ('done', 'failed')`, { discard: true }),
          // Delivered at commit, when the rows are there to claim.
          sql`SELECT pg_notify(${QUEUED}, ${queue})`
        )
      )),
      sqlFailure("enqueue", TABLE)
    ),
  claim: (queue, owner, leaseMs) =>
    Effect.mapError(
      sql.withTransaction(
        Effect.gen(function* () {
          // Withdrawn jobs whose worker stopped: nobody wants them any more.
          yield* sql`DELETE FROM pipeline_jobs
            WHERE queue = ${queue} AND status = 'running' AND withdrawn AND lease_expires < now()`
          // Expired leases with no attempt left: failed, not redelivered (a batch that kills its workers).
          yield* sql`WITH failed AS (
              UPDATE pipeline_jobs SET status = 'failed', lease_owner = NULL, lease_expires = NULL, updated_at = now(),
                error = COALESCE(error, 'its worker stopped before finishing it') || ' (' || attempts || ' attempts)'
              WHERE queue = ${queue} AND status = 'running' AND lease_expires < now() AND attempts >= max_attempts
              RETURNING queue
            )
            SELECT pg_notify(${FINISHED}, queue) FROM (SELECT DISTINCT queue FROM failed) AS ended`
          const rows = yield* sql<{ readonly key: string; readonly payload: string; readonly attempts: number }>`
            UPDATE pipeline_jobs SET status = 'running', lease_owner = ${owner},
              lease_expires = now() + make_interval(secs => ${leaseMs / 1000}), attempts = attempts + 1, updated_at = now()
            WHERE key = (
              SELECT key FROM pipeline_jobs
              WHERE queue = ${queue} AND (status = 'queued' OR (status = 'running' AND lease_expires < now()))
              ORDER BY enqueued_at, key COLLATE "C"
              FOR UPDATE SKIP LOCKED
              LIMIT 1
            )
            RETURNING key, payload, attempts`
          return rows[0]
        })
      ),
      sqlFailure("claim", TABLE)
    ),
  heartbeat: (key, owner, leaseMs) =>
    Effect.mapError(
      Effect.map(
        sql`UPDATE pipeline_jobs SET lease_expires = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
          WHERE key = ${key} AND lease_owner = ${owner} AND status = 'running' RETURNING key`,
        (rows) => rows.length > 0
      ),
      sqlFailure("heartbeat", at(key))
    ),
  complete: (key) =>
    Effect.mapError(
      sql`WITH done AS (
          UPDATE pipeline_jobs SET status = 'done', lease_owner = NULL, lease_expires = NULL, error = NULL, updated_at = now()
          WHERE key = ${key} AND status <> 'done'
          RETURNING queue
        )
        SELECT pg_notify(${FINISHED}, queue) FROM done`,
      sqlFailure("complete", at(key))
    ),
  fail: (key, owner, error) =>
    Effect.mapError(
      Effect.zipRight(
        dropWithdrawn(sql, key, owner),
        sql`WITH ended AS (
            UPDATE pipeline_jobs SET
              status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
              error = ${error}, lease_owner = NULL, lease_expires = NULL, updated_at = now()
            WHERE key = ${key} AND lease_owner = ${owner} AND status = 'running'
            RETURNING queue, status
          )
          SELECT pg_notify(CASE WHEN status = 'failed' THEN ${FINISHED} ELSE ${QUEUED} END, queue) FROM ended`
      ),
      sqlFailure("fail", at(key))
    ),
  release: (key, owner) =>
    Effect.mapError(
      Effect.zipRight(
        dropWithdrawn(sql, key, owner),
        sql`WITH released AS (
            UPDATE pipeline_jobs SET status = 'queued', attempts = greatest(attempts - 1, 0),
              lease_owner = NULL, lease_expires = NULL, updated_at = now()
            WHERE key = ${key} AND lease_owner = ${owner} AND status = 'running'
            RETURNING queue
          )
          SELECT pg_notify(${QUEUED}, queue) FROM released`
      ),
      sqlFailure("release", at(key))
    ),
  withdraw: (keys) =>
    Effect.mapError(
      sql.withTransaction(
        Effect.gen(function* () {
          const removed = yield* sql`DELETE FROM pipeline_jobs WHERE key = ANY(${[...keys]}::text[]) AND status = 'queued' RETURNING key`
          const finishing = yield* sql`UPDATE pipeline_jobs SET withdrawn = true, updated_at = now()
            WHERE key = ANY(${[...keys]}::text[]) AND status = 'running' RETURNING key`
          return { removed: removed.length, finishing: finishing.length }
        })
      ),
      sqlFailure("withdraw", TABLE)
    ),
  states: (keys) =>
    Effect.mapError(
      Effect.map(
        sql<{ readonly key: string; readonly status: string; readonly attempts: number; readonly error: string | null }>`
          SELECT key, status, attempts, error FROM pipeline_jobs WHERE key = ANY(${[...keys]}::text[])`,
        (rows) => rows.flatMap((row): Array<JobState> =>
          isStatus(row.status) ? [{ key: row.key, status: row.status, attempts: row.attempts, error: row.error }] : [])
      ),
      sqlFailure("list", TABLE)
    ),
  wakeups: (queue, events) =>
    Effect.gen(function* () {
      // At most one wake-up pending: several notifications before a wait end one wait.
      const pending = yield* Queue.sliding<void>(1)
      const notes = yield* Queue.sliding<string>(MAX_NOTES)
      const announced = `${queue}\n`
      yield* Effect.forEach(new Set(events), (event) =>
        Effect.forkScoped(
          listen(channelOf(event)).pipe(
            Stream.runForEach((payload) =>
              event !== "announced"
                ? payload === queue ? Queue.offer(pending, undefined) : Effect.void
                : payload.startsWith(announced)
                ? Effect.zipRight(Queue.offer(notes, payload.slice(announced.length)), Queue.offer(pending, undefined))
                : Effect.void
            ),
            // Not listening any more (the connection failed): the waits poll.
            Effect.ignore
          )
        ), { discard: true })
      return {
        wait: (maxMs) => Effect.map(Effect.timeoutOption(Queue.take(pending), Duration.millis(maxMs)), Option.isSome),
        notes: Effect.map(Queue.takeAll(notes), (chunk) => [...chunk])
      }
    }),
  announce: (queue, note) =>
    Effect.mapError(sql`SELECT pg_notify(${ANNOUNCED}, ${`${queue}\n${note}`})`, sqlFailure("announce", TABLE))
})

/** The queue in the catalog database. */
export const jobQueuePostgres: Layer.Layer<JobQueue, never, PostgresCatalog> = Layer.effect(
  JobQueue,
  Effect.map(PostgresCatalog, ({ listen, sql }) => makeJobQueue(sql, listen))
)
