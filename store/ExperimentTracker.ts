/**
 * The experiment tracker (DESIGN.md §3): what was run, on which frozen inputs, with which outcome.
 *
 * On disk, under the store root:
 * - `experiments/<experimentId>/experiment.json`: write-once (id, name, definition, resolved
 *   inputs, seed, createdAt); creating an existing experiment keeps the first record, except that
 *   a record created with no input group at all (inputs not known yet) takes the inputs of the
 *   first later create that has some.
 * - `experiments/<experimentId>/runs/<NNNNNN>.json`: one file per run, owned by the process running
 *   it and replaced atomically on every update. Run numbers are allocated race-free across
 *   processes by exclusively creating the next free name (retry on EEXIST).
 *
 * Status lifecycle: pending → running → completed | failed | cancelled, and pending → failed |
 * cancelled. A pending/running run whose heartbeat is stale, or whose owner process on this host is
 * gone, *reads* as `abandoned` (see `effectiveStatus`); the stored status is never rewritten by a
 * reader. All times come from Effect's Clock.
 */
import * as os from "node:os"
import { Context, type Duration, Effect, Layer, Schedule, Schema, type Scope } from "effect"
import { ArtifactId, Provenance } from "./ArtifactCatalog.js"
import { OutputRef } from "./ActionCache.js"
import { make } from "./internal/experimentTracker.js"
import { fileSystemFiles, memoryFiles } from "./internal/trackerFiles.js"
import { StoreRoot } from "./StoreLayout.js"
import type { ExperimentNotFound, IllegalTransition, RecordDecodeError, StoreIOError } from "./StoreError.js"

// ---------------------------------------------------------------------------------------------
// Records

/** `exp_` + lowercase hex (derived from the definition and its resolved inputs: nodes/experiment). */
export const ExperimentId = Schema.String.pipe(
  Schema.pattern(/^exp_[0-9a-f]+$/, { message: () => "expected an experiment id of the form exp_<hex>" }),
  Schema.brand("ExperimentId")
)
export type ExperimentId = typeof ExperimentId.Type

/** A run number, zero-padded to at least 6 digits ("000001"). */
export const RunId = Schema.String.pipe(
  Schema.pattern(/^[0-9]{6,}$/, { message: () => "expected a run id of at least 6 digits, e.g. 000001" }),
  Schema.brand("RunId")
)
export type RunId = typeof RunId.Type

/** ISO-8601 UTC timestamp as written by the tracker (`2024-01-01T00:00:00.000Z`). */
export const Timestamp = Schema.String.pipe(
  Schema.filter((s) => !Number.isNaN(Date.parse(s)), { message: () => "expected an ISO-8601 timestamp" })
)

export const RunStatus = Schema.Literal("pending", "running", "completed", "failed", "cancelled")
export type RunStatus = typeof RunStatus.Type
/** What a reader should show: the stored status, or `abandoned` for a dead pending/running run. */
export type EffectiveStatus = RunStatus | "abandoned"

export const RunError = Schema.Struct({ tag: Schema.String, message: Schema.String })
export type RunError = typeof RunError.Type

export const RunOwner = Schema.Struct({ pid: Schema.Int, host: Schema.String })
export type RunOwner = typeof RunOwner.Type

export const CacheSummary = Schema.Struct({ hits: Schema.NonNegativeInt, misses: Schema.NonNegativeInt })
export type CacheSummary = typeof CacheSummary.Type

export const NodeSummary = Schema.Struct({
  name: Schema.String,
  key: Schema.String,
  cache: Schema.Literal("hit", "miss"),
  durationMs: Schema.NonNegative
})
export type NodeSummary = typeof NodeSummary.Type

/**
 * What a completed run produced, kept on its record so that readers (`experiments list`) need not
 * open its output files: the metrics row (column → value, null where undefined) and how many
 * diagnostics each code has.
 */
export const RunResults = Schema.Struct({
  metrics: Schema.Record({ key: Schema.String, value: Schema.NullOr(Schema.Number) }),
  diagnostics: Schema.Record({ key: Schema.String, value: Schema.NonNegativeInt })
})
export type RunResults = typeof RunResults.Type

export const ExperimentRecord = Schema.Struct({
  experimentId: ExperimentId,
  name: Schema.String,
  /** The definition as given (a JSON value). */
  definition: Schema.Unknown,
  /** Input group (e.g. "alerts", "ohlcv") → the artifact ids its selectors resolved to. */
  inputs: Schema.Record({ key: Schema.String, value: Schema.Array(ArtifactId) }),
  seed: Schema.Number,
  createdAt: Timestamp
})
export type ExperimentRecord = typeof ExperimentRecord.Type

export const RunRecord = Schema.Struct({
  experimentId: ExperimentId,
  runId: RunId,
  status: RunStatus,
  createdAt: Timestamp,
  startedAt: Schema.optional(Timestamp),
  endedAt: Schema.optional(Timestamp),
  /** endedAt − startedAt (or − createdAt for a run that never started). */
  durationMs: Schema.optional(Schema.NonNegative),
  error: Schema.optional(RunError),
  outputs: Schema.Record({ key: Schema.String, value: OutputRef }),
  cache: CacheSummary,
  nodes: Schema.Array(NodeSummary),
  /** Set on completion when the run's metrics and diagnostics could be read. */
  results: Schema.optional(RunResults),
  provenance: Provenance,
  owner: RunOwner,
  heartbeatAt: Timestamp
})
export type RunRecord = typeof RunRecord.Type

