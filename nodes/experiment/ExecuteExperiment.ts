/**
 * `executeExperiment(definition)`: the handler of docs/DESIGN.md §3. It needs only services — the store
 * (objects, catalog, action cache, tracker), the process-liveness port and the run environment —
 * and touches no filesystem, console or environment itself.
 *
 * Normal mode records a run of the experiment: pending → running → completed | failed | cancelled
 * (interruption, e.g. Ctrl-C) on every exit path. The experiment id is a digest of the definition
 * and its resolved inputs, so running the same definition again adds a run to the same experiment.
 * A synthetic experiment's id does not depend on what its generator produces, so its run is
 * recorded before the generator runs: an interruption or a timeout during generation is recorded
 * too, and the run's duration covers every node.
 * `dryRun` plans (explain, `run --dry-run`); `force` re-executes for `verify`. Neither records a run.
 */
import { Cause, Clock, Duration, Effect, Exit, Fiber, FiberRef, Option, Predicate, Schema } from "effect"
import {
  type ExecutionMode,
  type ExecutionReport,
  execute,
  type ExecutorEvent,
  type GraphNode,
  type NodeReport
} from "../../pipeline/index.js"
import {
  ArtifactCatalog,
  type ArtifactId,
  canonicalDigest,
  type Digest,
  type OutputRef,
  type ExperimentId,
  ExperimentTracker,
  hexOf,
  keepAlive,
  type NodeSummary,
  ProcessLiveness,
  type RunResults
} from "../../store/index.js"
import type { ParseError } from "effect/ParseResult"
import type { PipelineError } from "../../pipeline/index.js"
import { type ActionCache, type CanonicalEncodingError, ObjectStore, type RunNotFound, type StoreError } from "../../store/index.js"
import type { ArtifactSchemaMismatch } from "../contracts/ArtifactColumns.js"
import type { DuckDBError, DuckWorkspace } from "../duckdb/index.js"
import { currentProvenance, engineVersions, type RunEnvironment } from "../runtime/index.js"
import type { DuplicateMintSeries } from "../simulate/index.js"
import type { SyntheticError } from "../synthetic/SyntheticError.js"
import type { InputArtifactsInvalid } from "../validate/index.js"
import { SyntheticConfig } from "../synthetic/SyntheticConfig.js"
import { syntheticNode } from "../synthetic/SyntheticNode.js"
import { type Definition, isSynthetic } from "./Definition.js"
import { experimentDag, type ResolvedInputs } from "./ExperimentDag.js"
import { type InputNotResolved, resolveCatalogInputs } from "./ResolveInputs.js"
import { nodeStatus, runResultsOf } from "./RunResults.js"

export const OUTPUT_NAMES = ["trades", "metrics", "equity", "diagnostics"] as const
export type OutputName = (typeof OUTPUT_NAMES)[number]

export interface OutputArtifact {
  readonly artifactId: ArtifactId
  readonly digest: Digest
  /** The Parquet file in the store. */
  readonly path: string
}

export interface ExperimentRunOptions {
  readonly mode?: ExecutionMode
  readonly concurrency?: number
  readonly onEvent?: (event: ExecutorEvent) => Effect.Effect<void>
  /** Past it the run is interrupted (projection disposed) and recorded as failed with RunTimedOut. */
  readonly timeout?: Duration.DurationInput
  /** How often a running experiment refreshes its heartbeat (default 5 s). */
  readonly heartbeat?: Duration.DurationInput
}

export interface ExperimentResult {
  readonly experimentId: ExperimentId
  readonly name: string
  /** Set in normal mode: the run recorded for this execution. */
  readonly runId: string | undefined
  readonly inputs: ResolvedInputs
  /** Every node that took part, synthetic generator included, in execution order. */
  readonly nodes: ReadonlyArray<NodeReport>
  /** Undefined in a dry run whose outputs are not yet known. */
  readonly outputs: { readonly [K in OutputName]: OutputArtifact } | undefined
  readonly cache: { readonly hits: number; readonly misses: number }
  /**
   * The metrics row and diagnostics counts recorded on the run (normal mode), so a caller need not
   * read the run record back. Absent when not known: a dry run, or outputs that could not be read.
   */
  readonly results?: RunResults
  /** Set by a sweep (nodes/sweep): its variants and leaderboard. */
  readonly sweep?: unknown
}

