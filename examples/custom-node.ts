/**
 * A user-defined node inserted in the experiment's DAG: `alertsByCaller` keeps only the alerts of
 * chosen callers. It is an ordinary artifact node — config Schema, inputs, a body that publishes
 * a canonical alerts_v1 artifact with lineage (synthetic callers: alpha_hunter, degen_signals,
 * whale_tracker, moon_radar, late_larry) — so it is keyed and cached like the built-in nodes:
 * the second run of this script executes nothing, and changing `callers` reruns the filter and
 * everything downstream of it, nothing else.
 *
 * It imports only the package's public entry, as a user's project would.
 *
 *   npx tsx --conditions=source examples/custom-node.ts [--store DIR] [--callers alpha_hunter,whale_tracker]
 */
import { listValue } from "@duckdb/node-api"
import { Effect, Schema } from "effect"
import * as NodePath from "node:path"
import {
  AlertsV1,
  ArtifactCatalog,
  type ArtifactNodeWith,
  artifactNode,
  decodeDefinition,
  Duck,
  engineVersions,
  execute,
  experimentDag,
  layer,
  publishWritten,
  SyntheticConfig,
  syntheticNode,
  writeCanonicalParquet
} from "content-addressed-backtest-pipeline"

const flag = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}
const storeDir = NodePath.resolve(flag("store", ".pipeline"))
const callers = flag("callers", "alpha_hunter,whale_tracker").split(",").map((c) => c.trim()).filter(Boolean).sort()

/** The custom node: alerts of the given callers only. */
const alertsByCaller = <E, R>(
  source: ArtifactNodeWith<"alerts" | "ohlcv", E, R>,
  config: { readonly callers: ReadonlyArray<string> }
) =>
  artifactNode({
    name: "alerts-by-caller",
    version: "1",
    configSchema: Schema.Struct({ callers: Schema.Array(Schema.String) }),
    config,
    inputs: { source },
    outputs: ["alerts"],
    run: ({ config, inputs, key, name }) =>
      Effect.gen(function*() {
        const catalog = yield* ArtifactCatalog
        const upstream = inputs.source.alerts
        const path = yield* catalog.dataPath(upstream.artifactId)
        const alerts = yield* publishWritten({
          contract: AlertsV1,
          logicalKey: `alerts/by-caller/${config.callers.join("+")}`,
          inputs: [upstream.artifactId],
          producedBy: { node: name, key },
          minTs: null,
          maxTs: null,
          write: (out) =>
            Effect.scoped(
              Effect.flatMap(Duck.openDatabase(Duck.MEMORY, { threads: 1 }), ({ connection }) =>
                // Values as parameters, never spliced into SQL.
                writeCanonicalParquet(
                  connection,
                  AlertsV1,
                  "SELECT * FROM read_parquet($1) WHERE list_contains($2, caller)",
                  [Duck.literalPath(path), listValue([...config.callers])],
                  out
                ))
            )
        })
        return { alerts }
      })
  })

const program = Effect.gen(function*() {
  const engine = yield* engineVersions
  const raw = {
    name: `by-caller-${callers.join("+")}`,
    seed: 42,
    inputs: { synthetic: { tokens: 30, days: 2, seed: 7 } },
    dateRange: { from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z" },
    strategy: {
      exit: { targets: [{ multiple: 2, fraction: 0.5 }, { multiple: 4, fraction: 0.5 }], maxHoldCandles: 720 },
      stopLoss: { pct: 0.3 },
      costs: { feeBps: 25, slippageBps: 10 }
    }
  }
  const definition = yield* decodeDefinition(raw, "custom-node example")

  // Stage 1: the market and the custom filter (both cached nodes).
  const market = syntheticNode(Schema.decodeSync(SyntheticConfig)(raw.inputs.synthetic), "custom/synthetic")
  const filter = alertsByCaller(market, { callers })
  const first = yield* execute([filter], { engine })
  const filtered = first.of(filter).outputs!.alerts
  const ohlcv = first.of(market).outputs!.ohlcv

  // Stage 2: the standard experiment DAG, fed with the filtered alerts.
  const dag = experimentDag(definition, { alerts: [filtered.artifactId], ohlcv: [ohlcv.artifactId] })
  const second = yield* execute([dag.publish], { engine, seed: definition.seed })

  for (const node of [...first.nodes, ...second.nodes]) {
    console.log(`${node.cache.padEnd(8)} ${node.node.name}`)
  }
  console.log(`filtered alerts: ${filtered.artifactId}`)
  console.log(`metrics:         ${second.of(dag.publish).outputs!.metrics.artifactId}`)
})

Effect.runPromise(program.pipe(Effect.provide(layer({ dir: storeDir })))).catch((error) => {
  console.error(String(error))
  process.exitCode = 1
})