/** A run that was asked for by number and does not exist. */
export class RunNotFound extends Schema.TaggedError<RunNotFound>()("RunNotFound", {
  experimentId: Schema.String,
  runId: Schema.String
}) {
  override get message() {
    return `experiment ${this.experimentId} has no run ${this.runId}`
  }
}

// ---------------------------------------------------------------------------------------------
// Abandoned runs

export interface EffectiveStatusOptions {
  /** Current time, epoch ms (from Clock). */
  readonly now: number
  /** A pending/running run whose heartbeat is older than this reads as abandoned. */
  readonly staleAfterMs: number
  /** This machine's host name; with `isAlive`, enables the dead-owner check. */
  readonly host?: string
  /** Whether a process on this host is alive. */
  readonly isAlive?: (pid: number) => boolean
}

/**
 * Pure: the status a reader should show. A `pending`/`running` run is `abandoned` when its
 * heartbeat is older than `staleAfterMs`, or when its owner is on `host` and `isAlive(pid)` is
 * false. Terminal statuses are returned as stored.
 */
export const effectiveStatus = (run: RunRecord, options: EffectiveStatusOptions): EffectiveStatus => {
  if (run.status !== "pending" && run.status !== "running") return run.status
  if (options.now - Date.parse(run.heartbeatAt) > options.staleAfterMs) return "abandoned"
  if (
    options.host !== undefined &&
    options.isAlive !== undefined &&
    run.owner.host === options.host &&
    !options.isAlive(run.owner.pid)
  ) {
    return "abandoned"
  }
  return run.status
}

export interface ProcessLivenessShape {
  /** This process, as an owner to put on runs it starts. */
  readonly self: RunOwner
  /** Whether process `pid` on this host is alive. */
  readonly isAlive: (pid: number) => Effect.Effect<boolean>
}

/** Port: which host we are on and whether a local pid is alive. */
export class ProcessLiveness extends Context.Tag("pipeline/store/ProcessLiveness")<
  ProcessLiveness,
  ProcessLivenessShape