export class RunTimedOut extends Schema.TaggedError<RunTimedOut>()("RunTimedOut", { timeout: Schema.String }) {
  override get message() {
    return `the run exceeded its timeout of ${this.timeout}`
  }
}

/** The id of an experiment: its definition (as encoded) and the artifacts it resolved to. */
export const experimentIdOf = (definitionEncoded: unknown, inputs: ResolvedInputs | null) =>
  Effect.map(
    canonicalDigest({ definition: definitionEncoded, inputs }),
    (digest) => `exp_${hexOf(digest).slice(0, 32)}` as ExperimentId
  )

export const summarize = (nodes: ReadonlyArray<NodeReport>) => {
  const summaries: Array<NodeSummary> = nodes.map((node) => ({
    name: node.node.name,
    key: node.key,
    cache: nodeStatus(node, nodes),
    durationMs: node.durationMs
  }))
  const artifactNodes = nodes.filter((node) => node.cache !== "resource")
  return {
    summaries,
    cache: {
      hits: artifactNodes.filter((node) => node.cache === "hit").length,
      misses: artifactNodes.filter((node) => node.cache === "miss").length
    }
  }
}

/** The synthetic generator's config of a definition whose inputs are synthetic. */
const syntheticConfigOf = (definition: Definition & { inputs: { synthetic: unknown } }) =>
  Schema.decodeUnknown(SyntheticConfig)(definition.inputs.synthetic)

/** Runs the synthetic generator node (cached) and returns the ids of its two artifacts. */
const syntheticInputs = <E, R>(
  definition: Definition & { inputs: { synthetic: unknown } },
  run: (targets: ReadonlyArray<ReturnType<typeof syntheticNode>>) => Effect.Effect<ExecutionReport, E, R>
) =>
  Effect.gen(function*() {
    const config = yield* syntheticConfigOf(definition)
    const node = syntheticNode(config, `${definition.name}/synthetic`)
    const report = yield* run([node])
    const outputs = report.of(node).outputs
    const inputs: ResolvedInputs | undefined = outputs === undefined
      ? undefined
      : { alerts: [outputs.alerts.artifactId], ohlcv: [outputs.ohlcv.artifactId] }
    return { report, inputs }
  })

/** An artifact with its Parquet file in the store. */
export const withPath = (ref: OutputRef) =>
  Effect.flatMap(ArtifactCatalog, (catalog) =>
    Effect.map(catalog.dataPath(ref.artifactId), (path): OutputArtifact => ({ ...ref, path })))

/** An experiment's four outputs (from simulate's trades and publish's three), with their files. */
export const outputArtifacts = (refs: Readonly<Record<string, OutputRef>>) =>
  Effect.all({
    trades: withPath(refs.trades!),
    metrics: withPath(refs.metrics!),
    equity: withPath(refs.equity!),
    diagnostics: withPath(refs.diagnostics!)
  }, { concurrency: "unbounded" })

/**
 * An output of a node the executor has just finished, with its file: the executor checked it (a
 * hit's manifest and object are verified by the lookup) or published it (a miss), so its manifest
 * is not read and its object not checked again — only located (through a remote tier, downloaded).
 */
const withObjectPath = (ref: OutputRef) =>
  Effect.flatMap(ObjectStore, (objects) => Effect.map(objects.path(ref.digest), (path): OutputArtifact => ({ ...ref, path })))

/** `outputArtifacts` for outputs the executor has just checked or published (`withObjectPath`). */
const executedOutputArtifacts = (refs: Readonly<Record<string, OutputRef>>) =>
  Effect.all({
    trades: withObjectPath(refs.trades!),
    metrics: withObjectPath(refs.metrics!),
    equity: withObjectPath(refs.equity!),
    diagnostics: withObjectPath(refs.diagnostics!)
  }, { concurrency: "unbounded" })

