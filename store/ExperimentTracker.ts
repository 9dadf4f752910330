/**
 * The experiment tracker (docs/DESIGN.md §3): what was run, on which frozen inputs, with which outcome.
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
import { Context, type Duration, Effect, Layer, Schedule, type Scope } from "effect"
import { ArtifactId, Provenance } from "./ArtifactCatalog.js"
import { make } from "./internal/experimentTracker.js"
import { fileSystemFiles, memoryFiles } from "./internal/trackerFiles.js"
import { StoreRoot } from "./StoreLayout.js"
import type { AmbiguousExperimentId, ExperimentNotFound, IllegalTransition, RecordDecodeError, StoreIOError } from "./StoreError.js"
import {
  CacheSummary,
  EffectiveStatus,
  ExperimentId,
  ExperimentRecord,
  NodeSummary,
  ProcessLiveness,
  RunError,
  RunId,
  RunNotFound,
  RunOwner,
  RunRecord,
  RunResults,
  RunStatus
} from "./TrackerRecords.js"
export * from "./TrackerRecords.js"
export { formatRunId } from "./internal/experimentTracker.js"

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
  /**
   * Entering `running`: when the run's work began (epoch ms), if before the transition — a caller
   * may start the work beside the writes that record the run, so this may precede `createdAt`.
   * startedAt, and the duration measured from it, are then the earlier of this and now.
   */
  readonly startedAt?: number
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
   * Entering `running` sets startedAt (now, or `patch.startedAt` when earlier); a terminal status
   * sets endedAt and durationMs.
   */
  readonly transition: TransitionFn
  /** Refreshes heartbeatAt of a pending/running run; a no-op on a finished run. */
  readonly heartbeat: (
    experimentId: ExperimentId,
    runId: RunId
  ) => Effect.Effect<RunRecord, ExperimentNotFound | RunNotFound | TrackerError>
  readonly get: (experimentId: ExperimentId) => Effect.Effect<ExperimentDetail, ExperimentNotFound | TrackerError>
  /**
   * One run's record, its file read alone (not the experiment's): RunNotFound when there is none,
   * a TrackerError when it does not decode.
   */
  readonly getRun: (experimentId: ExperimentId, runId: RunId) => Effect.Effect<RunRecord, RunNotFound | TrackerError>
  /**
   * Resolves a full id or a unique prefix (with or without `exp_`, at least 4 hex digits); a prefix
   * that matches several experiments fails listing them.
   */
  readonly resolve: (
    idOrPrefix: string
  ) => Effect.Effect<ExperimentRecord, ExperimentNotFound | AmbiguousExperimentId | TrackerError>
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
