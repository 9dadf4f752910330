/**
 * simulate: the engine of docs/DESIGN.md §7 over the projection, mint by mint. Publishes the trades
 * (`experiment_trades`), every fill (`experiment_fills`, for the equity curve) and the skipped
 * alerts (`experiment_diagnostics`), each with lineage to the experiment's input artifacts.
 */
import { Effect, Schema } from "effect"
import { artifactNode, type ResourceNodeWith } from "../../pipeline/index.js"
import { ArtifactId } from "../../store/index.js"
import { ExperimentDiagnostics, ExperimentFills, ExperimentTrades } from "../contracts/index.js"
import { stageRows } from "../parquet/index.js"
import type { Projection } from "../project/Projection.js"
import { runSimulation, type SimulationOutput } from "./Engine.js"
import { Strategy } from "./Strategy.js"
import { toTradeRow } from "./Trade.js"

export const SimulateConfig = Schema.Struct({
  strategy: Strategy,
  dateRange: Schema.Struct({ from: Schema.String, to: Schema.String }),
  /** The experiment's input artifacts: the lineage of every output. */
  inputs: Schema.Array(ArtifactId)
})
export type SimulateConfig = typeof SimulateConfig.Type

/** Bump when the kernel's semantics change: every simulate key changes with it. */
export const SIMULATION_ENGINE_VERSION = "1"

/**
 * Publishes a simulation's three tables — trades, every fill, the skipped alerts — concurrently,
 * with lineage to `inputs`; logical keys carry the node key's first 16 hex digits.
 */
export const publishSimulation = (
  output: SimulationOutput,
  lineage: { readonly inputs: ReadonlyArray<ArtifactId>; readonly producedBy: { readonly node: string; readonly key: string } }
) =>
  Effect.gen(function*() {
    const short = lineage.producedBy.key.slice(7, 23)
    const fills = output.trades.flatMap((trade) => trade.fills.map((fill) => ({ trade_id: trade.trade_id, ...fill })))
    // Every table written first, then all published at once: their durable writes overlap.
    const [trades, fillsArtifact, skips] = yield* Effect.scoped(
      Effect.flatMap(
        Effect.all([
          stageRows({
            ...lineage,
            contract: ExperimentTrades,
            rows: output.trades.map(toTradeRow),
            logicalKey: `trades/${short}`,
            timeColumn: "entry_ts"
          }),
          stageRows({ ...lineage, contract: ExperimentFills, rows: fills, logicalKey: `fills/${short}`, timeColumn: "ts" }),
          stageRows({ ...lineage, contract: ExperimentDiagnostics, rows: output.diagnostics, logicalKey: `skips/${short}` })
        ], { concurrency: "unbounded" }),
        (publishes) => Effect.all(publishes, { concurrency: "unbounded" })
      )
    )
    return { trades, fills: fillsArtifact, skips }
  })

export const simulateNode = <E, R>(
  config: SimulateConfig,
  projection: ResourceNodeWith<Projection, E, R>,
  identity?: string
) =>
  artifactNode({
    name: "simulate",
    version: SIMULATION_ENGINE_VERSION,
    configSchema: SimulateConfig,
    config,
    seeded: true,
    ...(identity ? { identity } : {}),
    inputs: { projection },
    outputs: ["trades", "fills", "skips"],
    run: ({ config, inputs, seed, key, name, progress }) =>
      Effect.gen(function*() {
        const projection = inputs.projection
        const output = yield* runSimulation(
          {
            alerts: projection.alerts,
            strategy: config.strategy,
            seed: seed ?? 0,
            dateRange: { from: Date.parse(config.dateRange.from), to: Date.parse(config.dateRange.to) }
          },
          projection.candles,
          (done, total) => (done % 64 === 0 || done === total ? progress(done, total, "mints") : Effect.void)
        )
        return yield* publishSimulation(output, { inputs: config.inputs, producedBy: { node: name, key } })
      })
  })