/**
 * What a recorded run has done so far, kept as the executor's events arrive: the hit/miss counts,
 * a summary per finished (or failed) node, and the nodes still running with their start times. A
 * run that ends early (Ctrl-C, timeout, failure) is recorded with these: the real counts of what it
 * looked up and ran, and the nodes it stopped in.
 */
interface RunLedger {
  hits: number
  misses: number
  readonly nodes: Array<NodeSummary>
  readonly running: Map<string, { readonly name: string; readonly key: string; readonly startedAt: number }>
}

const newLedger = (): RunLedger => ({ hits: 0, misses: 0, nodes: [], running: new Map() })

/** The ledger's nodes, with the ones still running when the run ended marked `interrupted`. */
const ledgerNodes = (ledger: RunLedger, now: number): Array<NodeSummary> => [
  ...ledger.nodes,
  ...[...ledger.running.values()].map(({ key, name, startedAt }) => ({
    name,
    key,
    cache: "miss" as const,
    durationMs: Math.max(0, now - startedAt),
    outcome: "interrupted" as const
  }))
]

/** The ledger of the run being recorded (set by `trackRun` for its body and every fiber it forks). */
const currentLedger = FiberRef.unsafeMake<RunLedger | undefined>(undefined)

// Times come from the Clock service, as the run's own start does: a run record's durations are
// provenance (wall time), never part of a key or an artifact.
const noteEvent = (event: ExecutorEvent): Effect.Effect<void> =>
  Effect.flatMap(Effect.zip(FiberRef.get(currentLedger), Clock.currentTimeMillis), ([ledger, now]) =>
    Effect.sync(() => {
      if (ledger === undefined) return
      switch (event._tag) {
        case "Hit":
          ledger.hits++
          ledger.nodes.push({ name: event.node.name, key: event.key, cache: "hit", durationMs: 0 })
          return
        case "Miss":
          ledger.misses++
          return
        case "Started":
          ledger.running.set(event.key, { name: event.node.name, key: event.key, startedAt: now })
          return
        case "Finished":
          ledger.running.delete(event.key)
          ledger.nodes.push({ name: event.node.name, key: event.key, cache: "miss", durationMs: event.durationMs })
          return
        case "ResourceAcquired":
          // A resource is built only for a node that misses: a miss, as `nodeStatus` says.
          ledger.running.delete(event.key)
          ledger.nodes.push({ name: event.node.name, key: event.key, cache: "miss", durationMs: event.durationMs })
          return
        case "Failed": {
          // Only a node whose body ran failed itself (one whose inputs failed never started).
          const started = event.key === undefined ? undefined : ledger.running.get(event.key)
          if (started === undefined) return
          ledger.running.delete(started.key)
          ledger.nodes.push({
            name: started.name,
            key: started.key,
            cache: "miss",
            durationMs: Math.max(0, now - started.startedAt),
            outcome: "failed"
          })
          return
        }
      }
    }))

/** How a handler runs a set of nodes: `execute` with the experiment's engine, seed and mode. */
export const experimentRunner = (definition: Definition, options: ExperimentRunOptions) =>
  Effect.map(engineVersions, (engine) => {
    const mode = options.mode ?? "normal"
    const onEvent = options.onEvent
    return <E, R>(targets: ReadonlyArray<GraphNode<E, R>>) =>
      execute(targets, {
        engine,
        seed: definition.seed,
        mode,
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        onEvent: onEvent === undefined ? noteEvent : (event) => Effect.zipRight(noteEvent(event), onEvent(event))
      })
  })

/**
 * The experiment's inputs (the synthetic generator run first when the definition asks for it) and
 * its id. `inputs` is undefined only in a dry run whose generator has not run yet.
 */
export const resolveExperiment = <E, R>(
  definition: Definition,
  definitionEncoded: unknown,
  runDag: (targets: ReadonlyArray<ReturnType<typeof syntheticNode>>) => Effect.Effect<ExecutionReport, E, R>
) =>
  Effect.gen(function*() {
    let before: ReadonlyArray<NodeReport> = []
    let inputs: ResolvedInputs | undefined
    if (isSynthetic(definition.inputs)) {
      const synthetic = yield* syntheticInputs(definition as Definition & { inputs: { synthetic: unknown } }, runDag)
      before = synthetic.report.nodes
      inputs = synthetic.inputs
    } else {
      inputs = yield* resolveCatalogInputs(definition.inputs)
    }
    const experimentId = yield* experimentIdOf(
      definitionEncoded,
      isSynthetic(definition.inputs) ? null : inputs ?? null
    )
    return { before, inputs, experimentId }
  })

