/**
 * `pipeline explain <definition.json>`: the short answer first — one line per node that would
 * run, saying why (`simulate  key changed: strategy.exit.targets[0].multiple: 2 → 3`), and which
 * nodes hit. `--verbose` adds, per node, its key, a compact summary of its key material and every
 * changed field; `--json` gives the full material of every node. Nothing runs and nothing is written: without a store it explains
 * against an empty one (every node would run; no previous run), and creates none.
 */
import type { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { type ExperimentExplanation, explainExperiment, type ExplainedNode, isSweep } from "../../nodes/experiment/index.js"
import { executeSweep } from "../../nodes/sweep/index.js"
import { readDefinition } from "../Definitions.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { emptyStoreLayer, readableStore } from "../ReadOnlyStore.js"
import { storeLayer } from "../StoreLayers.js"
import type { explainArgs } from "../tree/Explain.js"

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

/** Why a node would run, in one line: the changed fields, or what else makes it miss. */
const whyLine = (node: ExplainedNode): string => {
  if (node.status === "new") return "never ran (no previous run of this node)"
  if (node.status === "changed" && node.changes.length > 0) {
    return `key changed: ${
      node.changes.map((change) =>
        change.note === undefined ? `${change.path}: ${show(change.before)} → ${show(change.after)}` : `${change.path} (upstream will run)`
      ).join("; ")
    }`
  }
  return `key unchanged, but ${node.missReason ?? "not in the cache"}`
}

/**
 * The short answer: a header, one line per node that would run and why, then the nodes that hit.
 * The projection (never cached) is built when a node that needs it runs.
 */
export const explainSummaryLines = (explanation: ExperimentExplanation): Array<string> => {
  const running = explanation.nodes.filter((node) => node.kind === "artifact" && node.cache === "miss")
  const hits = explanation.nodes.filter((node) => node.kind === "artifact" && node.cache === "hit")
  // A resource is a miss (as `run --dry-run` says) when a node that would run needs it.
  const resources = explanation.nodes.filter((node) => node.kind === "resource")
  const built = resources.filter((resource) =>
    running.some((node) =>
      Object.values(node.material.inputs).some((input) =>
        (Array.isArray(input) ? input : [input]).some((one) => "resource" in one && one.resource === resource.key)
      )
    )
  )
  const hitCount = hits.length + resources.length - built.length
  const width = Math.max(4, ...running.map((node) => node.name.length))
  const header = running.length === 0
    ? `experiment ${explanation.experimentId} (${explanation.name}): ${hitCount} hit, nothing would run`
    : `experiment ${explanation.experimentId} (${explanation.name}): ${hitCount} hit, ${running.length + built.length} miss`
  const lines = [header, ...running.map((node) => `  ${node.name.padEnd(width)}  ${whyLine(node)}`)]
  if (running.length > 0) {
    const rest = [
      ...(hits.length > 0 ? [`hit: ${hits.map((node) => node.name).join(", ")}`] : []),
      ...built.map((node) => `${node.name} built for them, never cached`)
    ]
    if (rest.length > 0) lines.push(`  ${rest.join(" · ")}`)
  }
  if (explanation.pendingReason) lines.push(`note: ${explanation.pendingReason}`)
  return lines
}

/** `--verbose`: every node with its key, its material and each changed field. */
export const explainLines = (explanation: ExperimentExplanation): Array<string> => [
  `experiment ${explanation.experimentId} (${explanation.name}): explain`,
  ...explanation.nodes.flatMap(nodeLines),
  ...(explanation.pendingReason ? [`note: ${explanation.pendingReason}`] : [])
]

export const explainCommand = (args: Command.Command.ParseConfig<typeof explainArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    const { decoded, encoded } = yield* readDefinition(args.definition)
    const exists = yield* readableStore(config.storeDir)
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
    const lines = args.verbose ? explainLines(explanation) : explainSummaryLines(explanation)
    if (sweepSummary !== undefined) {
      lines.push(
        `sweep: ${sweepSummary.variants} variants over ${sweepSummary.paths.join(", ")}: ` +
          `${sweepSummary.cached} cached, ${sweepSummary.toSimulate} would be simulated`
      )
    }
    if (!exists) lines.push(`note: no store at ${config.storeDir} yet: nothing has run there`)
    yield* Console.log(lines.join("\n"))
  })
