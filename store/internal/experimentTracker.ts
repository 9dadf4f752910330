/**
 * The experiment tracker's body, over the `RecordFiles` core (filesystem or memory).
 *
 * Note: this module and ../ExperimentTracker.ts import each other. Nothing here touches the public
 * module's bindings at module evaluation time (schemas are used inside `make` only), so either
 * evaluation order works. Keep it that way.
 */
import { Clock, DateTime, Effect, Either, Option, ParseResult, Schema } from "effect"
import type { ArtifactId } from "../ArtifactCatalog.js"
import {
  type EffectiveStatus,
  effectiveStatus,
  ExperimentId,
  ExperimentRecord,
  ProcessLiveness,
  RunId,
  RunNotFound,
  type RunError,
  RunRecord,
  type RunStatus
} from "../TrackerRecords.js"
import type { ExperimentSummary, ExperimentTrackerShape, RunPatch, RunView, TransitionFn, UnreadableRun } from "../ExperimentTracker.js"
import { AmbiguousExperimentId, ExperimentNotFound, IllegalTransition, RecordDecodeError, type StoreIOError } from "../StoreError.js"
import { compareStrings } from "../Order.js"
import type { RecordFiles } from "./trackerFiles.js"

const LEGAL: Readonly<Record<RunStatus, ReadonlyArray<RunStatus>>> = {
  pending: ["running", "failed", "cancelled"],
  running: ["completed", "failed", "cancelled"],
  completed: [],
  failed: [],
  cancelled: []
}

const RUN_FILE = /^([0-9]{6,})\.json$/

const experimentFile = (id: string) => `experiments/${id}/experiment.json`
const runsDir = (id: string) => `experiments/${id}/runs`
const runFile = (id: string, runId: string) => `experiments/${id}/runs/${runId}.json`

export const formatRunId = (n: number): RunId => n.toString().padStart(6, "0") as RunId

/** Numeric order on zero-padded numbers that may outgrow 6 digits. */
const compareRunIds = (a: string, b: string) => a.length - b.length || compareStrings(a, b)

const isoNow = Effect.map(Clock.currentTimeMillis, (ms) => ({
  ms,
  iso: DateTime.formatIso(DateTime.unsafeMake(ms))
}))

const compareExperiments = (a: ExperimentRecord, b: ExperimentRecord) => {
  const byTime = Date.parse(a.createdAt) - Date.parse(b.createdAt)
  if (byTime !== 0) return byTime
  return a.experimentId < b.experimentId ? -1 : a.experimentId > b.experimentId ? 1 : 0
}