/** What a tracked body returns: enough to complete the run record. */
export interface TrackedOutcome {
  readonly nodes: ReadonlyArray<NodeReport>
  readonly cache: { readonly hits: number; readonly misses: number }
  /** Recorded as the run's outputs. */
  readonly recordedOutputs: Readonly<Record<string, OutputRef>>
}

/** What `trackRun` records an experiment as. */
export interface TrackedExperiment {
  readonly experimentId: ExperimentId
  readonly definition: Definition
  readonly definitionEncoded: unknown
  /** Undefined when not known yet (a synthetic generator still to run): see `recordInputs`. */
  readonly inputs: ResolvedInputs | undefined
}

/** The experiment record as `create` takes it; `inputs: {}` when they are not known yet. */
const newExperiment = (experiment: TrackedExperiment) => ({
  experimentId: experiment.experimentId,
  name: experiment.definition.name,
  definition: experiment.definitionEncoded,
  inputs: experiment.inputs === undefined
    ? {}
    : { alerts: [...experiment.inputs.alerts], ohlcv: [...experiment.inputs.ohlcv] },
  seed: experiment.definition.seed
})

/** Completes a record made before its inputs were known (a no-op when it already has them). */
export const recordInputs = (experiment: TrackedExperiment & { readonly inputs: ResolvedInputs }) =>
  Effect.flatMap(ExperimentTracker, (tracker) => tracker.create(newExperiment(experiment)))

/**
 * Records a run of the experiment around `body`: pending → running → completed | failed |
 * cancelled (interruption) on every exit path, with a heartbeat while it runs and the timeout
 * applied to the body. A run that does not complete keeps the hit/miss counts and node summaries
 * of what it did before it ended (the executor's events, through `experimentRunner`).
 */
export const trackRun = <A extends TrackedOutcome, E, R>(
  experiment: TrackedExperiment,
  options: ExperimentRunOptions,
  body: Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const { experimentId } = experiment
    const tracker = yield* ExperimentTracker
    const liveness = yield* ProcessLiveness
    const provenance = yield* currentProvenance
    // Started with the body: the run's duration covers it from its first step.
    const record = (began: number) =>
      Effect.gen(function*() {
        yield* tracker.create(newExperiment(experiment))
        const run = yield* tracker.startRun(experimentId, { owner: liveness.self, provenance })
        yield* tracker.transition(experimentId, run.runId, "running", { startedAt: began })
        return run
      })

    const ledger = newLedger()
    const timeout = options.timeout === undefined ? undefined : Duration.decode(options.timeout)
    const timed = timeout === undefined
      ? body
      : body.pipe(
        Effect.timeoutFail({
          duration: timeout,
          // "10m", "1m 30s" (a Duration's own String is "Duration(…)").
          onTimeout: () => new RunTimedOut({ timeout: Duration.format(timeout) })
        })
      )
    const sofar = Effect.map(Clock.currentTimeMillis, (now) => ({
      cache: { hits: ledger.hits, misses: ledger.misses },
      nodes: ledgerNodes(ledger, now)
    }))
    // What the completed run recorded as its results (kept for the caller).
    let results: RunResults | undefined
    // The body starts beside the record's durable writes (pending, then running) instead of after
    // their fsyncs: a cold run loads DuckDB meanwhile. Its end, whatever it is, is recorded once the
    // record says running (and the heartbeat has stopped); if the record cannot be made, the body is
    // interrupted and the run fails with the store's error, with nothing recorded, as before.
    return yield* Effect.scoped(
      Effect.gen(function*() {
        const began = yield* Clock.currentTimeMillis
        const fiber = yield* Effect.forkScoped(timed)
        const run = yield* Effect.onError(record(began), () => Fiber.interrupt(fiber))
        const result = yield* Effect.scoped(
          Effect.zipRight(
            keepAlive(experimentId, run.runId, options.heartbeat ?? "5 seconds"),
            // Interrupted here, the body is interrupted and has ended before the run is recorded.
            Effect.onInterrupt(Fiber.join(fiber), () => Fiber.interrupt(fiber))
          )
        ).pipe(
          Effect.onExit((exit) => {
            if (Exit.isSuccess(exit)) {
              const { summaries } = summarize(exit.value.nodes)
              // The results are a convenience for readers: a run whose files cannot be read completes without them.
              return Effect.flatMap(
                Effect.orElseSucceed(runResultsOf(experimentId, exit.value.recordedOutputs, run.runId), () => undefined),
                (found) =>
                  Effect.ignore(
                    Effect.tap(
                      tracker.transition(experimentId, run.runId, "completed", {
                        outputs: { ...exit.value.recordedOutputs },
                        cache: exit.value.cache,
                        nodes: summaries,
                        ...(found !== undefined ? { results: found } : {})
                      }),
                      () => Effect.sync(() => {
                        results = found
                      })
                    )
                  )
              )
            }
            // Not `cause._tag === "Interrupt"`: interrupted concurrent fibers give compositions of causes.
            if (Cause.isInterruptedOnly(exit.cause)) {
              return Effect.ignore(Effect.flatMap(sofar, (record) => tracker.transition(experimentId, run.runId, "cancelled", record)))
            }
            return Effect.ignore(
              Effect.flatMap(sofar, (record) => tracker.transition(experimentId, run.runId, "failed", { ...record, error: errorOf(exit.cause) }))
            )
          })
        )
        return { runId: run.runId, result, results }
      })
    ).pipe(Effect.locally(currentLedger, ledger))
  })

