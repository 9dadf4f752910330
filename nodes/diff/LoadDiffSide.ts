/**
 * Reading one side of `pipeline diff`: `<experiment>` (an id or unique prefix: its latest completed
 * run's trades and metrics, its definition and frozen inputs) or `<experiment>:<variant>` (one
 * variant of a sweep run as a single experiment on the sweep's frozen inputs, as `sweep show` runs
 * it: a cache hit when it ran before, else simulate → publish run once and are cached).
 */
import { Effect } from "effect"
import { type ArtifactId, ExperimentTracker, type RunView } from "../../store/index.js"
import { contractDataPath } from "../contracts/ArtifactColumns.js"
import { ExperimentMetrics, ExperimentTrades } from "../contracts/index.js"
import { readRows } from "../parquet/index.js"
import { type ExperimentRunOptions, runExperiment } from "../experiment/index.js"
import { variantDefinition } from "../sweep/VariantExperiment.js"
import { DiffSideUnavailable } from "./DiffError.js"
import type { DiffSide } from "./ExperimentDiff.js"

/** `exp:var` → its two parts; a plain id → the id alone. */
export const parseDiffRef = (ref: string): { readonly experiment: string; readonly variant: string | undefined } => {
  const at = ref.indexOf(":")
  return at < 0 ? { experiment: ref, variant: undefined } : { experiment: ref.slice(0, at), variant: ref.slice(at + 1) }
}

const latestCompleted = (runs: ReadonlyArray<RunView>): RunView | undefined => {
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i]!.effectiveStatus === "completed") return runs[i]
  return undefined
}

const readOutputs = (trades: ArtifactId, metrics: ArtifactId) =>
  Effect.gen(function*() {
    const tradeRows = yield* readRows(ExperimentTrades, yield* contractDataPath(trades, ExperimentTrades))
    const metricRows = yield* readRows(ExperimentMetrics, yield* contractDataPath(metrics, ExperimentMetrics))
    return { trades: tradeRows, metrics: metricRows[0] ?? {} }
  })

const columnsOf = {
  tradeColumns: ExperimentTrades.columns.map((column) => column.name),
  metricColumns: ExperimentMetrics.columns.map((column) => column.name)
}

/** One side, read (and, for a variant never run alone, run) from the store. */
export const loadDiffSide = (ref: string, runOptions: ExperimentRunOptions = {}) =>
  Effect.gen(function*() {
    const tracker = yield* ExperimentTracker
    const { experiment, variant } = parseDiffRef(ref.trim())
    const record = yield* tracker.resolve(experiment)
    if (variant !== undefined) {
      const chosen = yield* variantDefinition(record.definition, variant, {
        experiment: record.experimentId,
        frozenInputs: { alerts: record.inputs.alerts ?? [], ohlcv: record.inputs.ohlcv ?? [] }
      })
      const result = yield* runExperiment(chosen.definition, chosen.encoded, runOptions)
      const outputs = result.outputs
      if (outputs === undefined) {
        return yield* new DiffSideUnavailable({ ref, experimentId: record.experimentId, reason: "the variant recorded no outputs" })
      }
      const read = yield* readOutputs(outputs.trades.artifactId, outputs.metrics.artifactId)
      return {
        ref,
        experimentId: result.experimentId,
        variantId: chosen.variant.variantId,
        name: result.name,
        definition: chosen.encoded,
        inputs: { alerts: result.inputs.alerts, ohlcv: result.inputs.ohlcv },
        ...read,
        ...columnsOf
      } satisfies DiffSide
    }
    const detail = yield* tracker.get(record.experimentId)
    const run = latestCompleted(detail.runs)
    if (run === undefined) {
      return yield* new DiffSideUnavailable({ ref, experimentId: record.experimentId, reason: "it has no completed run" })
    }
    const trades = run.run.outputs.trades
    const metrics = run.run.outputs.metrics
    if (trades === undefined || metrics === undefined) {
      return yield* new DiffSideUnavailable({
        ref,
        experimentId: record.experimentId,
        reason: `run ${run.run.runId} recorded no trades and metrics (a sweep that kept no variant: name one as <experiment>:<variant>)`
      })
    }
    const read = yield* readOutputs(trades.artifactId, metrics.artifactId)
    return {
      ref,
      experimentId: record.experimentId,
      variantId: undefined,
      name: record.name,
      definition: record.definition,
      inputs: record.inputs,
      ...read,
      ...columnsOf
    } satisfies DiffSide
  })
