/**
 * `pipeline run <definition.json>`: runs an experiment incrementally and prints what ran.
 * `--json` prints exactly the document of DESIGN.md §9; `--dry-run` plans only; `--timeout`
 * interrupts the run past a duration (recorded as failed with RunTimedOut). `--dry-run` only reads:
 * without a store it plans as for an empty one and creates nothing.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Duration, Effect, Option } from "effect"
import { type ExperimentResult, runExperiment } from "../../nodes/experiment/index.js"
import { UsageError } from "../CliError.js"
import { readDefinition } from "../Definitions.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { nodeLines, progressRenderer } from "../Progress.js"
import { emptyStoreLayer, storeExists } from "../ReadOnlyStore.js"
import { storeLayer } from "../StoreLayers.js"

const definition = Args.file({ name: "definition.json", exists: "yes" }).pipe(
  Args.withDescription("The experiment definition (JSON, DESIGN.md §9)")
)
const dryRun = Options.boolean("dry-run").pipe(Options.withDescription("Plan and print hit/miss without executing"))
const timeout = Options.text("timeout").pipe(
  Options.withDescription("Interrupt the run past this duration, e.g. 90s, 10m, 2h"),
  Options.optional
)
const concurrency = Options.integer("concurrency").pipe(
  Options.withDescription("Node bodies running at once (default 2)"),
  Options.withDefault(2)
)

/** `90s`, `10m`, `2h`, `500ms`, or a bare number of seconds. */
export const parseDuration = (text: string): Option.Option<Duration.Duration> => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim())
  if (match === null) return Option.none()
  const value = Number(match[1])
  const unit = match[2] ?? "s"
  const ms = unit === "ms" ? value : unit === "s" ? value * 1e3 : unit === "m" ? value * 60e3 : value * 3600e3
  return Option.some(Duration.millis(ms))
}

/** The `run --json` document (DESIGN.md §9). */
export const runDocument = (result: ExperimentResult, status: string) => ({
  experimentId: result.experimentId,
  status,
  nodes: result.nodes.map((node) => ({
    name: node.node.name,
    key: node.key,
    cache: node.cache === "resource" ? (node.acquired ? "miss" : "hit") : node.cache,
    durationMs: node.durationMs
  })),
  outputs: result.outputs ?? {}
})

export const run = Command.make("run", { definition, dryRun, timeout, concurrency }, (args) =>
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
    // --dry-run only reads: without a store it plans against an empty one and creates none.
    const result = yield* runExperiment(decoded, encoded, {
      mode: args.dryRun ? "dryRun" : "normal",
      concurrency: args.concurrency,
      onEvent: progressRenderer(config.progress),
      ...(timeoutDuration ? { timeout: timeoutDuration } : {})
    }).pipe(Effect.provide(args.dryRun && !storeExists(config.storeDir) ? emptyStoreLayer() : storeLayer(config.storeDir)))

    const status = args.dryRun ? "planned" : "completed"
    if (config.json) return yield* printJson(runDocument(result, status))
    const lines = [
      `experiment ${result.experimentId} (${result.name})${result.runId ? `, run ${result.runId}` : ""}: ${status}`,
      ...nodeLines(result.nodes),
      `cache: ${result.cache.hits} hit, ${result.cache.misses} miss`
    ]
    if (result.outputs) {
      for (const [name, output] of Object.entries(result.outputs)) {
        lines.push(`${name.padEnd(11)} ${output.artifactId}  ${output.path}`)
      }
    } else if (args.dryRun) {
      lines.push("outputs: not known until the missing nodes run")
    }
    yield* Console.log(lines.join("\n"))
  })
).pipe(Command.withDescription("Run an experiment incrementally: only what changed is recomputed"))
