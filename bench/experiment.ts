/**
 * Benchmark child: experiment runs through the library, in a process of their own (so each has its
 * own peak RSS). Tasks (first field of the JSON argument):
 *
 * - `generate` {store, size}: runs the synthetic node alone into the store; returns the artifact
 *   ids, their files and counts, and the generation time.
 * - `experiment` {store, name, inputs, steps: [{label, stopLossPct}]}: runs `runExperiment` once
 *   per step, in order, with one store layer (so FileDigestCache counters span the steps); returns
 *   per step the wall time, every node's cache status and duration, the projection's acquire time
 *   and candle count, and how many files were hashed.
 */
import { Effect } from "effect"
import { engineVersions } from "../nodes/runtime/index.js"
import { decodeDefinition, runExperiment } from "../nodes/experiment/index.js"
import { syntheticNode } from "../nodes/synthetic/SyntheticNode.js"
import { makeSyntheticConfig } from "../nodes/synthetic/index.js"
import { execute, type ExecutorEvent } from "../pipeline/index.js"
import { ArtifactCatalog, type ArtifactId, FileDigestCache } from "../store/index.js"
import { childMain, definitionFor, type Inputs, round, type SizeConfig, storeLayer, timed } from "./support.js"

export interface GenerateResult {
  readonly ms: number
  readonly cpuMs: number
  readonly alertsId: string
  readonly ohlcvId: string
  readonly alertsPath: string
  readonly ohlcvPath: string
  readonly candles: number
  readonly alerts: number
  readonly ohlcvBytes: number
}

export interface NodeLine {
  readonly name: string
  /** hit | miss for artifact nodes; acquired | unused for the projection. */
  readonly cache: string
  readonly durationMs: number
}

export interface StepResult {
  readonly label: string
  readonly wallMs: number
  /** CPU time of this process during the step (all threads, DuckDB's included), ms. */
  readonly cpuMs: number
  readonly nodes: ReadonlyArray<NodeLine>
  readonly ran: ReadonlyArray<string>
  /** ResourceAcquired.durationMs of the projection, when it was acquired. */
  readonly projectionAcquireMs: number | null
  readonly projectedCandles: number | null
  readonly trades: number | null
  readonly filesHashed: number
  readonly bytesHashed: number
  readonly statCacheHits: number
}

const generate = (args: { store: string; size: SizeConfig }) =>
  Effect.gen(function*() {
    const engine = yield* engineVersions
    const catalog = yield* ArtifactCatalog
    const node = syntheticNode(makeSyntheticConfig({ tokens: args.size.tokens, days: args.size.days, seed: args.size.seed }))
    const cpu0 = process.cpuUsage()
    const { value: report, ms } = yield* timed(execute([node], { engine }))
    const cpu = process.cpuUsage(cpu0)
    const outputs = report.of(node).outputs!
    const alerts = yield* catalog.get(outputs.alerts!.artifactId)
    const ohlcv = yield* catalog.get(outputs.ohlcv!.artifactId)
    const result: GenerateResult = {
      ms: round(ms),
      cpuMs: round((cpu.user + cpu.system) / 1000),
      alertsId: alerts.artifactId,
      ohlcvId: ohlcv.artifactId,
      alertsPath: yield* catalog.dataPath(alerts.artifactId),
      ohlcvPath: yield* catalog.dataPath(ohlcv.artifactId),
      candles: ohlcv.rowCount,
      alerts: alerts.rowCount,
      ohlcvBytes: ohlcv.bytes
    }
    return result
  }).pipe(Effect.provide(storeLayer(args.store)))

const experiment = (args: {
  store: string
  name: string
  inputs: Inputs
  steps: ReadonlyArray<{ label: string; stopLossPct: number }>
}) =>
  Effect.gen(function*() {
    const digests = yield* FileDigestCache
    const catalog = yield* ArtifactCatalog
    const results: Array<StepResult> = []
    for (const step of args.steps) {
      const encoded = definitionFor(args.name, args.inputs, step.stopLossPct)
      const definition = yield* decodeDefinition(encoded, `bench ${step.label}`)
      let acquireMs: number | null = null
      let candles: number | null = null
      // No CPU time of its own for the projection: it is acquired beside validate (DESIGN §3, order-only
      // inputs), and the process's CPU usage cannot tell the two apart.
      const onEvent = (event: ExecutorEvent) =>
        Effect.sync(() => {
          if (event._tag === "ResourceAcquired") acquireMs = event.durationMs
          if (event._tag === "Progress" && event.unit === "candles") candles = event.total
        })
      const before = yield* digests.stats
      const cpu0 = process.cpuUsage()
      const { value: result, ms } = yield* timed(runExperiment(definition, encoded, { onEvent }))
      const cpu = process.cpuUsage(cpu0)
      const after = yield* digests.stats
      const nodes = result.nodes.map((node): NodeLine => ({
        name: node.node.name,
        cache: node.cache === "resource" ? (node.acquired ? "acquired" : "unused") : node.cache,
        durationMs: node.durationMs
      }))
      const trades = result.outputs === undefined
        ? null
        : (yield* catalog.get(result.outputs.trades.artifactId as ArtifactId)).rowCount
      results.push({
        label: step.label,
        wallMs: round(ms),
        cpuMs: round((cpu.user + cpu.system) / 1000),
        nodes,
        ran: nodes.filter((n) => n.cache === "miss" || n.cache === "acquired").map((n) => n.name),
        projectionAcquireMs: acquireMs,
        projectedCandles: candles,
        trades,
        filesHashed: after.filesHashed - before.filesHashed,
        bytesHashed: after.bytesHashed - before.bytesHashed,
        statCacheHits: after.cacheHits - before.cacheHits
      })
    }
    return results
  }).pipe(Effect.provide(storeLayer(args.store)))

await childMain((args: { task: string }) => {
  switch (args.task) {
    case "generate":
      return Effect.runPromise(generate(args as never))
    case "experiment":
      return Effect.runPromise(experiment(args as never))
    default:
      return Promise.reject(new Error(`unknown task ${args.task}`))
  }
})
