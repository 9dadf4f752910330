/**
 * The nodes that evaluate a sweep's batches: one `sweep-workers` resource (the variant evaluator
 * over the projection: worker threads reading its candles from shared memory) and, per batch, one
 * `sweep-batch` node that evaluates the batch's strategies, publishes its metrics rows, daily pnl
 * and (with a walk-forward) window statistics, then puts ONE group entry mapping every member's
 * variant key to them (objects and manifests before the entry).
 *
 * Built the same way by a sweep evaluating its misses here and by `pipeline worker` evaluating a
 * batch a sweep elsewhere enqueued, so both publish the same bytes under the same keys.
 */
import { Chunk, Clock, Effect, Schema, Stream } from "effect"
import { artifactNode, resourceNode } from "../../pipeline/index.js"
import { ActionCache, type ArtifactId, type Digest, type GroupEntry, hexOf, type StoreIOError } from "../../store/index.js"
import { ExperimentSweepBatch, ExperimentSweepDaily, ExperimentSweepWindows } from "../contracts/index.js"
import type { Definition } from "../experiment/Definition.js"
import type { InputNodes, ResolvedInputs } from "../experiment/ExperimentDag.js"
import { publishRows } from "../parquet/index.js"
import type { Projection } from "../project/Projection.js"
import { Strategy } from "../simulate/index.js"
import type { TimeWindow } from "../stats/index.js"
import { dailyRows } from "./SweepOverfitting.js"
import type { RemoteSweepFailed, SweepJobFailed } from "./SweepError.js"
import type { WalkForwardSpec } from "./SweepSpec.js"
import { SWEEP_VERSION } from "./SweepVersion.js"
import { windowRows } from "./SweepWalkForward.js"
import type { VariantOutcome } from "./VariantEvaluation.js"
import { makeVariantEvaluator, type VariantEvaluator } from "./VariantEvaluator.js"

/**
 * Where a sweep's missing batches are evaluated when not on this machine's worker pool
 * (`run --workers remote`): `run` succeeds once every batch's group entry is in the action cache
 * with its outputs in the local store, so the sweep reads them as it reads cached ones.
 */
export interface SweepBatchRunner {
  /**
   * Starts making the sweep's input artifacts readable where the batches are evaluated: a sweep
   * calls it as soon as its inputs are known, so the upload runs beside validate and the keys;
   * `run` makes sure of them again (waiting for an upload still in progress).
   */
  readonly stage: (inputs: ReadonlyArray<ArtifactId>) => Effect.Effect<void, RemoteSweepFailed>
  readonly run: (request: SweepBatchRequest) => Effect.Effect<void, SweepJobFailed | RemoteSweepFailed | StoreIOError>
}

export interface SweepBatchRequest {
  /** The definition as written (JSON). */
  readonly definitionEncoded: unknown
  readonly inputs: ResolvedInputs
  /** The batch artifacts' lineage: the input artifacts and validate's coverage. */
  readonly lineage: ReadonlyArray<ArtifactId>
  /** The misses sorted by key, cut into batches: each variant's key and its strategy as JSON. */
  readonly batches: ReadonlyArray<ReadonlyArray<{ readonly key: Digest; readonly strategyEncoded: unknown }>>
  /** Called as each batch becomes local, with its member count and its group entries' outputs. */
  readonly onBatchDone: (members: number, outputs: ReadonlyArray<GroupEntry["outputs"]>) => Effect.Effect<void>
  /**
   * Called once no batch is left waiting for a worker (every one is being evaluated or done):
   * from then on workers fall idle, so what follows the batches can start (it must not block).
   */
  readonly onAllClaimed?: Effect.Effect<void>
}

/** What a batch node needs of a variant: its key (the group entry's member) and its strategy. */
export interface BatchMember {
  readonly key: Digest
  readonly strategy: Strategy
}

const BatchVariant = Schema.Struct({ key: Schema.String, strategy: Strategy })
const BatchConfig = Schema.Struct({ variants: Schema.Array(BatchVariant) })
const PoolConfig = Schema.Struct({
  seed: Schema.Number,
  dateRange: Schema.Struct({ from: Schema.String, to: Schema.String }),
  bootstrapResamples: Schema.Int,
  /** Walk-forward windows as [from, to) epoch ms pairs; empty without a walk-forward. */
  windows: Schema.Array(Schema.Tuple(Schema.Number, Schema.Number))
})

export interface SweepBatchContext {
  readonly definition: Definition
  readonly walkForward: WalkForwardSpec | undefined
  /** The walk-forward's windows (empty without one). */
  readonly windows: ReadonlyArray<TimeWindow>
  readonly project: InputNodes["project"]
  /** The batch artifacts' inputs: the sweep's input artifacts and validate's coverage. */
  readonly lineage: ReadonlyArray<ArtifactId>
  /** Worker threads of the evaluator (0: the calling thread). */
  readonly workers: number
}

/** The projection's series as one array (views of its resident arrays; nothing is copied). */
const collectSeries = (projection: Projection) =>
  Effect.map(Stream.runCollect(projection.candles), Chunk.toReadonlyArray)

