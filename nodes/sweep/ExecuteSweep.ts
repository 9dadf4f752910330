/**
 * `executeSweep(definition)`: every variant of the definition's `sweep` over the same inputs, one
 * validate and one projection shared by all of them.
 *
 * Caching works at three levels, each keyed like any node (docs/DESIGN.md §3):
 * - the sweep: a key over every variant's key, rank and keep — a repeated sweep is one lookup;
 * - each variant: a key over its strategy (defaults filled), the inputs, date range, seed and
 *   engine — so adding variants runs exactly the new ones, and two sweeps sharing a variant share
 *   its result;
 * - each batch: the variants that missed, sorted by key and cut into batches, each evaluated on the
 *   worker pool and published as ONE `experiment_sweep_batch` artifact, then ONE group entry in the
 *   action cache maps every member variant's key to it (so the durable cost is paid per batch).
 * The leaderboard (`experiment_sweep`) is assembled from the variants' rows in variant id order, so
 * its bytes never depend on batch size, worker count, or whether the sweep grew incrementally. The
 * best `keep` variants are then run as single experiments (simulate → publish over the same
 * validate and projection), which publishes their trades, equity and diagnostics; their keys are a
 * single experiment's keys, so `sweep show` of one of them is a cache hit.
 */
import { Clock, Deferred, Effect, Exit, Fiber, Option, Queue } from "effect"
import { execute, type ExecutionReport, type ExecutorEvent, keyOf, type KeyMaterial, makeResourceSession, type NodeReport, scopedInOwnFiber } from "../../pipeline/index.js"
import {
  ActionCache,
  ArtifactCatalog,
  type ArtifactId,
  canonicalDigest,
  type Digest,
  type ExperimentId,
  type GroupEntry,
  hexOf,
  type OutputRef
} from "../../store/index.js"
import { ExperimentSweep, ExperimentSweepBatch, sweepLeaderboardContract } from "../contracts/index.js"
import { readRows } from "../parquet/index.js"
import { engineVersions } from "../runtime/index.js"
import { publishRows } from "../parquet/index.js"
import type { Definition } from "../experiment/Definition.js"
import {
  type ExperimentResult,
  type ExperimentRunOptions,
  experimentRunner,
  type OutputArtifact,
  outputArtifacts,
  recordedOutputsOf,
  resolveExperiment,
  runRecorded,
  summarize,
  withPath
} from "../experiment/ExecuteExperiment.js"
import { inputNodes, type ResolvedInputs, strategyNodes } from "../experiment/ExperimentDag.js"
import { METRICS_VERSION, type MetricsRow } from "../metrics/index.js"
import type { Strategy, StrategyEncoded, Trade } from "../simulate/index.js"
import { SIMULATION_ENGINE_VERSION } from "../simulate/SimulateNode.js"
import { type DailyPnl, selectWalkForward, type WindowStats } from "../stats/index.js"
import { deflatedSharpeColumns } from "./DeflatedSharpeColumns.js"
import { cachedDailyReader, type OverfittingSummary, publishOverfitting, readOverfitting } from "./SweepOverfitting.js"
import { compareByRank, type OverrideValue, type RankMetric, type SweepSpec } from "./SweepSpec.js"
import {
  publishWalkForward,
  cachedWindowsReader,
  readSimulatedTrades,
  walkForwardSummaryOf,
  sweepWindows,
  type WalkForwardSummary
} from "./SweepWalkForward.js"
import type { VariantRow } from "./VariantEvaluation.js"
import { type SweepBatchRunner, sweepBatchNodes } from "./SweepBatches.js"
import { RemoteSweepFailed } from "./SweepError.js"
import { effectiveValue, type ExpandedSweep, expandSweep, type Variant } from "./Variants.js"
import { batchArtifactReader } from "./internal/artifactRows.js"
import { taperedChunks } from "./internal/taperedChunks.js"

import { SWEEP_VERSION } from "./SweepVersion.js"

export { SWEEP_VERSION }

export interface SweepProgress {
  /** Variants whose result is known (cached or evaluated). */
  readonly done: number
  readonly total: number
  /** Of `done`, evaluated by this run. */
  readonly simulated: number
}