>() {
  /** `process.kill(pid, 0)`: ESRCH means gone; EPERM means alive but not ours. */
  static readonly layerNode: Layer.Layer<ProcessLiveness> = Layer.sync(ProcessLiveness, () => ({
    self: { pid: process.pid, host: os.hostname() },
    isAlive: (pid) =>
      Effect.sync(() => {
        try {
          process.kill(pid, 0)
          return true
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === "EPERM"
        }
      })
  }))

  /** A fixed identity; every pid is alive unless `isAlive` says otherwise. */
  static layerTest(options: {
    readonly self: RunOwner
    readonly isAlive?: (pid: number) => boolean
  }): Layer.Layer<ProcessLiveness> {
    const isAlive = options.isAlive ?? (() => true)
    return Layer.succeed(ProcessLiveness, {
      self: options.self,
      isAlive: (pid) => Effect.sync(() => isAlive(pid))
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Service

export type TrackerError = StoreIOError | RecordDecodeError

export interface NewExperiment {
  readonly experimentId: ExperimentId
  readonly name: string
  readonly definition: unknown
  readonly inputs: Readonly<Record<string, ReadonlyArray<ArtifactId>>>
  readonly seed: number
}

export interface StartRunOptions {
  readonly owner: RunOwner
  readonly provenance: Provenance
}

/** Fields a transition may set besides status and timestamps. */
export interface RunPatch {
  readonly outputs?: RunRecord["outputs"]
  readonly cache?: CacheSummary
  readonly nodes?: ReadonlyArray<NodeSummary>
  readonly results?: RunResults
}

export interface RunView {
  readonly run: RunRecord
  readonly effectiveStatus: EffectiveStatus
}

/** A run file that exists but does not decode: reported, never allowed to hide the other runs. */
export interface UnreadableRun {
  readonly runId: string
  readonly path: string
  readonly detail: string
  /** Every artifact id its text mentions: what it may reference (gc keeps them). */
  readonly mentions: ReadonlyArray<string>
}

export interface ExperimentDetail {
  readonly experiment: ExperimentRecord
  /** Ordered by run number; runs whose file does not decode are in `unreadable` instead. */
  readonly runs: ReadonlyArray<RunView>
  /** Ordered by run number. */
  readonly unreadable: ReadonlyArray<UnreadableRun>
}

export interface ExperimentSummary {
  readonly experiment: ExperimentRecord
  readonly latestRun: RunView | undefined
  readonly runCount: number
}

export interface ExperimentFilter {
  /** Exact experiment name. */
  readonly name?: string
  /** Effective status of the latest run (experiments without runs never match). */
  readonly status?: EffectiveStatus
}

export interface TransitionFn {
  (
    experimentId: ExperimentId,
    runId: RunId,
    to: "failed",
    patch: RunPatch & { readonly error: RunError }
  ): Effect.Effect<RunRecord, ExperimentNotFound | RunNotFound | IllegalTransition | TrackerError>
  (
    experimentId: ExperimentId,
    runId: RunId,
    to: Exclude<RunStatus, "failed">,
    patch?: RunPatch
  ): Effect.Effect<RunRecord, ExperimentNotFound | RunNotFound | IllegalTransition | TrackerError>
}

export interface ExperimentTrackerShape {
  /**
   * Writes the experiment record; idempotent: an existing id keeps (and returns) its first record.
   * A record created with `inputs: {}` (a synthetic experiment recorded before its generator ran)
   * is completed by the first later create that names inputs.
   */
  readonly create: (experiment: NewExperiment) => Effect.Effect<ExperimentRecord, TrackerError>
  /** Allocates the next run number and writes the run as `pending`. */
  readonly startRun: (
    experimentId: ExperimentId,
    options: StartRunOptions
  ) => Effect.Effect<RunRecord, ExperimentNotFound | TrackerError>
  /**
   * Moves a run: pending → running | failed | cancelled, running → completed | failed | cancelled.
   * Anything else fails with IllegalTransition and writes nothing. `failed` requires an error.
   * Entering `running` sets startedAt; a terminal status sets endedAt and durationMs.
   */
  readonly transition: TransitionFn
  /** Refreshes heartbeatAt of a pending/running run; a no-op on a finished run. */
  readonly heartbeat: (
    experimentId: ExperimentId,
    runId: RunId
  ) => Effect.Effect<RunRecord, ExperimentNotFound | RunNotFound | TrackerError>
  readonly get: (experimentId: ExperimentId) => Effect.Effect<ExperimentDetail, ExperimentNotFound | TrackerError>
  /** Resolves a full id or a unique prefix (with or without `exp_`, at least 4 hex digits). */
  readonly resolve: (idOrPrefix: string) => Effect.Effect<ExperimentRecord, ExperimentNotFound | TrackerError>
  /** Experiments with their latest readable run, ordered by createdAt then id. */
  readonly list: (filter?: ExperimentFilter) => Effect.Effect<ReadonlyArray<ExperimentSummary>, TrackerError>
  /** Experiments whose inputs (all groups) include every given artifact id; same order as list. */
  readonly findByInputs: (
    artifactIds: ReadonlyArray<ArtifactId>
  ) => Effect.Effect<ReadonlyArray<ExperimentRecord>, TrackerError>
}

export interface TrackerOptions {
  /** Heartbeat age after which a pending/running run reads as abandoned. Default 120 000 ms. */
  readonly staleAfterMs?: number
}

export const DEFAULT_STALE_AFTER_MS = 120_000

export class ExperimentTracker extends Context.Tag("pipeline/store/ExperimentTracker")<
  ExperimentTracker,
  ExperimentTrackerShape
>() {
  /** Records under `<root>/experiments`, atomic writes staged in `<root>/tmp`. */
  static layerFileSystem(
    root: string,
    options?: TrackerOptions
  ): Layer.Layer<ExperimentTracker, never, ProcessLiveness> {
    return Layer.effect(ExperimentTracker, make(fileSystemFiles(root), options?.staleAfterMs ?? DEFAULT_STALE_AFTER_MS))
  }

  /** `layerFileSystem` on the shared `StoreRoot` (what the CLI composes with the other store layers). */
  static readonly layer: Layer.Layer<ExperimentTracker, never, StoreRoot | ProcessLiveness> = Layer.unwrapEffect(
    Effect.map(StoreRoot, ({ root }) => ExperimentTracker.layerFileSystem(root))
  )

  static layerMemoryWith(options?: TrackerOptions): Layer.Layer<ExperimentTracker, never, ProcessLiveness> {
    return Layer.effect(
      ExperimentTracker,
      Effect.flatMap(memoryFiles, (files) => make(files, options?.staleAfterMs ?? DEFAULT_STALE_AFTER_MS))
    )
  }

  /** In-memory records (same encoding and rules as on disk); fresh state per build. */
  static readonly layerMemory: Layer.Layer<ExperimentTracker, never, ProcessLiveness> = Layer.effect(
    ExperimentTracker,
    Effect.flatMap(memoryFiles, (files) => make(files, DEFAULT_STALE_AFTER_MS))
  )
}

/**
 * Heartbeats the run every `interval` in a fiber tied to the current scope (failures ignored: a
 * missed beat only risks reading as abandoned). Pick an interval well under `staleAfterMs`.
 */
export const keepAlive = (
  experimentId: ExperimentId,
  runId: RunId,
  interval: Duration.DurationInput
): Effect.Effect<void, never, ExperimentTracker | Scope.Scope> =>
  Effect.flatMap(ExperimentTracker, (tracker) =>
    tracker.heartbeat(experimentId, runId).pipe(
      Effect.ignore,
      Effect.repeat(Schedule.spaced(interval)),
      Effect.delay(interval),
      Effect.forkScoped,
      Effect.asVoid
    )
  )