/**
 * `batchNode(batch)`: the node evaluating and publishing one batch; every node shares one evaluator
 * resource. `onEvaluated` sees each batch's outcomes (in the batch's order) once it is published.
 */
export const sweepBatchNodes = <E, R>(
  context: SweepBatchContext,
  onEvaluated: (batch: ReadonlyArray<BatchMember>, outcomes: ReadonlyArray<VariantOutcome>) => Effect.Effect<void, E, R>
) => {
  const { definition, lineage, walkForward } = context
  const pool = resourceNode({
    name: "sweep-workers",
    version: SWEEP_VERSION,
    configSchema: PoolConfig,
    config: {
      seed: definition.seed,
      dateRange: definition.dateRange,
      bootstrapResamples: definition.metrics.bootstrapResamples,
      windows: context.windows.map((w): readonly [number, number] => [w.from, w.to])
    },
    identity: `${definition.name}/sweep-workers`,
    inputs: { projection: context.project },
    acquire: ({ config, inputs: { projection } }) =>
      Effect.flatMap(collectSeries(projection), (series) =>
        makeVariantEvaluator({
          alerts: projection.alerts,
          series,
          seed: config.seed,
          dateRange: { from: Date.parse(config.dateRange.from), to: Date.parse(config.dateRange.to) },
          bootstrapResamples: config.bootstrapResamples,
          windows: walkForward === undefined ? undefined : config.windows.map(([from, to]) => ({ from, to }))
        }, context.workers))
  })

  /** Evaluates one batch and publishes its rows, daily pnl and (with a walk-forward) window statistics. */
  const runBatch = (batch: ReadonlyArray<BatchMember>, evaluator: VariantEvaluator, key: Digest, name: string) =>
    Effect.gen(function*() {
      const cache = yield* ActionCache
      const outcomes: ReadonlyArray<VariantOutcome> = yield* evaluator.evaluate(batch.map((v) => v.strategy))
      const common = { inputs: lineage, producedBy: { node: name, key } }
      const short = key.slice(7, 23)
      const [results, daily, windowStats] = yield* Effect.all([
        publishRows({
          ...common,
          contract: ExperimentSweepBatch,
          rows: outcomes.map((outcome, i) => ({ variant_key: hexOf(batch[i]!.key), ...outcome.row })),
          logicalKey: `sweep-batch/${short}`
        }),
        publishRows({
          ...common,
          contract: ExperimentSweepDaily,
          rows: outcomes.flatMap((outcome, i) => dailyRows(hexOf(batch[i]!.key), outcome.daily)),
          logicalKey: `sweep-daily/${short}`
        }),
        walkForward === undefined ? Effect.succeed(undefined) : publishRows({
          ...common,
          contract: ExperimentSweepWindows,
          rows: outcomes.flatMap((outcome, i) => windowRows(hexOf(batch[i]!.key), outcome.windows ?? [])),
          logicalKey: `sweep-windows/${short}`
        })
      ])
      const refOf = (manifest: { readonly artifactId: ArtifactId; readonly digest: Digest }) => ({
        artifactId: manifest.artifactId,
        digest: manifest.digest
      })
      // CAS before AC: the batch is durable before the entry that points its variants into it.
      const finishedAt = yield* Clock.currentTimeMillis
      yield* cache.putGroup({
        key,
        node: "sweep-variant",
        members: batch.map((variant) => variant.key),
        outputs: {
          results: refOf(results),
          daily: refOf(daily),
          ...(windowStats === undefined ? {} : { windows: refOf(windowStats) })
        },
        ranAt: new Date(finishedAt).toISOString(),
        durationMs: 0
      })
      yield* onEvaluated(batch, outcomes)
      return { results, daily, windowStats }
    })

  const batchDeclaration = (batch: ReadonlyArray<BatchMember>) => ({
    name: "sweep-batch",
    version: SWEEP_VERSION,
    configSchema: BatchConfig,
    config: { variants: batch.map((v) => ({ key: v.key, strategy: v.strategy })) },
    seeded: true,
    identity: `${definition.name}/sweep-batch`,
    inputs: { pool }
  })

  return (batch: ReadonlyArray<BatchMember>) =>
    walkForward === undefined
      ? artifactNode({
        ...batchDeclaration(batch),
        outputs: ["results", "daily"],
        run: ({ inputs: { pool: evaluator }, key, name }) =>
          Effect.map(runBatch(batch, evaluator, key, name), ({ daily, results }) => ({ results, daily }))
      })
      : artifactNode({
        ...batchDeclaration(batch),
        outputs: ["results", "daily", "windows"],
        run: ({ inputs: { pool: evaluator }, key, name }) =>
          Effect.flatMap(runBatch(batch, evaluator, key, name), ({ daily, results, windowStats }) =>
            windowStats === undefined
              ? Effect.dieMessage("a walk-forward batch published no window statistics")
              : Effect.succeed({ results, daily, windows: windowStats }))
      })
}