export interface SweepRunOptions extends ExperimentRunOptions {
  /** Worker threads evaluating variants (default 1; 0 evaluates on the calling thread). */
  readonly workers?: number
  /** Variants per batch artifact (default: about four batches per worker, 16 … 512). */
  readonly batchSize?: number
  readonly onSweepProgress?: (progress: SweepProgress) => Effect.Effect<void>
  /** The sweep already expanded (e.g. by a caller that checked it before opening the store). */
  readonly expanded?: ExpandedSweep
  /** Evaluates the missing batches elsewhere (`pipeline worker` processes) instead of on `workers` threads here. */
  readonly remoteBatches?: SweepBatchRunner
}

export interface LeaderboardEntry {
  readonly variantId: string
  /** The variant's value at each swept path (after defaults; null where the strategy has none). */
  readonly parameters: { readonly [path: string]: OverrideValue | null }
  readonly metrics: MetricsRow
}

export interface SweepSummary {
  readonly variants: number
  /** Distinct variant results evaluated by this run. */
  readonly simulated: number
  readonly cached: number
  readonly rank: RankMetric
  /** Swept paths: the leaderboard's parameter columns. */
  readonly paths: ReadonlyArray<string>
  /** Undefined in a dry run. */
  readonly leaderboard: OutputArtifact | undefined
  /** Best first: the `keep` materialised variants (at least the top 10 when known). */
  readonly top: ReadonlyArray<LeaderboardEntry>
  /** The probability of backtest overfitting (undefined in a dry run). */
  readonly overfitting?: OverfittingSummary | undefined
  /** The walk-forward outputs, when the sweep declares one (undefined in a dry run). */
  readonly walkForward?: WalkForwardSummary | undefined
}

export interface SweepResult extends ExperimentResult {
  readonly sweep: SweepSummary
}

/**
 * A variant's strategy in its encoded (JSON) form, as it enters the variant's key and a remote
 * batch. Strategy's schema transforms nothing — it checks values and fills defaults, and the decoded
 * value has every field — so a decoded strategy encodes to an equal value (test/sweep checks this on
 * a sweep's variants): the value is used as it is instead of being encoded again per variant.
 */
const encodedStrategy = (strategy: Strategy): StrategyEncoded => strategy

/** The DuckDB type of a parameter column: one type when every variant agrees, else text. */
const parameterType = (values: ReadonlyArray<unknown>): "DOUBLE" | "VARCHAR" | "BOOLEAN" => {
  const kinds = new Set(values.filter((value) => value !== null).map((value) => typeof value))
  if (kinds.size === 1 && kinds.has("number")) return "DOUBLE"
  if (kinds.size === 1 && kinds.has("boolean")) return "BOOLEAN"
  return "VARCHAR"
}

const defaultBatchSize = (misses: number, workers: number) =>
  Math.max(16, Math.min(512, Math.ceil(misses / (Math.max(1, workers) * 4))))

const chunk = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

const refOf = (artifact: { readonly artifactId: ArtifactId; readonly digest: Digest }): OutputRef => ({
  artifactId: artifact.artifactId,
  digest: artifact.digest
})

export interface KeyedVariant extends Variant {
  readonly key: Digest
  readonly material: KeyMaterial
  readonly strategyEncoded: unknown
}


