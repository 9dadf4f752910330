/**
 * `pipeline run <definition.json>`: runs an experiment incrementally and prints what ran.
 * `--json` prints exactly the document of docs/DESIGN.md §9 (plus `sweep` for a sweep); `--dry-run`
 * plans only; `--timeout` interrupts the run past a duration (recorded as failed with RunTimedOut).
 * A definition with a `sweep` block runs every variant (`--workers` threads, `--batch-size`).
 * `--dry-run` only reads: without a store it plans as for an empty one and creates nothing.
 */
import type { Command } from "@effect/cli"
import { Console, Duration, Effect, Exit, Option } from "effect"
import * as NodeOs from "node:os"
import {
  type ExperimentResult,
  isSweep,
  type OutputArtifact,
  nodeStatus,
  recordedOutputsOf,
  runExperiment,
  runResultsOf
} from "../../nodes/experiment/index.js"
import type { OverfittingSummary, SweepResult, WalkForwardSummary } from "../../nodes/sweep/index.js"
import { UsageError } from "../CliError.js"
import { readDefinition } from "../Definitions.js"
import { CATALOG_ENV_VAR, globalConfig, REMOTE_ENV_VAR } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { intervalTicker, makeProgress, stderrWriter } from "../Progress.js"
import type { RunResults } from "../../store/index.js"
import { emptyStoreLayer, readableStore } from "../ReadOnlyStore.js"
import { storeLayer } from "../StoreLayers.js"
import { atLeast, workerChoice } from "../SweepOptions.js"
import { nodeLines, resultLines, statusCounts } from "../RunSummary.js"
import { leaderboardTable } from "../SweepTable.js"
import type { runArgs } from "../tree/Run.js"

/** `90s`, `10m`, `2h`, `500ms`, or a bare number of seconds. */
export const parseDuration = (text: string): Option.Option<Duration.Duration> => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim())
  if (match === null) return Option.none()
  const value = Number(match[1])
  const unit = match[2] ?? "s"
  const ms = unit === "ms" ? value : unit === "s" ? value * 1e3 : unit === "m" ? value * 60e3 : value * 3600e3
  return Option.some(Duration.millis(ms))
}

/**
 * The `run --json` document (docs/DESIGN.md §9), with `runId` (null in a dry run), `metrics` (the
 * metrics row, null when not known) and `diagnostics` (count by code), and `sweep` for a sweep.
 */
export const runDocument = (result: ExperimentResult | SweepResult, status: string, results?: RunResults) => ({
  experimentId: result.experimentId,
  runId: result.runId ?? null,
  status,
  nodes: result.nodes.map((node) => ({
    name: node.node.name,
    key: node.key,
    cache: nodeStatus(node, result.nodes),
    durationMs: node.durationMs
  })),
  outputs: result.outputs ?? {},
  metrics: results?.metrics ?? null,
  diagnostics: results?.diagnostics ?? null,
  ...(isSweepResult(result)
    ? {
      sweep: {
        variants: result.sweep.variants,
        simulated: result.sweep.simulated,
        cached: result.sweep.cached,
        rank: result.sweep.rank,
        ...(result.sweep.leaderboard ? { leaderboard: result.sweep.leaderboard } : {}),
        ...(result.sweep.top.length > 0 ? { best: result.sweep.top[0]!.variantId } : {}),
        ...(result.sweep.overfitting ? { overfitting: overfittingDocument(result.sweep.overfitting) } : {}),
        ...(result.sweep.walkForward ? { walkForward: walkForwardDocument(result.sweep.walkForward) } : {})
      }
    }
    : {})
})

const artifactDocument = (artifact: OutputArtifact) => ({
  artifactId: artifact.artifactId,
  digest: artifact.digest,
  path: artifact.path
})

/** `sweep.overfitting` of `run --json`: pbo, the Deflated Sharpe's SR0 and N, the degradation slope, the artifact. */
const overfittingDocument = (overfitting: OverfittingSummary) => ({
  pbo: overfitting.pbo,
  sr0: overfitting.sr0,
  trials: overfitting.trials,
  degradationSlope: overfitting.degradationSlope,
  artifact: artifactDocument(overfitting.artifact)
})

/** `sweep.walkForward` of `run --json`: the settings, the fold table and the stitched out-of-sample outputs. */
const walkForwardDocument = (walkForward: WalkForwardSummary) => ({
  folds: walkForward.folds,
  scheme: walkForward.scheme,
  select: walkForward.select,
  selection: artifactDocument(walkForward.selection),
  trades: artifactDocument(walkForward.trades),
  equity: artifactDocument(walkForward.equity),
  metrics: artifactDocument(walkForward.metrics)
})

const isSweepResult = (result: ExperimentResult | SweepResult): result is SweepResult =>
  (result as SweepResult).sweep !== undefined

/**
 * What `run` prints: the outcome, the results (the best variant's for a sweep, after its top 10),
 * every node in the hit/miss vocabulary with its time, and where the outputs are.
 */
