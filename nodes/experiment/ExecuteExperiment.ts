/**
 * `executeExperiment(definition)`: the handler of DESIGN.md §3. It needs only services — the store
 * (objects, catalog, action cache, tracker), the process-liveness port and the run environment —
 * and touches no filesystem, console or environment itself.
 *
 * Normal mode records a run of the experiment: pending → running → completed | failed | cancelled
 * (interruption, e.g. Ctrl-C) on every exit path. The experiment id is a digest of the definition
 * and its resolved inputs, so running the same definition again adds a run to the same experiment.
 * `dryRun` plans (explain, `run --dry-run`); `force` re-executes for `verify`. Neither records a run.
 */
import { Cause, type Duration, Effect, Exit, Option, Schema } from "effect"
import {
  type ExecutionMode,
  type ExecutionReport,
  execute,
  type ExecutorEvent,
  type NodeReport,
  isInterruptOnly
} from "../../pipeline/index.js"
import {
  ArtifactCatalog,
  type ArtifactId,
  canonicalDigest,
  type ExperimentId,
  ExperimentTracker,
  hexOf,
  keepAlive,
  type NodeSummary,
  ProcessLiveness
} from "../../store/index.js"
import type { ParseError } from "effect/ParseResult"
import type { PipelineError } from "../../pipeline/index.js"
import type { ActionCache, CanonicalEncodingError, ObjectStore, RunNotFound, StoreError } from "../../store/index.js"
import type { ArtifactSchemaMismatch } from "../contracts/ArtifactColumns.js"
import type { DuckDBError, DuckWorkspace } from "../duckdb/index.js"
import { currentProvenance, engineVersions, type RunEnvironment } from "../engine/index.js"
import type { DuplicateMintSeries } from "../simulate/index.js"
import type { SyntheticError } from "../synthetic/SyntheticError.js"
import type { InputArtifactsInvalid } from "../validate/index.js"
import { SyntheticConfig } from "../synthetic/SyntheticConfig.js"
import { syntheticNode } from "../synthetic/SyntheticNode.js"
import { type Definition, isSynthetic } from "./Definition.js"
import { experimentDag, type ResolvedInputs } from "./ExperimentDag.js"
import { type InputNotResolved, resolveCatalogInputs } from "./ResolveInputs.js"

export const OUTPUT_NAMES = ["trades", "metrics", "equity", "diagnostics"] as const
export type OutputName = (typeof OUTPUT_NAMES)[number]