export const executeSweep = (
  definition: Definition & { readonly sweep: SweepSpec },
  definitionEncoded: unknown,
  options: SweepRunOptions = {}
) =>
  Effect.gen(function*() {
    const spec = definition.sweep
    const walkForwardSpec = spec.walkForward
    const range = { from: Date.parse(definition.dateRange.from), to: Date.parse(definition.dateRange.to) }
    const windows = walkForwardSpec === undefined ? [] : sweepWindows(walkForwardSpec, range)
    const mode = options.mode ?? "normal"
    const workers = options.workers ?? 1
    const emit = options.onEvent ?? (() => Effect.void)
    const onSweepProgress = options.onSweepProgress ?? (() => Effect.void)
    const baseStrategy = strategyAsWritten(definitionEncoded)
    const expanded = options.expanded ?? (yield* expandSweep(baseStrategy, spec))
    const engine = yield* engineVersions
    const cache = yield* ActionCache
    const catalog = yield* ArtifactCatalog
    const runDag = yield* experimentRunner(definition, options)
    const total = expanded.variants.length

    const emptySummary = (cached: number): SweepSummary => ({
      variants: total,
      simulated: 0,
      cached,
      rank: spec.rank,
      paths: expanded.paths,
      leaderboard: undefined,
      top: []
    })
    const plannedResult = (
      experimentId: ExperimentId,
      nodes: ReadonlyArray<NodeReport>,
      resolved: ResolvedInputs,
      cached: number
    ): SweepResult => ({
      experimentId,
      name: definition.name,
      runId: undefined,
      inputs: resolved,
      nodes,
      outputs: undefined,
      cache: summarize(nodes).cache,
      sweep: emptySummary(cached)
    })

    /** The sweep on resolved inputs (`before`: the synthetic generator's reports, if it ran). */
    const bodyOf = (experimentId: ExperimentId, before: ReadonlyArray<NodeReport>, resolved: ResolvedInputs) => scopedInOwnFiber(Effect.gen(function*() {
      const shared = inputNodes(definition, resolved)
      // One projection for the whole sweep: the batches and the kept variants share it; it is
      // built only if some node needs it and disposed when this scope closes (interrupted or not) —
      // on a fiber of its own, so the caller keeps nothing of it (pipeline/ScopedFiber.ts).
      // The worker pool is not kept: it is released when the batches are done.
      const resources = yield* makeResourceSession({ only: [shared.project] })
      // Remote workers read the inputs: their upload starts now, beside validate and the keys. The
      // batches' upload (5a) waits for it and reports its failure; a sweep found cached stops it.
      const remote = options.remoteBatches
      if (remote !== undefined && mode === "normal") yield* Effect.forkScoped(Effect.ignore(remote.stage([...resolved.alerts, ...resolved.ohlcv])))
      // 1. validate (cached like any node): its coverage digest enters every variant key.
      const validated = yield* runDag([shared.validate])
      const validateReport = validated.of(shared.validate)
      const coverage = validateReport.outputs?.coverage
      const nodes: Array<NodeReport> = [...before, validateReport]
      if (coverage === undefined) return { _tag: "Planned" as const, planned: plannedResult(experimentId, nodes, resolved, 0) }

      // 2. Keys: one per variant, one for the whole sweep.
      const inputIds = [...resolved.alerts, ...resolved.ohlcv]
      const { keyed, sweepKey, sweepMaterial } = yield* sweepKeys(definition, expanded, {
        engine,
        inputs: resolved,
        coverage: coverage.digest
      })
      const sweepRef = { name: "sweep", identity: `${definition.name}/sweep`, kind: "artifact" as const }

      // 3. The whole sweep cached?
      const sweepLookup = yield* cache.lookup(sweepKey)
      if (sweepLookup._tag === "Hit") {
        yield* emit({ _tag: "Hit", node: sweepRef, key: sweepKey })
        yield* onSweepProgress({ done: total, total, simulated: 0 })
        const outputs = sweepLookup.entry.outputs
        const leaderboard = yield* withPath(outputs.leaderboard!)
        nodes.push({ node: sweepRef, key: sweepKey, material: sweepMaterial, cache: "hit", durationMs: 0, outputs })
        return {
          _tag: "Ran" as const,
          nodes,
          leaderboard,
          rows: undefined,
          simulated: 0,
          best: outputs.trades === undefined ? undefined : yield* outputArtifacts(outputs),
          recorded: outputs,
          overfitting: undefined,
          walkForward: walkForwardSpec === undefined ? undefined : yield* walkForwardSummaryOf(walkForwardSpec, {
            walkForward: outputs.walkForward!,
            walkForwardTrades: outputs.walkForwardTrades!,
            walkForwardEquity: outputs.walkForwardEquity!,
            walkForwardMetrics: outputs.walkForwardMetrics!
          })
        }
      }
      yield* emit({ _tag: "Miss", node: sweepRef, key: sweepKey, reason: sweepLookup.reason })

      // 4. Per-variant lookups: which variants some earlier batch already evaluated.
      const members = yield* cache.lookupMembers([...new Set(keyed.map((v) => v.key))])
      const found = new Map<Digest, OutputRef>()
      const foundDaily = new Map<Digest, OutputRef>()
      const foundWindows = new Map<Digest, OutputRef>()
      const adopt = (groups: ReadonlyMap<Digest, GroupEntry>) => {
        for (const [key, group] of groups) {
          const { daily, results, windows } = group.outputs
          if (results === undefined || daily === undefined || (walkForwardSpec !== undefined && windows === undefined)) continue
          found.set(key, results)
          foundDaily.set(key, daily)
          if (windows !== undefined) foundWindows.set(key, windows)
        }
      }
      adopt(members)
      // Batch artifacts read back once each (the leaderboard, the overfitting statistics, the walk-forward).
      const readers = { rows: yield* cachedRowsReader(catalog), daily: yield* cachedDailyReader(catalog), windows: yield* cachedWindowsReader(catalog) }
      const pending = new Map<Digest, KeyedVariant>()
      for (const variant of keyed) if (!found.has(variant.key) && !pending.has(variant.key)) pending.set(variant.key, variant)
      const cachedCount = keyed.filter((v) => found.has(v.key)).length
      if (mode === "dryRun") {
        nodes.push({ node: sweepRef, key: sweepKey, material: sweepMaterial, cache: "miss", reason: sweepLookup.reason, durationMs: 0 })
        return { _tag: "Planned" as const, planned: plannedResult(experimentId, nodes, resolved, cachedCount) }
      }
      const started = yield* Clock.currentTimeMillis

      // 5a. Remote workers (`run --workers remote`): the misses are evaluated there, then read like cached batches.
      let remotelyEvaluated = 0
      // The projection built ahead for the kept variants (5a), if it was.
      let projectAhead: Fiber.RuntimeFiber<ExecutionReport | undefined> | undefined
      if (remote !== undefined && pending.size > 0) {
        // Once the last batch is claimed, workers fall idle: the kept variants' projection (step 7)
        // is built meanwhile instead of after the last batch. Its failure is step 7's to report.
        const allClaimed = yield* Deferred.make<void>()
        // Each batch's rows, daily pnl and window statistics are read as it arrives, not all after the last one (6, 6b, 7).
        const arrived = yield* Queue.unbounded<GroupEntry["outputs"]>()
        yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(arrived), (outputs) =>
          // A failed read is cached: the step that needs it reports it.
          Effect.ignore(Effect.all([
            outputs.results === undefined ? Effect.void : readers.rows.readOne(outputs.results.artifactId),
            outputs.daily === undefined ? Effect.void : readers.daily.readOne(outputs.daily.artifactId),
            outputs.windows === undefined ? Effect.void : readers.windows.readOne(outputs.windows.artifactId)
          ], { discard: true })))))
        projectAhead = yield* Effect.forkScoped(Effect.zipRight(
          Deferred.await(allClaimed),
          Effect.orElseSucceed(execute([shared.project], { engine, seed: definition.seed, onEvent: emit, resources }), () => undefined)
        ))
        const sorted = [...pending.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        let remoteDone = cachedCount
        yield* remote.run({
          definitionEncoded,
          inputs: resolved,
          lineage: [...inputIds, validateReport.outputs!.coverage!.artifactId],
          // Worker processes take batches as they free up: unless the size is given, tapering ones,
          // so the sweep ends on small batches and no process is left waiting long for the last one.
          batches: (options.batchSize !== undefined ? chunk(sorted, options.batchSize) : taperedChunks(sorted, defaultBatchSize(sorted.length, workers)))
            .map((batch) => batch.map((variant) => ({ key: variant.key, strategyEncoded: variant.strategyEncoded }))),
          onBatchDone: (count, outputs) =>
            Effect.zipRight(Queue.offerAll(arrived, outputs), onSweepProgress({ done: (remoteDone += count), total, simulated: remoteDone - cachedCount })),
          onAllClaimed: Deferred.complete(allClaimed, Effect.void).pipe(Effect.asVoid)
        })
        adopt(yield* cache.lookupMembers([...pending.keys()]))
        const missing = [...pending.keys()].filter((key) => !found.has(key))
        if (missing.length > 0) {
          return yield* new RemoteSweepFailed({ detail: `${missing.length} variants are not in the action cache after their batches finished (first ${missing[0]})` })
        }
        remotelyEvaluated = pending.size
        pending.clear()
      }

      // 5. Evaluate the misses in batches on the worker pool, publishing one artifact per batch.
      const fresh = new Map<Digest, VariantRow>()
      const freshDaily = new Map<Digest, DailyPnl>()
      const freshWindows = new Map<Digest, ReadonlyArray<WindowStats>>()
      let done = keyed.filter((v) => found.has(v.key)).length
      // Variants per key (two variants whose strategies agree after defaults share one): the progress a batch makes.
      const variantsOfKey = new Map<Digest, number>()
      for (const variant of keyed) variantsOfKey.set(variant.key, (variantsOfKey.get(variant.key) ?? 0) + 1)
      yield* onSweepProgress({ done, total, simulated: 0 })
      const misses = [...pending.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      const batchSize = options.batchSize ?? defaultBatchSize(misses.length, workers)
      const lineage = [...inputIds, validateReport.outputs!.coverage!.artifactId]
      const batchNode = sweepBatchNodes({
        definition,
        walkForward: walkForwardSpec,
        windows,
        project: shared.project,
        lineage,
        workers
      }, (batch, outcomes) =>
        Effect.suspend(() => {
          batch.forEach((variant, i) => {
            fresh.set(variant.key, outcomes[i]!.row)
            freshDaily.set(variant.key, outcomes[i]!.daily)
            const stats = outcomes[i]!.windows
            if (stats !== undefined) freshWindows.set(variant.key, stats)
          })
          for (const member of batch) done += variantsOfKey.get(member.key) ?? 0
          return onSweepProgress({ done, total, simulated: fresh.size })
        }))
      const batches = chunk(misses, batchSize).map(batchNode)
      if (batches.length > 0) {
        const report = yield* execute(batches, {
          engine,
          seed: definition.seed,
          concurrency: Math.max(2, workers + 1),
          onEvent: emit,
          resources
        })
        const seen = new Set(nodes.map((node) => node.node.identity))
        nodes.push(...report.nodes.filter((node) => node.node.name !== "sweep-batch" && !seen.has(node.node.identity)))
      }

      // 6. The leaderboard, in variant id order, from fresh rows and cached batches.
      const cachedRows = yield* readers.rows.readAll(found)
      const parameters = expanded.paths.map((path) => {
        const values = keyed.map((variant) => effectiveValue(variant, path))
        return { path, duckdbType: parameterType(values), values }
      })
      const variantRows = keyed.map((variant) => fresh.get(variant.key) ?? cachedRows.get(hexOf(variant.key))!)
      const deflated = deflatedSharpeColumns(variantRows)
      const entries: Array<LeaderboardEntry> = keyed.map((variant, i) => ({
        variantId: variant.variantId,
        parameters: Object.fromEntries(parameters.map((parameter) => [parameter.path, parameter.values[i]!])),
        metrics: variantRows[i]!
      }))
      const rows = keyed.map((variant, i) => {
        const values: Record<string, string | number | boolean | null> = {}
        for (const parameter of parameters) {
          const value = parameter.values[i]!
          values[parameter.path] = parameter.duckdbType === "VARCHAR" && value !== null ? String(value) : value
        }
        return { variant_id: variant.variantId, ...values, ...variantRows[i]!, ...deflated[i]! }
      })
      const leaderboardManifest = yield* publishRows({
        contract: sweepLeaderboardContract(parameters),
        rows,
        logicalKey: `sweep/${sweepKey.slice(7, 23)}`,
        inputs: lineage,
        producedBy: { node: "sweep", key: sweepKey }
      })
      const leaderboard = yield* withPath({ artifactId: leaderboardManifest.artifactId, digest: leaderboardManifest.digest })

      // 6b. The probability of backtest overfitting over every variant's daily pnl (variant id order).
      // It runs beside step 7 (neither needs the other's outputs): its computation, on this thread,
      // overlaps with the kept variants' projection and publishing, on DuckDB's threads.
      const overfittingOf = Effect.gen(function*() {
        const cachedDaily = yield* readers.daily.readAll(foundDaily)
        const overfitting = yield* publishOverfitting({
          variantIds: keyed.map((variant) => variant.variantId),
          columns: keyed.map((variant) => freshDaily.get(variant.key) ?? cachedDaily.get(hexOf(variant.key))),
          sharpes: variantRows.map((row) => row.sharpe),
          dateRange: range,
          blocks: spec.overfitting.blocks,
          logicalKey: `overfitting/${sweepKey.slice(7, 23)}`,
          inputs: [...lineage, leaderboard.artifactId],
          producedBy: { node: "sweep", key: sweepKey }
        })
        return { overfitting, finished: yield* Clock.currentTimeMillis }
      })

      // 7. The best `keep` variants as single experiments; the best one's outputs are the run's.
      const ranked = [...entries].sort(compareByRank(spec.rank))
      const kept = ranked.slice(0, spec.keep)
      const byId = new Map(keyed.map((variant) => [variant.variantId, variant]))
      const nodesOf = (variant: KeyedVariant) =>
        strategyNodes(definition, resolved, shared, variant.strategy, `${definition.name}/${variant.variantId}`)
      const pairs = kept.map((entry) => nodesOf(byId.get(entry.variantId)!))
      // Walk-forward: one variant per fold, selected on window statistics; their simulations run beside the kept ones.
      const cachedWindows = walkForwardSpec === undefined ? new Map() : yield* readers.windows.readAll(foundWindows)
      const folds = walkForwardSpec === undefined ? [] : selectWalkForward(
        keyed.map((variant) => freshWindows.get(variant.key) ?? cachedWindows.get(hexOf(variant.key))!),
        walkForwardSpec
      )
      const selectedColumns = [...new Set(folds.map((fold) => fold.selected))].sort((a, b) => a - b)
      const selectedNodes = selectedColumns.map((column) => nodesOf(keyed[column]!))
      const keptOf = Effect.gen(function*() {
        let best: ExperimentResult["outputs"]
        let walkForward: WalkForwardSummary | undefined
        let walkForwardOutputs: Record<string, OutputRef> = {}
        if (pairs.length > 0 || selectedNodes.length > 0) {
          // The workers are idle by now: the kept variants use every core.
          const report = yield* execute([...pairs.map((pair) => pair.publish), ...selectedNodes.map((pair) => pair.simulate)], {
            engine,
            seed: definition.seed,
            concurrency: Math.max(options.concurrency ?? 2, workers + 1),
            onEvent: emit,
            resources
          })
          const [first] = pairs
          if (first !== undefined) {
            const trades = report.of(first.simulate).outputs!.trades!
            const published = report.of(first.publish).outputs!
            best = yield* outputArtifacts({ trades, ...published })
          }
          const seen = new Set(nodes.map((node) => node.node.identity))
          // Built ahead by this run (5a): reported as the build it was, not as reused.
          const polled = projectAhead === undefined ? Option.none() : yield* Fiber.poll(projectAhead)
          const ahead = Option.getOrUndefined(Option.flatMap(polled, (exit) => (Exit.isSuccess(exit) ? Option.fromNullable(exit.value) : Option.none())))
          const projectReport = ahead !== undefined && report.of(shared.project).acquired !== true ? ahead.of(shared.project) : report.of(shared.project)
          nodes.push(...[projectReport, ...(first === undefined ? [] : [report.of(first.simulate), report.of(first.publish)])]
            .filter((node) => !seen.has(node.node.identity)))
          if (walkForwardSpec !== undefined) {
            const tradesOf = new Map<number, ReadonlyArray<Trade>>()
            yield* Effect.forEach(selectedColumns, (column, i) => {
              const simulated = report.of(selectedNodes[i]!.simulate).outputs!
              return Effect.map(readSimulatedTrades(simulated.trades!, simulated.fills!), (trades) => void tradesOf.set(column, trades))
            }, { discard: true })
            walkForward = yield* publishWalkForward({
              spec: walkForwardSpec,
              windows,
              folds,
              variantIds: keyed.map((variant) => variant.variantId),
              tradesOf,
              initialCapital: definition.strategy.sizing.initialCapital,
              seed: definition.seed,
              bootstrapResamples: definition.metrics.bootstrapResamples,
              shortKey: sweepKey.slice(7, 23),
              inputs: [...lineage, leaderboard.artifactId],
              producedBy: { node: "sweep", key: sweepKey }
            })
            walkForwardOutputs = {
              walkForward: refOf(walkForward.selection),
              walkForwardTrades: refOf(walkForward.trades),
              walkForwardEquity: refOf(walkForward.equity),
              walkForwardMetrics: refOf(walkForward.metrics)
            }
          }
        }
        return { best, walkForward, walkForwardOutputs }
      })
      // The kept variants first: their projection starts on DuckDB's threads before the overfitting computation takes this one.
      const [{ best, walkForward, walkForwardOutputs }, { overfitting, finished }] = yield* Effect.all([keptOf, overfittingOf], {
        concurrency: 2
      })
      const sweepOutputs: Record<string, OutputRef> = {
        leaderboard: { artifactId: leaderboard.artifactId, digest: leaderboard.digest },
        overfitting: refOf(overfitting.artifact),
        ...walkForwardOutputs,
        ...recordedOutputsOf(best)
      }
      yield* cache.put({
        key: sweepKey,
        node: "sweep",
        material: sweepMaterial,
        outputs: sweepOutputs,
        ranAt: new Date(finished).toISOString(),
        durationMs: finished - started
      })
      nodes.push({
        node: sweepRef,
        key: sweepKey,
        material: sweepMaterial,
        cache: "miss",
        reason: sweepLookup.reason,
        durationMs: finished - started,
        outputs: sweepOutputs
      })
      return {
        _tag: "Ran" as const,
        nodes,
        leaderboard,
        rows: ranked,
        simulated: fresh.size + remotelyEvaluated,
        best,
        recorded: sweepOutputs,
        overfitting,
        walkForward
      }
    }))

    const completeOf = (experimentId: ExperimentId, before: ReadonlyArray<NodeReport>, resolved: ResolvedInputs) => Effect.gen(function*() {
      const outcome = yield* bodyOf(experimentId, before, resolved)
      if (outcome._tag === "Planned") return outcome
      const top = outcome.rows ?? (yield* readLeaderboard(outcome.leaderboard.path, expanded, spec.rank))
      const overfitting = outcome.overfitting ?? (yield* readOverfitting(
        outcome.recorded.overfitting!,
        [...top].sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0)).map((entry) => entry.metrics.sharpe),
        spec.overfitting.blocks
      ))
      const sweep: SweepSummary = {
        variants: total,
        simulated: outcome.simulated,
        cached: total - outcome.simulated,
        rank: spec.rank,
        paths: expanded.paths,
        leaderboard: outcome.leaderboard,
        top: top.slice(0, Math.max(10, spec.keep)),
        overfitting,
        walkForward: outcome.walkForward
      }
      return {
        _tag: "Completed" as const,
        nodes: outcome.nodes,
        cache: summarize(outcome.nodes).cache,
        outputs: outcome.best,
        sweep,
        recordedOutputs: {
          ...recordedOutputsOf(outcome.best),
          leaderboard: { artifactId: outcome.leaderboard.artifactId, digest: outcome.leaderboard.digest },
          overfitting: refOf(overfitting.artifact),
          ...(outcome.walkForward === undefined ? {} : {
            walkForward: refOf(outcome.walkForward.selection),
            walkForwardTrades: refOf(outcome.walkForward.trades),
            walkForwardEquity: refOf(outcome.walkForward.equity),
            walkForwardMetrics: refOf(outcome.walkForward.metrics)
          })
        }
      }
    })

    if (mode !== "normal") {
      const { before, experimentId, inputs } = yield* resolveExperiment(definition, definitionEncoded, runDag)
      if (inputs === undefined) return plannedResult(experimentId, before, { alerts: [], ohlcv: [] }, 0)
      const outcome = yield* completeOf(experimentId, before, inputs)
      if (outcome._tag === "Planned") return outcome.planned
      return {
        experimentId,
        name: definition.name,
        runId: undefined,
        inputs,
        nodes: outcome.nodes,
        outputs: outcome.outputs,
        cache: outcome.cache,
        sweep: outcome.sweep
      } satisfies SweepResult
    }
    // The run is on record from its start, a synthetic generator included: interrupted while
    // generating, it is recorded cancelled like any other.
    const { experimentId, inputs, result, runId } = yield* runRecorded(definition, definitionEncoded, runDag, options, (before, resolved, id) =>
      Effect.flatMap(completeOf(id, before, resolved), (outcome) =>
        outcome._tag === "Planned"
          ? Effect.dieMessage("a sweep planned nothing in normal mode")
          : Effect.succeed(outcome)))
    return {
      experimentId,
      name: definition.name,
      runId,
      inputs,
      nodes: result.nodes,
      outputs: result.outputs,
      cache: result.cache,
      sweep: result.sweep
    } satisfies SweepResult
  })