export const summaryLines = (
  result: ExperimentResult | SweepResult,
  status: string,
  results: RunResults | undefined,
  dryRun: boolean
): Array<string> => {
  const lines = [`experiment ${result.experimentId} (${result.name})${result.runId ? `, run ${result.runId}` : ""}: ${status}`]
  if (isSweepResult(result)) {
    const sweep = result.sweep
    lines.push(
      dryRun
        ? `sweep: ${sweep.variants} variants, ${sweep.cached} cached, ${sweep.variants - sweep.cached} to simulate`
        : `sweep: ${sweep.variants} variants, ${sweep.simulated} simulated, ${sweep.cached} cached`
    )
    if (sweep.leaderboard) lines.push(`leaderboard ${sweep.leaderboard.artifactId}  ${sweep.leaderboard.path}`)
    if (sweep.overfitting) lines.push(overfittingLine(sweep.overfitting))
    if (sweep.walkForward) {
      lines.push(`walk-forward (${sweep.walkForward.folds} folds, ${sweep.walkForward.scheme}, by ${sweep.walkForward.select}): ` +
        `folds ${sweep.walkForward.selection.artifactId}, out-of-sample trades ${sweep.walkForward.trades.artifactId}`)
    }
    if (sweep.top.length > 0) {
      lines.push("", `top ${Math.min(10, sweep.top.length)} by ${sweep.rank}:`, leaderboardTable(sweep, 10), "")
      lines.push(`best variant ${sweep.top[0]!.variantId}:`)
    }
  }
  if (results !== undefined) lines.push(...resultLines(results))
  const counts = statusCounts(result.nodes.map((node) => nodeStatus(node, result.nodes)))
  lines.push(`nodes: ${counts}${dryRun ? " (a miss would run)" : ""}`)
  lines.push(...nodeLines(result.nodes, dryRun))
  if (result.outputs) {
    lines.push("outputs (Parquet files in the store)")
    for (const [name, output] of Object.entries(result.outputs)) {
      lines.push(`  ${name.padEnd(11)} ${output.artifactId}  ${output.path}`)
    }
  } else if (dryRun) {
    lines.push("outputs: not known until the missing nodes run")
  }
  return lines
}

const fixed = (value: number | null, digits: number) => (value === null ? "undefined" : value.toFixed(digits))

const overfittingLine = (overfitting: OverfittingSummary) =>
  `overfitting: pbo ${fixed(overfitting.pbo, 3)} over ${overfitting.combinations.toLocaleString("en-US")} combinations ` +
  `of ${overfitting.blocks} blocks, OOS/IS Sharpe slope ${fixed(overfitting.degradationSlope, 3)}; ` +
  `sr0 ${fixed(overfitting.sr0, 4)} over ${overfitting.trials} trials  ${overfitting.artifact.artifactId}`

export const run = (args: Command.Command.ParseConfig<typeof runArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    const { decoded, encoded } = yield* readDefinition(args.definition)
    let timeoutDuration: Duration.Duration | undefined
    if (Option.isSome(args.timeout)) {
      const parsed = parseDuration(args.timeout.value)
      if (Option.isNone(parsed)) {
        return yield* new UsageError({ reason: `--timeout: expected a duration like 90s, 10m or 2h, got ${args.timeout.value}` })
      }
      timeoutDuration = parsed.value
    }
    const choice = yield* workerChoice(args.workers, true)
    if (choice === "remote" && (config.catalog === undefined || config.remote === undefined || config.remote.mode === "read")) {
      return yield* new UsageError({
        reason: "--workers remote needs the catalog the workers take batches from and the remote they exchange artifacts through: " +
          `give --catalog postgres://… (or $${CATALOG_ENV_VAR}) and --remote s3://… (or $${REMOTE_ENV_VAR}), read-write`
      })
    }
    const threads = choice === "remote" ? NodeOs.availableParallelism() : choice
    const batch = yield* atLeast("batch-size", args.batchSize, 1)
    // Run always finishes its display (below), so its live block may tick between events.
    const progress = makeProgress(config.progress, stderrWriter(), Date.now, intervalTicker)
    const common = {
      mode: args.dryRun ? "dryRun" as const : "normal" as const,
      concurrency: args.concurrency,
      onEvent: progress.onEvent,
      ...(timeoutDuration ? { timeout: timeoutDuration } : {})
    }
    // --dry-run only reads: without a store it plans against an empty one and creates none.
    const layer = args.dryRun && !(yield* readableStore(config.storeDir)) ? emptyStoreLayer() : storeLayer(config.storeDir)
    // The run, then its results (the run record keeps them; a dry run whose outputs are known reads
    // them too), on one store: opened once, closed after both.
    const withResults = <E, R>(self: Effect.Effect<ExperimentResult | SweepResult, E, R>) =>
      Effect.gen(function*() {
        const result = yield* self
        // A recorded run hands back the results it recorded; otherwise they are looked up.
        const results = result.outputs === undefined
          ? undefined
          : result.results ?? (yield* runResultsOf(result.experimentId, recordedOutputsOf(result.outputs)).pipe(
            Effect.orElseSucceed(() => undefined)
          ))
        return { result, results }
      }).pipe(Effect.provide(layer))
    const ended = <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.onExit(self, (exit) => progress.finish(Exit.isSuccess(exit)))
    // A sweep's code (RunSweep.ts, nodes/sweep) is loaded for a sweep only. A sweep is expanded
    // (every variant validated) before the store is opened: a bad spec changes nothing.
    const { result, results } = isSweep(decoded)
      ? yield* Effect.flatMap(Effect.promise(() => import("./RunSweep.js")), (sweep) =>
        Effect.flatMap(sweep.expandDefinitionSweep(decoded, encoded), (expanded) =>
          withResults(sweep.runDefinitionSweep(decoded, encoded, expanded, {
            ...common,
            workers: threads,
            remoteWorkers: choice === "remote",
            ...(batch !== undefined ? { batchSize: batch } : {}),
            onSweepProgress: progress.onSweepProgress
          })))).pipe(ended)
      : yield* withResults(runExperiment(decoded, encoded, common)).pipe(ended)

    const status = args.dryRun ? "planned" : "completed"
    if (config.json) return yield* printJson(runDocument(result, status, results))
    yield* Console.log(summaryLines(result, status, results, args.dryRun).join("\n"))
  })
