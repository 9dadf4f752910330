/** The experiment tracker's records: ids, experiment and run records, statuses, process liveness. */
import * as os from "node:os"
import { Context, Effect, Layer, Schema } from "effect"
import { OutputRef } from "./ActionRecords.js"
import { ArtifactId, Provenance } from "./ArtifactRecords.js"

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
  durationMs: Schema.NonNegative,
  /**
   * Set only on a run that ended early, for a node that missed the cache and did not finish:
   * `failed` (its own error ended the run) or `interrupted` (Ctrl-C, a timeout, or a sibling's
   * failure stopped it). Its duration is how long it ran.
   */
  outcome: Schema.optional(Schema.Literal("failed", "interrupted"))
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