/**
 * The keys of a sweep: one per variant (its strategy after defaults, the inputs, the date range,
 * seed, engine, and the simulation and metrics versions, with validate's coverage digest), and one
 * for the whole sweep (every variant's id, overrides and key; paths, rank, keep).
 */
export const sweepKeys = (
  definition: Definition & { readonly sweep: SweepSpec },
  expanded: ExpandedSweep,
  context: { readonly engine: KeyMaterial["engine"]; readonly inputs: ResolvedInputs; readonly coverage: Digest }
) =>
  Effect.gen(function*() {
    const inputIds = [...context.inputs.alerts, ...context.inputs.ohlcv]
    const validated = { validated: { outputs: { coverage: context.coverage } } }
    const walkForward = definition.sweep.walkForward
    const keyed: Array<KeyedVariant> = yield* Effect.forEach(expanded.variants, (variant) =>
      Effect.gen(function*() {
        const strategyEncoded = encodedStrategy(variant.strategy)
        const material: KeyMaterial = {
          node: "sweep-variant",
          nodeVersion: `${SWEEP_VERSION}/${SIMULATION_ENGINE_VERSION}/${METRICS_VERSION}`,
          engine: context.engine,
          config: {
            strategy: strategyEncoded,
            dateRange: definition.dateRange,
            inputs: inputIds,
            bootstrapResamples: definition.metrics.bootstrapResamples,
            // A walk-forward's windows are part of what a variant's evaluation computes.
            ...(walkForward === undefined ? {} : { windows: walkForward.folds })
          },
          seed: definition.seed,
          inputs: validated
        }
        return { ...variant, key: yield* keyOf(material), material, strategyEncoded }
      }))
    const sweepMaterial: KeyMaterial = {
      node: "sweep",
      nodeVersion: SWEEP_VERSION,
      engine: context.engine,
      config: {
        variants: yield* canonicalDigest(keyed.map((v) => [v.variantId, v.overrides, v.key])),
        count: keyed.length,
        paths: expanded.paths,
        rank: definition.sweep.rank,
        keep: definition.sweep.keep,
        overfittingBlocks: definition.sweep.overfitting.blocks,
        ...(walkForward === undefined ? {} : { walkForward })
      },
      seed: definition.seed,
      inputs: validated
    }
    return { keyed, sweepMaterial, sweepKey: yield* keyOf(sweepMaterial) }
  })

