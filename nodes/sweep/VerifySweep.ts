/**
 * `verifySweep`: reproducibility of a sweep by recomputation. Every variant (or a seeded sample of
 * `sample` of them) is evaluated again from the projection, bypassing every cache, and its metrics
 * row is compared value by value (`Object.is`: bits, not tolerance) with the row its batch artifact
 * recorded; each recorded batch object is re-hashed in full first (no stat cache), so stored bytes
 * that no longer match their digest are reported too. Nothing is written to the store: the
 * projection lives in scratch space and is removed with the scope.
 */
import { Chunk, Effect, Schema, Stream } from "effect"
import seedrandom from "seedrandom"
import { ActionCache, ArtifactCatalog, type ArtifactId, type Digest, hexOf, ObjectStore, type OutputRef } from "../../store/index.js"
import { engineVersions } from "../runtime/index.js"
import type { Definition } from "../experiment/Definition.js"
import { experimentRunner, resolveExperiment } from "../experiment/ExecuteExperiment.js"
import { inputNodes } from "../experiment/ExperimentDag.js"
import type { MetricsRow } from "../metrics/index.js"
import { openProjection } from "../project/Projection.js"
import { readCachedRows, strategyAsWritten, sweepKeys } from "./ExecuteSweep.js"
import type { SweepSpec } from "./SweepSpec.js"
import { makeVariantEvaluator } from "./VariantEvaluator.js"
import { expandSweep } from "./Variants.js"

export interface SweepDivergence {
  readonly variantId: string
  /** The batch artifact that recorded the variant's row. */
  readonly artifactId: ArtifactId
  readonly column: string
  readonly recorded: string
  readonly recomputed: string
}

export interface SweepVerifyReport {
  readonly experimentId: string
  readonly name: string
  readonly variants: number
  /** Variants recomputed and compared. */
  readonly checked: number
  readonly identical: number
  readonly divergences: ReadonlyArray<SweepDivergence>
  /** Chosen variants with no recorded row (never run, or their batch is gone). */
  readonly unrecorded: ReadonlyArray<string>
  /** Recorded batch objects whose bytes no longer hash to their digest. */
  readonly corrupt: ReadonlyArray<{ readonly artifactId: ArtifactId; readonly path: string }>
  readonly ok: boolean
}

/** The sweep's verification found differences, or nothing recorded to compare with: exit 1. */
export class SweepVerificationFailed extends Schema.TaggedError<SweepVerificationFailed>()("SweepVerificationFailed", {
  experimentId: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `verify of sweep ${this.experimentId} failed: ${this.detail}`
  }
}

/** `count` variant ids chosen by a seeded shuffle of the sorted ids (all of them when count ≥ n). */
export const sampleVariants = (ids: ReadonlyArray<string>, count: number, seed: number): ReadonlyArray<string> => {
  const sorted = [...ids].sort()
  if (count >= sorted.length) return sorted
  const rng = seedrandom(`${seed}/verify-sample`)
  for (let i = sorted.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    const t = sorted[i]!
    sorted[i] = sorted[j]!
    sorted[j] = t
  }
  return sorted.slice(0, count).sort()
}

const show = (value: unknown) => (value === null || value === undefined ? "NULL" : String(value))

