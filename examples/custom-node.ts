/**
 * A user-defined node inserted in the experiment's DAG: `alertsByCaller` keeps only the alerts of
 * chosen callers. It is an ordinary artifact node — config Schema, inputs, a body that publishes
 * a canonical alerts_v1 artifact with lineage (synthetic callers: alpha_hunter, degen_signals,
 * whale_tracker, moon_radar, late_larry) — so it is keyed and cached like the built-in nodes:
 * the second run of this script executes nothing, and changing `callers` reruns the filter and
 * everything downstream of it, nothing else.
 *
 * A second custom node, `callerCounts`, publishes a table of its own: it declares its contract
 * (`caller_alert_counts`: columns, types, sort order) with `defineContract`, reads the filtered
 * alerts as typed rows and publishes typed rows (a misspelt column is a compile error).
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
  column,
  defineContract,
  publishRows,
  readRows,
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

/** The second custom node's own artifact type: one row per caller. */
const CallerAlertCounts = defineContract({
  type: "caller_alert_counts",
  schemaVersion: 1,
  description: "Alerts per caller, with the first alert's time. Sorted by caller.",
  columns: [
    column("caller", "VARCHAR", "Who raised the alerts."),
    column("alerts", "INTEGER", "How many alerts."),
    column("first_alert_ts", "TIMESTAMP", "When the caller's first alert was seen (UTC).")
  ],
  sortKeys: ["caller"],
  uniqueKeys: [["caller"]]
})

/** Counts the alerts of an upstream alerts artifact per caller. */
const callerCounts = <E, R>(source: ArtifactNodeWith<"alerts", E, R>) =>
  artifactNode({
    name: "caller-counts",
    version: "1",
    configSchema: Schema.Struct({}),
    config: {},
    inputs: { source },
    outputs: ["counts"],
    run: ({ inputs, key, name }) =>
      Effect.gen(function*() {
        const catalog = yield* ArtifactCatalog
        const alerts = yield* readRows(AlertsV1, yield* catalog.dataPath(inputs.source.alerts.artifactId))
        const byCaller = new Map<string, { alerts: number; first_alert_ts: number }>()
        for (const alert of alerts) {
          const caller = alert.caller ?? "(unknown)"
          const seen = byCaller.get(caller)
          byCaller.set(caller, {
            alerts: (seen?.alerts ?? 0) + 1,
            first_alert_ts: Math.min(seen?.first_alert_ts ?? Infinity, alert.alert_ts)
          })
        }
        const counts = yield* publishRows({
          contract: CallerAlertCounts,
          rows: [...byCaller].map(([caller, row]) => ({ caller, ...row })),
          timeColumn: "first_alert_ts",
          logicalKey: "alerts/caller-counts",
          inputs: [inputs.source.alerts.artifactId],
          producedBy: { node: name, key }
        })
        return { counts }
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
  const counts = callerCounts(filter)
  const first = yield* execute([counts], { engine })
  const filtered = first.of(filter).outputs!.alerts
  const ohlcv = first.of(market).outputs!.ohlcv

  // Stage 2: the standard experiment DAG, fed with the filtered alerts.
  const dag = experimentDag(definition, { alerts: [filtered.artifactId], ohlcv: [ohlcv.artifactId] })
  const second = yield* execute([dag.publish], { engine, seed: definition.seed })

  for (const node of [...first.nodes, ...second.nodes]) {
    console.log(`${node.cache.padEnd(8)} ${node.node.name}`)
  }
  console.log(`filtered alerts: ${filtered.artifactId}`)
  console.log(`caller counts:   ${first.of(counts).outputs!.counts.artifactId}`)
  console.log(`metrics:         ${second.of(dag.publish).outputs!.metrics.artifactId}`)
})

Effect.runPromise(program.pipe(Effect.provide(layer({ dir: storeDir })))).catch((error) => {
  console.error(String(error))
  process.exitCode = 1
})