/** The `strategy` of a definition as written (JSON): what sweep overrides apply to. */
export const strategyAsWritten = (definitionEncoded: unknown): unknown =>
  typeof definitionEncoded === "object" && definitionEncoded !== null && "strategy" in definitionEncoded
    ? definitionEncoded.strategy
    : undefined

/** Metrics rows of batch artifacts, each read once: variant key hex → row. */
export const cachedRowsReader = (catalog: typeof ArtifactCatalog.Service) =>
  batchArtifactReader(catalog, ExperimentSweepBatch, (rows: Map<string, VariantRow>, read) => {
    for (const { variant_key, ...metrics } of read) rows.set(variant_key, metrics)
  })

/** Metrics rows of cached variants, read once per batch artifact: variant key hex → row. */
export const readCachedRows = (found: ReadonlyMap<Digest, OutputRef>, catalog: typeof ArtifactCatalog.Service) =>
  Effect.flatMap(cachedRowsReader(catalog), (reader) => reader.readAll(found))

/** The ranked entries of a published leaderboard (a cached sweep). */
const readLeaderboard = (
  path: string,
  expanded: { readonly variants: ReadonlyArray<Variant>; readonly paths: ReadonlyArray<string> },
  rank: RankMetric
) =>
  Effect.gen(function*() {
    const byId = new Map(expanded.variants.map((variant) => [variant.variantId, variant]))
    // experiment_sweep's registered columns are the leaderboard's without the swept paths: those are re-derived.
    const entries: Array<LeaderboardEntry> = (yield* readRows(ExperimentSweep, path)).map(({ variant_id, ...metrics }) => {
      const variant = byId.get(variant_id)
      const parameters = Object.fromEntries(
        expanded.paths.map((path) => [path, variant === undefined ? null : effectiveValue(variant, path)])
      )
      return { variantId: variant_id, parameters, metrics }
    })
    return entries.sort(compareByRank(rank))
  })

export type { ExecutorEvent }
