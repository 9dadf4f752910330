/**
 * `pipeline sweep show <experiment> <variant>`: one variant of a sweep as a single experiment — its
 * trades, equity, metrics and diagnostics, run on the sweep's frozen inputs (a cache hit for the
 * variants the sweep materialised, or when shown before; otherwise simulate → publish run once).
 */
import type { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { recordedOutputsOf, runExperiment, runResultsOf } from "../../nodes/experiment/index.js"
import { variantDefinition } from "../../nodes/sweep/index.js"
import { ExperimentTracker } from "../../store/index.js"
import { unknownIdOf } from "../CliError.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { progressRenderer } from "../Progress.js"
import { requireStore } from "../ReadOnlyStore.js"
import { storeLayer } from "../StoreLayers.js"
import type { showArgs } from "../tree/Sweep.js"
import { runDocument, summaryLines } from "./Run.js"

export const show = (args: Command.Command.ParseConfig<typeof showArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    yield* requireStore(config.storeDir)
    const { result, results, variant } = yield* Effect.gen(function*() {
      const tracker = yield* ExperimentTracker
      const record = yield* tracker.resolve(args.experimentId).pipe(
        unknownIdOf("experiment", args.experimentId, config.storeDir)
      )
      const chosen = yield* variantDefinition(record.definition, args.variantId, {
        experiment: record.experimentId,
        frozenInputs: { alerts: record.inputs.alerts ?? [], ohlcv: record.inputs.ohlcv ?? [] }
      })
      const result = yield* runExperiment(chosen.definition, chosen.encoded, { onEvent: progressRenderer(config.progress) })
      const results = result.outputs === undefined
        ? undefined
        : yield* Effect.orElseSucceed(runResultsOf(result.experimentId, recordedOutputsOf(result.outputs)), () => undefined)
      return { result, results, variant: chosen.variant }
    }).pipe(Effect.provide(storeLayer(config.storeDir)))

    if (config.json) {
      return yield* printJson({ variantId: variant.variantId, overrides: variant.overrides, ...runDocument(result, "completed", results) })
    }
    const lines = [
      `variant ${variant.variantId} ${JSON.stringify(variant.overrides)}`,
      ...summaryLines(result, "completed", results, false)
    ]
    yield* Console.log(lines.join("\n"))
  })