export const verifySweep = (
  definition: Definition & { readonly sweep: SweepSpec },
  definitionEncoded: unknown,
  options: { readonly sample?: number; readonly sampleSeed?: number; readonly workers?: number } = {}
) =>
  Effect.gen(function*() {
    const expanded = yield* expandSweep(strategyAsWritten(definitionEncoded), definition.sweep)
    const engine = yield* engineVersions
    const cache = yield* ActionCache
    const catalog = yield* ArtifactCatalog
    const objects = yield* ObjectStore
    // Planning only: a dry run resolves inputs and validate's recorded outputs without writing.
    const runDag = yield* experimentRunner(definition, { mode: "dryRun" })
    const { experimentId, inputs } = yield* resolveExperiment(definition, definitionEncoded, runDag)
    const fail = (detail: string) => new SweepVerificationFailed({ experimentId, detail })
    if (inputs === undefined) return yield* fail("its synthetic inputs were never generated: run the sweep first")
    const shared = inputNodes(definition, inputs)
    const coverage = (yield* runDag([shared.validate])).of(shared.validate).outputs?.coverage
    if (coverage === undefined) return yield* fail("validate has no recorded result: run the sweep first")

    const { keyed } = yield* sweepKeys(definition, expanded, { engine, inputs, coverage: coverage.digest })
    const chosenIds = new Set(sampleVariants(keyed.map((v) => v.variantId), options.sample ?? keyed.length, options.sampleSeed ?? 0))
    const chosen = keyed.filter((variant) => chosenIds.has(variant.variantId))

    const members = yield* cache.lookupMembers([...new Set(chosen.map((v) => v.key))], { requireSoundOutputs: false })
    const found = new Map<Digest, OutputRef>()
    for (const [key, group] of members) if (group.outputs.results) found.set(key, group.outputs.results)
    const corrupt: Array<{ artifactId: ArtifactId; path: string }> = []
    for (const ref of new Map([...found.values()].map((ref) => [ref.artifactId, ref])).values()) {
      const checked = yield* objects.verify(ref.digest, { trustStatCache: false })
      if (checked._tag !== "Intact") corrupt.push({
          artifactId: ref.artifactId,
          path: yield* Effect.orElseSucceed(objects.path(ref.digest), () => `(missing) ${ref.digest}`)
        })
    }
    const sound = new Map([...found].filter(([, ref]) => !corrupt.some((c) => c.artifactId === ref.artifactId)))
    const recorded = yield* readCachedRows(sound, catalog)

    const range = { from: Date.parse(definition.dateRange.from), to: Date.parse(definition.dateRange.to) }
    const recomputed = yield* Effect.scoped(
      Effect.gen(function*() {
        const projection = yield* openProjection({
          databasePath: yield* objects.scratchPath("-projection.duckdb"),
          alertFiles: yield* Effect.forEach(inputs.alerts, (id) => catalog.dataPath(id)),
          ohlcvFiles: yield* Effect.forEach(inputs.ohlcv, (id) => catalog.dataPath(id)),
          from: range.from,
          to: range.to
        })
        const series = Chunk.toReadonlyArray(yield* Stream.runCollect(projection.candles))
        const evaluator = yield* makeVariantEvaluator({
          alerts: projection.alerts,
          series,
          seed: definition.seed,
          dateRange: range,
          bootstrapResamples: definition.metrics.bootstrapResamples
        }, options.workers ?? 1)
        const rows = yield* Effect.forEach(
          Array.from({ length: Math.ceil(chosen.length / 64) }, (_, i) => chosen.slice(i * 64, i * 64 + 64)),
          (batch) => evaluator.evaluate(batch.map((variant) => variant.strategy)),
          { concurrency: Math.max(1, options.workers ?? 1) }
        )
        return rows.flat()
      })
    )

    const divergences: Array<SweepDivergence> = []
    const unrecorded: Array<string> = []
    let identical = 0
    chosen.forEach((variant, i) => {
      const before = recorded.get(hexOf(variant.key))
      if (before === undefined) {
        unrecorded.push(variant.variantId)
        return
      }
      const after: MetricsRow = recomputed[i]!.row
      const column = (Object.keys(after) as Array<keyof MetricsRow>).find((name) => !Object.is(before[name], after[name]))
      if (column === undefined) identical++
      else {
        divergences.push({
          variantId: variant.variantId,
          artifactId: sound.get(variant.key)!.artifactId,
          column,
          recorded: show(before[column]),
          recomputed: show(after[column])
        })
      }
    })
    const report: SweepVerifyReport = {
      experimentId,
      name: definition.name,
      variants: keyed.length,
      checked: chosen.length,
      identical,
      divergences,
      unrecorded,
      corrupt,
      ok: divergences.length === 0 && unrecorded.length === 0 && corrupt.length === 0 && identical > 0
    }
    return report
  })
