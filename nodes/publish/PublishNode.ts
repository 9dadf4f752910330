/**
 * publish: the experiment's summary outputs from the simulation's tables — the metrics row
 * (`experiment_metrics`), the equity curve (`experiment_equity`) and the diagnostics
 * (`experiment_diagnostics`: the simulation's skips plus coverage warnings from validate).
 * Lineage: each output lists the artifacts it was computed from, which lead back to the inputs.
 */
import { Effect, Schema } from "effect"
import { artifactNode, type ArtifactNodeWith } from "../../pipeline/index.js"
import { type ContractRow, ExperimentCoverage, ExperimentDiagnostics, ExperimentEquity, ExperimentFills, ExperimentMetrics, ExperimentTrades } from "../contracts/index.js"
import { readArtifactRows, stageRows } from "../parquet/index.js"
import { computeMetrics, equityCurve, METRICS_VERSION } from "../metrics/index.js"
import type { DiagnosticRow, Fill, Trade } from "../simulate/index.js"
import { compareDiagnostics } from "../simulate/index.js"

export const PublishConfig = Schema.Struct({
  initialCapital: Schema.Number,
  bootstrapResamples: Schema.Int
})
export type PublishConfig = typeof PublishConfig.Type

/** A coverage row below half the expected candles in the hour after the alert is worth a note. */
const SPARSE_FRACTION = 0.5

const sparseCoverage = (rows: ReadonlyArray<ContractRow<typeof ExperimentCoverage>>): Array<DiagnosticRow> =>
  rows.flatMap((row) => {
    const after = row.candles_hour_after
    const expected = row.expected_per_hour
    if (row.candles_total === 0 || expected === 0 || after >= expected * SPARSE_FRACTION) return []
    return [{
      alert_id: row.alert_id,
      level: "info",
      code: "sparse_coverage",
      message: `${after} of ${expected} candles present in the hour after the alert ` +
        `(${row.candles_hour_before} in the hour before) for ${row.chain}/${row.mint}`
    }]
  })

export const publishNode = <ES, RS, EV, RV>(
  config: PublishConfig,
  simulated: ArtifactNodeWith<"trades" | "fills" | "skips", ES, RS>,
  validated: ArtifactNodeWith<"coverage", EV, RV>,
  identity?: string
) =>
  artifactNode({
    name: "publish",
    // The publish code (1) and the metrics it computes: a metrics change reruns every publish.
    version: `1/${METRICS_VERSION}`,
    configSchema: PublishConfig,
    config,
    seeded: true,
    ...(identity ? { identity } : {}),
    inputs: { simulated, validated },
    outputs: ["metrics", "equity", "diagnostics"],
    run: ({ config, inputs, seed, key, name }) =>
      Effect.gen(function*() {
        const { simulated, validated } = inputs
        // Tables simulate has just written in this process are not read back (KnownRows.ts).
        const [tradeRows, fillRows, skipRows, coverageRows] = yield* Effect.all([
          readArtifactRows(simulated.trades.artifactId, ExperimentTrades),
          readArtifactRows(simulated.fills.artifactId, ExperimentFills),
          readArtifactRows(simulated.skips.artifactId, ExperimentDiagnostics),
          readArtifactRows(validated.coverage.artifactId, ExperimentCoverage)
        ], { concurrency: "unbounded" })

        const fillsByTrade = new Map<string, Array<Fill>>()
        for (const row of fillRows) {
          const { trade_id, ...fill } = row
          const list = fillsByTrade.get(trade_id) ?? []
          list.push(fill)
          fillsByTrade.set(trade_id, list)
        }
        const trades: Array<Trade> = tradeRows.map((trade) => ({ ...trade, fills: fillsByTrade.get(trade.trade_id) ?? [] }))

        const equity = equityCurve(trades, config.initialCapital)
        const metrics = computeMetrics(trades, equity, {
          seed: seed ?? 0,
          initialCapital: config.initialCapital,
          bootstrapResamples: config.bootstrapResamples
        })
        const diagnostics = [...skipRows, ...sparseCoverage(coverageRows)]
          .sort(compareDiagnostics)

        const lineage = [
          simulated.trades.artifactId,
          simulated.fills.artifactId,
          simulated.skips.artifactId,
          validated.coverage.artifactId
        ]
        const common = { inputs: lineage, producedBy: { node: name, key } }
        const short = key.slice(7, 23)
        // Every table written first, then all published at once: their durable writes overlap.
        const [metricsArtifact, equityArtifact, diagnosticsArtifact] = yield* Effect.scoped(
          Effect.flatMap(
            Effect.all([
              stageRows({ ...common, contract: ExperimentMetrics, rows: [metrics], logicalKey: `metrics/${short}` }),
              stageRows({ ...common, contract: ExperimentEquity, rows: equity, logicalKey: `equity/${short}`, timeColumn: "ts" }),
              stageRows({ ...common, contract: ExperimentDiagnostics, rows: diagnostics, logicalKey: `diagnostics/${short}` })
            ], { concurrency: "unbounded" }),
            (publishes) => Effect.all(publishes, { concurrency: "unbounded" })
          )
        )
        return { metrics: metricsArtifact, equity: equityArtifact, diagnostics: diagnosticsArtifact }
      })
  })