/** The tag and message of a run's failure, for its record. */
const errorOf = (cause: Cause.Cause<unknown>): { tag: string; message: string } => {
  const failure = Option.getOrUndefined(Cause.failureOption(cause))
  if (Predicate.isTagged(failure, "_tag") || (Predicate.hasProperty(failure, "_tag") && typeof failure._tag === "string")) {
    const message = Predicate.hasProperty(failure, "message") ? String(failure.message) : String(failure)
    return { tag: String(failure._tag), message }
  }
  return { tag: "Defect", message: String(cause) }
}

/** The artifact ids and digests of a run's outputs, as its record keeps them. */
export const recordedOutputsOf = (outputs: ExperimentResult["outputs"]) => {
  const recorded: Record<string, OutputRef> = {}
  for (const name of OUTPUT_NAMES) {
    const output = outputs?.[name]
    if (output) recorded[name] = { artifactId: output.artifactId, digest: output.digest }
  }
  return recorded
}

/**
 * Normal mode: resolves the experiment's inputs and records a run around `body` (`trackRun`).
 * Catalog inputs are resolved before anything is recorded (a selector that names nothing leaves
 * the store unchanged). A synthetic generator runs inside the recorded run, whose record is made
 * with its inputs still unknown and completed once the generator has produced them. `body` runs
 * inside the recorded run, given the generator's node reports, the inputs and the experiment's id.
 */
export const runRecorded = <A extends TrackedOutcome, E, R, E2, R2>(
  definition: Definition,
  definitionEncoded: unknown,
  runDag: (targets: ReadonlyArray<ReturnType<typeof syntheticNode>>) => Effect.Effect<ExecutionReport, E2, R2>,
  options: ExperimentRunOptions,
  body: (before: ReadonlyArray<NodeReport>, inputs: ResolvedInputs, experimentId: ExperimentId) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    if (!isSynthetic(definition.inputs)) {
      const inputs = yield* resolveCatalogInputs(definition.inputs)
      const experimentId = yield* experimentIdOf(definitionEncoded, inputs)
      const tracked = yield* trackRun({ experimentId, definition, definitionEncoded, inputs }, options, body([], inputs, experimentId))
      return { experimentId, runId: tracked.runId, inputs, result: tracked.result, results: tracked.results }
    }
    const synthetic = definition as Definition & { inputs: { synthetic: unknown } }
    // A config that does not decode fails before anything is recorded.
    yield* syntheticConfigOf(synthetic)
    const experiment: TrackedExperiment = { experimentId: yield* experimentIdOf(definitionEncoded, null), definition, definitionEncoded, inputs: undefined }
    const generateThenRun = Effect.gen(function*() {
      const { inputs, report } = yield* syntheticInputs(synthetic, runDag)
      if (inputs === undefined) return yield* Effect.dieMessage("the synthetic generator published no outputs in a recorded run")
      yield* recordInputs({ ...experiment, inputs })
      return { ...(yield* body(report.nodes, inputs, experiment.experimentId)), generatedInputs: inputs }
    })
    const tracked = yield* trackRun(experiment, options, generateThenRun)
    const { generatedInputs, ...result } = tracked.result
    return { experimentId: experiment.experimentId, runId: tracked.runId, inputs: generatedInputs, result, results: tracked.results }
  })