export const make = (files: RecordFiles, staleAfterMs: number) =>
  Effect.gen(function* () {
    const liveness = yield* ProcessLiveness
    // Serializes read-modify-write of run files inside this process (heartbeat fiber vs transition).
    const writeLock = yield* Effect.makeSemaphore(1)
    // Run numbers are race-free without it (exclusive create); it only spares this process's own
    // concurrent starts from colliding with each other and retrying.
    const allocLock = yield* Effect.makeSemaphore(1)

    const isExperimentId = Schema.is(ExperimentId)
    const isRunId = Schema.is(RunId)
    const decodeExperimentJson = Schema.decodeUnknown(Schema.parseJson(ExperimentRecord))
    const decodeRunJson = Schema.decodeUnknown(Schema.parseJson(RunRecord))
    const encodeExperiment = Schema.encodeSync(ExperimentRecord)
    const encodeRun = Schema.encodeSync(RunRecord)
    const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

    const decodeAt = <A>(rel: string, text: string, decode: (u: unknown) => Effect.Effect<A, ParseResult.ParseError>) =>
      Effect.mapError(
        decode(text),
        (error) =>
          new RecordDecodeError({
            path: files.describe(rel),
            detail: ParseResult.TreeFormatter.formatErrorSync(error)
          })
      )

    const readExperiment = (id: string) =>
      Effect.flatMap(files.read(experimentFile(id)), (text) =>
        text === undefined
          ? Effect.succeed(Option.none<ExperimentRecord>())
          : Effect.map(decodeAt(experimentFile(id), text, decodeExperimentJson), Option.some)
      )

    const requireExperiment = (id: string) =>
      Effect.flatMap(
        isExperimentId(id) ? readExperiment(id) : Effect.succeed(Option.none<ExperimentRecord>()),
        Option.match({
          onNone: () => Effect.fail(new ExperimentNotFound({ experimentId: id })),
          onSome: Effect.succeed
        })
      )

    const readRunAt = (id: string, runId: string) =>
      Effect.flatMap(files.read(runFile(id, runId)), (text) =>
        text === undefined
          ? Effect.succeed(Option.none<RunRecord>())
          : Effect.map(decodeAt(runFile(id, runId), text, decodeRunJson), Option.some)
      )

    const requireRun = (id: string, runId: string) =>
      Effect.zipRight(
        requireExperiment(id),
        Effect.flatMap(
          isRunId(runId) ? readRunAt(id, runId) : Effect.succeed(Option.none<RunRecord>()),
          Option.match({
            onNone: () => Effect.fail(new RunNotFound({ experimentId: id, runId })),
            onSome: Effect.succeed
          })
        )
      )

    const runIdsOf = (id: string) =>
      Effect.map(files.list(runsDir(id)), (names) =>
        names.flatMap((name) => {
          const match = RUN_FILE.exec(name)
          return match ? [match[1]] : []
        }).sort(compareRunIds)
      )

    const experimentIds = Effect.map(files.list("experiments"), (names) => names.filter(isExperimentId).sort())

    const allExperiments = Effect.flatMap(experimentIds, (ids) =>
      Effect.map(
        Effect.forEach(ids, readExperiment, { concurrency: 8 }),
        // A directory without experiment.json is a create in progress (or a crash before it).
        (records) => records.flatMap(Option.toArray).sort(compareExperiments)
      )
    )

    /** Evaluates liveness once per distinct local pid, then applies the pure rule. */
    const views = (runs: ReadonlyArray<RunRecord>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const pids = new Set(
          runs
            .filter((r) => (r.status === "pending" || r.status === "running") && r.owner.host === liveness.self.host)
            .map((r) => r.owner.pid)
        )
        const alive = new Map<number, boolean>()
        for (const pid of pids) alive.set(pid, yield* liveness.isAlive(pid))
        const options = {
          now,
          staleAfterMs,
          host: liveness.self.host,
          isAlive: (pid: number) => alive.get(pid) ?? true
        }
        return runs.map((run): RunView => ({ run, effectiveStatus: effectiveStatus(run, options) }))
      })

    /** Read-check-write of one run as a unit (a transaction where the backend has them). */
    const atomically = <A, E, R>(rel: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | StoreIOError, R> =>
      files.atomically === undefined ? effect : files.atomically(rel, effect)

    const writeRun = (run: RunRecord) => files.replace(runFile(run.experimentId, run.runId), toJson(encodeRun(run)))

    const create: ExperimentTrackerShape["create"] = (experiment) =>
      Effect.gen(function* () {
        const { iso } = yield* isoNow
        const record: ExperimentRecord = {
          experimentId: experiment.experimentId,
          name: experiment.name,
          definition: experiment.definition,
          inputs: Object.fromEntries(Object.entries(experiment.inputs).map(([k, v]) => [k, [...v]])),
          seed: experiment.seed,
          createdAt: iso
        }
        // Looked for first: a rerun finds its record, and an exclusive create that loses to it would
        // still have written (and fsynced) a whole temp file.
        const found = yield* readExperiment(experiment.experimentId)
        if (Option.isNone(found)) {
          const created = yield* files.createExclusive(experimentFile(experiment.experimentId), toJson(encodeExperiment(record)))
          if (created) return record
        }
        const existing = Option.isSome(found) ? found : yield* readExperiment(experiment.experimentId)
        // Found, or createExclusive said the name exists: the record is there (write-once, never removed here).
        if (Option.isNone(existing)) return record
        // Except a record made before its inputs were known (no input group at all: a synthetic
        // experiment whose generator had not finished): the first create that knows them fills them in.
        if (Object.keys(existing.value.inputs).length === 0 && Object.keys(record.inputs).length > 0) {
          const completed: ExperimentRecord = { ...existing.value, inputs: record.inputs }
          yield* files.replace(experimentFile(experiment.experimentId), toJson(encodeExperiment(completed)))
          return completed
        }
        return existing.value
      }).pipe(Effect.withSpan("ExperimentTracker.create"))

    const startRun: ExperimentTrackerShape["startRun"] = (experimentId, options) =>
      Effect.gen(function* () {
        yield* requireExperiment(experimentId)
        const nextFree = Effect.map(runIdsOf(experimentId), (ids) =>
          ids.length === 0 ? 1 : Number(ids[ids.length - 1]) + 1
        )
        let next = yield* nextFree
        const { iso } = yield* isoNow
        for (;;) {
          const run: RunRecord = {
            experimentId,
            runId: formatRunId(next),
            status: "pending",
            createdAt: iso,
            outputs: {},
            cache: { hits: 0, misses: 0 },
            nodes: [],
            provenance: options.provenance,
            owner: options.owner,
            heartbeatAt: iso
          }
          const created = yield* files.createExclusive(runFile(experimentId, run.runId), toJson(encodeRun(run)))
          if (created) return run
          // Taken by a concurrent start: skip past everything allocated since we looked.
          next = Math.max(next + 1, yield* nextFree)
        }
      }).pipe(allocLock.withPermits(1), Effect.withSpan("ExperimentTracker.startRun"))

    const transition = ((
      experimentId: ExperimentId,
      runId: RunId,
      to: RunStatus,
      patch?: RunPatch & { readonly error?: RunError }
    ) =>
      writeLock.withPermits(1)(atomically(runFile(experimentId, runId),
        Effect.gen(function* () {
          const run = yield* requireRun(experimentId, runId)
          if (!LEGAL[run.status].includes(to)) {
            return yield* new IllegalTransition({ experimentId, runId, from: run.status, to })
          }
          if (to === "failed" && patch?.error === undefined) {
            return yield* Effect.dieMessage(`ExperimentTracker.transition: "failed" needs an error (run ${runId})`)
          }
          const { ms, iso } = yield* isoNow
          const terminal = to === "completed" || to === "failed" || to === "cancelled"
          const startedAt = to !== "running"
            ? run.startedAt
            : patch?.startedAt !== undefined && patch.startedAt < ms
            ? DateTime.formatIso(DateTime.unsafeMake(patch.startedAt))
            : iso
          const since = Date.parse(startedAt ?? run.createdAt)
          const next: RunRecord = {
            ...run,
            status: to,
            ...(startedAt !== undefined ? { startedAt } : {}),
            ...(terminal ? { endedAt: iso, durationMs: Math.max(0, ms - since) } : {}),
            ...(to === "failed" && patch?.error !== undefined
              ? { error: { tag: patch.error.tag, message: patch.error.message } }
              : {}),
            ...(patch?.outputs !== undefined ? { outputs: patch.outputs } : {}),
            ...(patch?.cache !== undefined ? { cache: patch.cache } : {}),
            ...(patch?.nodes !== undefined ? { nodes: [...patch.nodes] } : {}),
            ...(patch?.results !== undefined ? { results: patch.results } : {}),
            heartbeatAt: iso
          }
          yield* writeRun(next)
          return next
        }))
      ).pipe(Effect.withSpan("ExperimentTracker.transition"))) as TransitionFn

    const heartbeat: ExperimentTrackerShape["heartbeat"] = (experimentId, runId) =>
      writeLock.withPermits(1)(atomically(runFile(experimentId, runId),
        Effect.gen(function* () {
          const run = yield* requireRun(experimentId, runId)
          if (run.status !== "pending" && run.status !== "running") return run
          const { iso } = yield* isoNow
          const next: RunRecord = { ...run, heartbeatAt: iso }
          yield* writeRun(next)
          return next
        })
      ))

    const get: ExperimentTrackerShape["get"] = (experimentId) =>
      Effect.gen(function* () {
        const experiment = yield* requireExperiment(experimentId)
        const ids = yield* runIdsOf(experimentId)
        // One malformed run file must not hide the experiment's other runs: it is listed apart.
        const reads = yield* Effect.forEach(
          ids,
          (runId) =>
            Effect.flatMap(files.read(runFile(experimentId, runId)), (text) =>
              text === undefined
                ? Effect.succeed(Either.right(Option.none<RunRecord>()))
                : decodeAt(runFile(experimentId, runId), text, decodeRunJson).pipe(
                    Effect.map((run) => Either.right(Option.some(run))),
                    Effect.catchTag("RecordDecodeError", (error) =>
                      Effect.succeed(Either.left({
                        runId,
                        path: error.path,
                        detail: error.detail,
                        mentions: [...new Set(text.match(/art_[0-9a-f]{64}/g) ?? [])].sort()
                      } satisfies UnreadableRun))
                    )
                  )
            ),
          { concurrency: 8 }
        )
        const runs: Array<RunRecord> = []
        const unreadable: Array<UnreadableRun> = []
        for (const read of reads) {
          if (Either.isRight(read)) runs.push(...Option.toArray(read.right))
          else unreadable.push(read.left)
        }
        return { experiment, runs: yield* views(runs), unreadable }
      }).pipe(Effect.withSpan("ExperimentTracker.get"))

    const resolve: ExperimentTrackerShape["resolve"] = (idOrPrefix) =>
      Effect.gen(function* () {
        const wanted = idOrPrefix.startsWith("exp_") ? idOrPrefix : `exp_${idOrPrefix}`
        if (isExperimentId(wanted)) {
          const exact = yield* readExperiment(wanted)
          if (Option.isSome(exact)) return exact.value
        }
        const notFound = new ExperimentNotFound({ experimentId: idOrPrefix })
        if (!/^exp_[0-9a-f]{4,}$/.test(wanted)) return yield* notFound
        const matches = (yield* experimentIds).filter((id) => id.startsWith(wanted)).sort(compareStrings)
        if (matches.length === 0) return yield* notFound
        if (matches.length > 1) return yield* new AmbiguousExperimentId({ prefix: idOrPrefix, candidates: matches })
        return yield* requireExperiment(matches[0])
      })

    const latestRun = (id: ExperimentId) =>
      Effect.gen(function* () {
        const ids = yield* runIdsOf(id)
        // Newest first; a run file that vanished between listing and reading, or that does not
        // decode (reported by `get` and fsck), is skipped.
        for (let i = ids.length - 1; i >= 0; i--) {
          const run = yield* Effect.catchTag(readRunAt(id, ids[i]), "RecordDecodeError", () =>
            Effect.succeed(Option.none<RunRecord>())
          )
          if (Option.isSome(run)) return { run: run.value, runCount: ids.length }
        }
        return { run: undefined, runCount: ids.length }
      })

    const list: ExperimentTrackerShape["list"] = (filter) =>
      Effect.gen(function* () {
        const experiments = (yield* allExperiments).filter(
          (e) => filter?.name === undefined || e.name === filter.name
        )
        const latest = yield* Effect.forEach(experiments, (e) => latestRun(e.experimentId), { concurrency: 8 })
        const latestViews = yield* views(latest.flatMap((l) => (l.run ? [l.run] : [])))
        const byExperiment = new Map(latestViews.map((v) => [v.run.experimentId, v]))
        const summaries = experiments.map(
          (experiment, i): ExperimentSummary => ({
            experiment,
            latestRun: byExperiment.get(experiment.experimentId),
            runCount: latest[i].runCount
          })
        )
        const status: EffectiveStatus | undefined = filter?.status
        return status === undefined ? summaries : summaries.filter((s) => s.latestRun?.effectiveStatus === status)
      }).pipe(Effect.withSpan("ExperimentTracker.list"))

    const findByInputs: ExperimentTrackerShape["findByInputs"] = (artifactIds) =>
      Effect.map(allExperiments, (experiments) =>
        experiments.filter((e) => {
          const used = new Set<ArtifactId>(Object.values(e.inputs).flat())
          return artifactIds.every((id) => used.has(id))
        })
      )

    return {
      create,
      startRun,
      transition,
      heartbeat,
      get,
      // The run file alone: an absent experiment has no run files either.
      getRun: (experimentId, runId) =>
        Effect.flatMap(
          isRunId(runId) ? readRunAt(experimentId, runId) : Effect.succeed(Option.none<RunRecord>()),
          Option.match({
            onNone: () => Effect.fail(new RunNotFound({ experimentId, runId })),
            onSome: Effect.succeed
          })
        ).pipe(Effect.withSpan("ExperimentTracker.getRun")),
      resolve,
      list,
      findByInputs
    } satisfies ExperimentTrackerShape
  })
