/**
 * `pipeline explain <definition.json>`: per node, whether it would hit or run, a compact summary of
 * its key material, and — when its key changed since the last run of the same node identity —
 * exactly which fields changed (`strategy.exit.targets[0].multiple: 2 → 3`). `--json` gives the
 * full material of every node. Nothing runs and nothing is written: without a store it explains
 * against an empty one (every node would run; no previous run), and creates none.
 */
import { Args, Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { type ExperimentExplanation, explainExperiment, type ExplainedNode, isSweep } from "../../nodes/experiment/index.js"
import { executeSweep } from "../../nodes/sweep/index.js"
import { readDefinition } from "../Definitions.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { emptyStoreLayer, storeExists } from "../ReadOnlyStore.js"
import { storeLayer } from "../StoreLayers.js"

const definition = Args.file({ name: "definition.json", exists: "yes" }).pipe(
  Args.withDescription("The experiment definition (JSON, DESIGN.md §9)")
)

const DIGEST = /^blake3:([0-9a-f]{64})$/

/** Digests shortened for the terminal (`blake3:1ff71f6576f1…`); everything else as JSON. */
const show = (value: unknown): string => {
  if (value === undefined) return "(absent)"
  if (typeof value === "string") {
    const digest = DIGEST.exec(value)
    return digest ? `blake3:${digest[1]!.slice(0, 12)}…` : value
  }
  return JSON.stringify(value, (_key, v) => (typeof v === "string" && DIGEST.test(v) ? show(v) : v))
}

const inputSummary = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(inputSummary).join(", ")}]`
  const input = value as Record<string, unknown>
  if ("resource" in input) return `resource ${show(input.resource)}`
  if ("pending" in input) return `pending (upstream ${show(input.pending)} would run)`
  const outputs = (input.outputs ?? {}) as Record<string, unknown>
  return Object.keys(outputs).map((name) => `${name} ${show(outputs[name])}`).join(", ")
}

const nodeLines = (node: ExplainedNode): Array<string> => {
  const action = node.kind === "resource"
    ? "built only if a consumer runs"
    : node.cache === "hit"
    ? "hit (would not run)"
    : `would run (${node.missReason ?? "miss"})`
  const since = node.kind === "resource"
    ? "not cached (a scoped resource)"
    : node.status === "new"
    ? "no previous run of this node"
    : node.status === "unchanged"
    ? "key unchanged since the last run"
    : `key changed since the last run (was ${show(node.previousKey)})`
  const material = node.material
  const lines = [
    `${node.name}  ${show(node.key)}  ${action}; ${since}`,
    `  material: node ${material.node} v${material.nodeVersion} · engine ${JSON.stringify(material.engine)} · seed ${
      material.seed ?? "—"
    }`,
    `    config ${show(material.config)}`,
    ...Object.keys(material.inputs).map((name) => `    input ${name} ← ${inputSummary(material.inputs[name])}`)
  ]
  if (node.changes.length > 0) {
    lines.push("  changed:")
    for (const change of node.changes) {
      lines.push(
        change.note === undefined
          ? `    ${change.path}: ${show(change.before)} → ${show(change.after)}`
          : `    ${change.path}: last run's outputs → pending (upstream ${show((change.after as { pending: string }).pending)} would run first)`
      )
    }
  }
  return lines
}

export const explainLines = (explanation: ExperimentExplanation): Array<string> => [
  `experiment ${explanation.experimentId} (${explanation.name}): explain`,
  ...explanation.nodes.flatMap(nodeLines),
  ...(explanation.pendingReason ? [`note: ${explanation.pendingReason}`] : [])
]

export const explainCommand = Command.make("explain", { definition }, (args) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    const { decoded, encoded } = yield* readDefinition(args.definition)
    const exists = storeExists(config.storeDir)
    const layer = exists ? storeLayer(config.storeDir) : emptyStoreLayer()
    const explanation = yield* explainExperiment(decoded, encoded).pipe(Effect.provide(layer))
    // A sweep: which of its variants are cached (a dry run: nothing runs, nothing is written).
    const sweep = isSweep(decoded)
      ? (yield* executeSweep(decoded, encoded, { mode: "dryRun" }).pipe(Effect.provide(layer))).sweep
      : undefined
    const sweepSummary = sweep === undefined
      ? undefined
      : { variants: sweep.variants, cached: sweep.cached, toSimulate: sweep.variants - sweep.cached, paths: sweep.paths }
    if (config.json) return yield* printJson(sweepSummary === undefined ? explanation : { ...explanation, sweep: sweepSummary })
    const lines = explainLines(explanation)
    if (sweepSummary !== undefined) {
      lines.push(
        `sweep: ${sweepSummary.variants} variants over ${sweepSummary.paths.join(", ")}: ` +
          `${sweepSummary.cached} cached, ${sweepSummary.toSimulate} would be simulated`
      )
    }
    if (!exists) lines.push(`note: no store at ${config.storeDir} yet: nothing has run there`)
    yield* Console.log(lines.join("\n"))
  })
).pipe(Command.withDescription("Show each node's key material and what changed since its last run (nothing runs)"))