export const executeExperiment = (
  definition: Definition,
  definitionEncoded: unknown,
  options: ExperimentRunOptions = {}
) =>
  Effect.gen(function*() {
    const mode = options.mode ?? "normal"
    const runDag = yield* experimentRunner(definition, options)

    const runGraph = (before: ReadonlyArray<NodeReport>, resolved: ResolvedInputs) =>
      Effect.gen(function*() {
        const dag = experimentDag(definition, resolved)
        const report = yield* runDag([dag.publish])
        const nodes = [...before, ...report.nodes]
        const { cache } = summarize(nodes)
        const trades = report.of(dag.simulate).outputs?.trades
        const published = report.of(dag.publish).outputs
        let outputs: ExperimentResult["outputs"]
        if (trades !== undefined && published !== undefined) {
          outputs = yield* executedOutputArtifacts({ trades, ...published })
        }
        return { nodes, cache, outputs, recordedOutputs: recordedOutputsOf(outputs) }
      })

    if (mode === "normal") {
      // The run is recorded around the execution (the synthetic generator's included).
      const { experimentId, inputs, result, results, runId } = yield* runRecorded(definition, definitionEncoded, runDag, options, runGraph)
      return {
        experimentId,
        name: definition.name,
        runId,
        inputs,
        nodes: result.nodes,
        outputs: result.outputs,
        cache: result.cache,
        ...(results !== undefined ? { results } : {})
      } satisfies ExperimentResult
    }

    // Dry run and forced re-execution: nothing is recorded.
    const { before, experimentId, inputs } = yield* resolveExperiment(definition, definitionEncoded, runDag)
    if (inputs === undefined) {
      // Dry run with a synthetic generator that has not run yet: nothing downstream can be keyed.
      const { cache } = summarize(before)
      return {
        experimentId,
        name: definition.name,
        runId: undefined,
        inputs: { alerts: [], ohlcv: [] },
        nodes: before,
        outputs: undefined,
        cache
      } satisfies ExperimentResult
    }
    const { cache, nodes, outputs } = yield* runGraph(before, inputs)
    return {
      experimentId,
      name: definition.name,
      runId: undefined,
      inputs,
      nodes,
      outputs,
      cache
    } satisfies ExperimentResult
  })

/** Services the handler needs: ports only (docs/DESIGN.md §3). */
export type ExperimentServices =
  | ObjectStore
  | ArtifactCatalog
  | ActionCache
  | ExperimentTracker
  | ProcessLiveness
  | RunEnvironment
  | DuckWorkspace

/** Every failure an experiment run can end with; each is a tagged error naming what it is about. */
export type ExperimentError =
  | InputNotResolved
  | InputArtifactsInvalid
  | RunTimedOut
  | StoreError
  | RunNotFound
  | CanonicalEncodingError
  | DuckDBError
  | ParseError
  | PipelineError
  | DuplicateMintSeries
  | SyntheticError
  | ArtifactSchemaMismatch

/** `executeExperiment` with its requirements and errors spelled out for callers. */
export const runExperiment: (
  definition: Definition,
  definitionEncoded: unknown,
  options?: ExperimentRunOptions
) => Effect.Effect<ExperimentResult, ExperimentError, ExperimentServices> = executeExperiment