export interface OutputArtifact {
  readonly artifactId: ArtifactId
  readonly digest: string
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

const summarize = (nodes: ReadonlyArray<NodeReport>) => {
  const summaries: Array<NodeSummary> = nodes.map((node) => ({
    name: node.node.name,
    key: node.key,
    cache: node.cache === "resource" ? (node.acquired ? "miss" : "hit") : node.cache,
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

/** Runs the synthetic generator node (cached) and returns the ids of its two artifacts. */
const syntheticInputs = (
  definition: Definition & { inputs: { synthetic: unknown } },
  run: (targets: ReadonlyArray<ReturnType<typeof syntheticNode>>) => Effect.Effect<ExecutionReport, any, any>
) =>
  Effect.gen(function*() {
    const config = yield* Schema.decodeUnknown(SyntheticConfig)(definition.inputs.synthetic)
    const node = syntheticNode(config, `${definition.name}/synthetic`)
    const report = yield* run([node])
    const outputs = report.of(node).outputs
    const inputs: ResolvedInputs | undefined = outputs === undefined
      ? undefined
      : { alerts: [outputs.alerts.artifactId], ohlcv: [outputs.ohlcv.artifactId] }
    return { report, inputs }
  })

export const executeExperiment = (
  definition: Definition,
  definitionEncoded: unknown,
  options: ExperimentRunOptions = {}
) =>
  Effect.gen(function*() {
    const mode = options.mode ?? "normal"
    const engine = yield* engineVersions
    const catalog = yield* ArtifactCatalog
    const runDag = <N extends Parameters<typeof execute>[0][number]>(targets: ReadonlyArray<N>) =>
      execute(targets, {
        engine,
        seed: definition.seed,
        mode,
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {})
      })

    // 1. Inputs, resolved before anything is recorded.
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
    const resolved = inputs
    const dag = experimentDag(definition, resolved)

    const runGraph = Effect.gen(function*() {
      const report = yield* runDag([dag.publish])
      const nodes = [...before, ...report.nodes]
      const { cache } = summarize(nodes)
      const trades = report.of(dag.simulate).outputs?.trades
      const published = report.of(dag.publish).outputs
      let outputs: ExperimentResult["outputs"]
      if (trades !== undefined && published !== undefined) {
        const withPath = (ref: { artifactId: ArtifactId; digest: string }) =>
          Effect.map(catalog.dataPath(ref.artifactId), (path): OutputArtifact => ({ ...ref, path }))
        outputs = yield* Effect.all({
          trades: withPath(trades),
          metrics: withPath(published.metrics),
          equity: withPath(published.equity),
          diagnostics: withPath(published.diagnostics)
        })
      }
      return { nodes, cache, outputs }
    })

    if (mode !== "normal") {
      const { nodes, cache, outputs } = yield* runGraph
      return {
        experimentId,
        name: definition.name,
        runId: undefined,
        inputs: resolved,
        nodes,
        outputs,
        cache
      } satisfies ExperimentResult
    }

    // 2. Normal mode: record the run around the execution.
    const tracker = yield* ExperimentTracker
    const liveness = yield* ProcessLiveness
    const provenance = yield* currentProvenance
    yield* tracker.create({
      experimentId,
      name: definition.name,
      definition: definitionEncoded,
      inputs: { alerts: [...resolved.alerts], ohlcv: [...resolved.ohlcv] },
      seed: definition.seed
    })
    const run = yield* tracker.startRun(experimentId, { owner: liveness.self, provenance })
    yield* tracker.transition(experimentId, run.runId, "running")

    const timed = options.timeout === undefined
      ? runGraph
      : runGraph.pipe(
        Effect.timeoutFail({
          duration: options.timeout,
          onTimeout: () => new RunTimedOut({ timeout: String(options.timeout) })
        })
      )
    const result = yield* Effect.scoped(
      Effect.zipRight(keepAlive(experimentId, run.runId, options.heartbeat ?? "5 seconds"), timed)
    ).pipe(
      Effect.onExit((exit) => {
        if (Exit.isSuccess(exit)) {
          const { summaries } = summarize(exit.value.nodes)
          const outputs: Record<string, { artifactId: ArtifactId; digest: any }> = {}
          for (const name of OUTPUT_NAMES) {
            const output = exit.value.outputs?.[name]
            if (output) outputs[name] = { artifactId: output.artifactId, digest: output.digest }
          }
          return Effect.ignore(
            tracker.transition(experimentId, run.runId, "completed", {
              outputs,
              cache: exit.value.cache,
              nodes: summaries
            })
          )
        }
        if (isInterruptOnly(exit)) return Effect.ignore(tracker.transition(experimentId, run.runId, "cancelled"))
        const failure = Option.getOrUndefined(Cause.failureOption(exit.cause))
        const error = failure !== null && typeof failure === "object" && "_tag" in failure
          ? { tag: String((failure as { _tag: unknown })._tag), message: String((failure as Error).message ?? failure) }
          : { tag: "Defect", message: String(exit.cause) }
        return Effect.ignore(tracker.transition(experimentId, run.runId, "failed", { error }))
      })
    )
    return {
      experimentId,
      name: definition.name,
      runId: run.runId,
      inputs: resolved,
      nodes: result.nodes,
      outputs: result.outputs,
      cache: result.cache
    } satisfies ExperimentResult
  })

/** Services the handler needs: ports only (DESIGN.md §3). */
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
) => Effect.Effect<ExperimentResult, ExperimentError, ExperimentServices> = executeExperiment as any
