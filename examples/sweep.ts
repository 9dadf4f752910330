/**
 * A parameter sweep composed in TypeScript: one synthetic market, one validate node and ONE shared
 * projection, then a grid of 24 strategies (stop × first target × trailing on/off), each a
 * simulate + publish pair, executed with bounded concurrency. Every node is cached: run it twice
 * and the second run executes nothing; change one grid value and only its pair reruns.
 *
 * It imports only the package's public entry, as a user's project would.
 *
 *   npx tsx --conditions=source examples/sweep.ts [--store DIR] [--tokens N] [--days D] [--concurrency C]
 */
import { Effect, Schema } from "effect"
import * as NodePath from "node:path"
import {
  ArtifactCatalog,
  decodeDefinition,
  engineVersions,
  execute,
  ExperimentMetrics,
  layer,
  projectNode,
  publishNode,
  readRows,
  simulateNode,
  SyntheticConfig,
  syntheticNode,
  validateNode
} from "content-addressed-backtest-pipeline"

const flag = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}
const storeDir = NodePath.resolve(flag("store", ".pipeline"))
const tokens = Number(flag("tokens", "50"))
const days = Number(flag("days", "3"))
const concurrency = Number(flag("concurrency", "2"))

const dateRange = { from: "2024-01-01T00:00:00.000Z", to: "2024-02-01T00:00:00.000Z" }

/** The grid: 3 stops × 4 first targets × trailing on/off = 24 strategies. */
const grid = [0.15, 0.25, 0.35].flatMap((stop) =>
  [1.5, 2, 3, 5].flatMap((firstTarget) =>
    [false, true].map((trailing) => ({
      label: `stop ${stop} / t1 ${firstTarget}x / ${trailing ? "trail" : "no trail"}`,
      strategy: {
        exit: {
          targets: [{ multiple: firstTarget, fraction: 0.5 }, { multiple: firstTarget * 2, fraction: 0.5 }],
          maxHoldCandles: 720
        },
        stopLoss: { pct: stop },
        ...(trailing ? { trailing: { activation: 0.5, pct: 0.2 } } : {}),
        costs: { feeBps: 25, slippageBps: 15 }
      }
    }))
  )
)

const program = Effect.gen(function*() {
  const engine = yield* engineVersions
  const catalog = yield* ArtifactCatalog

  // 1. The market: a cached node like any other.
  const synthetic = syntheticNode(Schema.decodeSync(SyntheticConfig)({ tokens, days, seed: 7 }), "sweep/synthetic")
  const market = (yield* execute([synthetic], { engine })).of(synthetic).outputs!
  const inputs = { alerts: [market.alerts.artifactId], ohlcv: [market.ohlcv.artifactId], dateRange }

  // 2. One validate node and one projection, shared by every strategy of the grid.
  const validate = validateNode(inputs, "sweep/validate")
  const project = projectNode(inputs, validate, "sweep/project")

  // 3. A simulate + publish pair per strategy; all reuse `project`, so it is built at most once.
  const pairs = yield* Effect.forEach(grid, ({ label, strategy }, i) =>
    Effect.map(
      decodeDefinition({ name: "sweep", seed: 42, inputs: { synthetic: { tokens, days, seed: 7 } }, dateRange, strategy }, label),
      (definition) => {
        const simulate = simulateNode(
          { strategy: definition.strategy, dateRange, inputs: [...inputs.alerts, ...inputs.ohlcv] },
          project,
          `sweep/${i}/simulate`
        )
        const publish = publishNode(
          { initialCapital: definition.strategy.sizing.initialCapital, bootstrapResamples: 200 },
          simulate,
          validate,
          `sweep/${i}/publish`
        )
        return { label, publish }
      }
    ))

  const started = Date.now()
  const report = yield* execute(pairs.map((p) => p.publish), { engine, seed: 42, concurrency })
  const seconds = (Date.now() - started) / 1000
  const ran = report.nodes.filter((n) => n.cache === "miss").length
  const projectReport = report.of(project)

  // 4. The leaderboard, from each strategy's published metrics artifact.
  const rows = yield* Effect.forEach(pairs, ({ label, publish }) =>
    Effect.gen(function*() {
      const metrics = report.of(publish).outputs!.metrics
      const [m] = yield* readRows(ExperimentMetrics, yield* catalog.dataPath(metrics.artifactId))
      return { label, trades: m.trades, win_rate: m.win_rate, mean_return: m.mean_return, sharpe: m.sharpe, max_drawdown: m.max_drawdown }
    }))
  rows.sort((a, b) => (b.mean_return ?? -Infinity) - (a.mean_return ?? -Infinity))

  const fmt = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? "—" : x.toFixed(digits))
  console.log(`${grid.length} strategies in ${seconds.toFixed(1)} s; ${ran} nodes ran, ` +
    `projection ${projectReport.acquired ? "built once" : "not needed (all cached)"}`)
  console.log(`${"rank".padEnd(5)}${"strategy".padEnd(34)}${"trades".padStart(7)}${"win".padStart(7)}` +
    `${"mean ret".padStart(10)}${"sharpe".padStart(8)}${"max dd".padStart(8)}`)
  rows.forEach((row, i) =>
    console.log(
      `${String(i + 1).padEnd(5)}${row.label.padEnd(34)}${String(row.trades).padStart(7)}` +
        `${fmt(row.win_rate, 2).padStart(7)}${fmt(row.mean_return).padStart(10)}${fmt(row.sharpe, 2).padStart(8)}` +
        `${fmt(row.max_drawdown, 3).padStart(8)}`
    )
  )
})

Effect.runPromise(program.pipe(Effect.provide(layer({ dir: storeDir })))).catch((error) => {
  console.error(String(error))
  process.exitCode = 1
})
