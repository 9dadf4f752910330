/**
 * `explainExperiment`: for every node of an experiment, the key material it would run with, whether
 * it would hit or run, and exactly which fields changed since the last run of the same node
 * identity (docs/DESIGN.md §3, `pipeline explain`). Built on pipeline/Explain.ts (a dry run): nothing
 * runs, nothing is acquired, nothing is written.
 *
 * Synthetic inputs: the generator node is explained first. When it would hit, its recorded outputs
 * feed the experiment's DAG, which is explained in turn. When it would run, nothing downstream can
 * be keyed yet (keys hash upstream output digests): only the generator is explained and
 * `pendingReason` says why.
 */
import { Effect, Schema } from "effect"
import { explain, type FieldChange, type KeyMaterial, type NodeExplanation } from "../../pipeline/index.js"
import type { Digest } from "../../store/index.js"
import { engineVersions } from "../runtime/index.js"
import { SyntheticConfig } from "../synthetic/SyntheticConfig.js"
import { syntheticNode } from "../synthetic/SyntheticNode.js"
import { type Definition, isSynthetic } from "./Definition.js"
import { type ExperimentError, experimentIdOf, type ExperimentServices } from "./ExecuteExperiment.js"
import { experimentDag, type ResolvedInputs } from "./ExperimentDag.js"
import { resolveCatalogInputs } from "./ResolveInputs.js"

export interface ExplainedChange {
  /** A material path as shown to users: `strategy.exit.targets[0].multiple` (no `config.`), `inputs.projection.resource`. */
  readonly path: string
  readonly before: unknown
  readonly after: unknown
  /** Set for an input whose upstream would rerun first: what that means for this key. */
  readonly note?: string
}

export interface ExplainedNode {
  readonly name: string
  readonly identity: string
  readonly kind: "artifact" | "resource"
  readonly key: Digest
  /**
   * `hit`: cached, would not run; `miss`: would run; `resource`: built only if a consumer runs.
   */
  readonly cache: "hit" | "miss" | "resource"
  /** Why it would run (a miss), e.g. `Absent`, `ObjectMissing`. */
  readonly missReason: string | undefined
  /**
   * `new`: this identity never ran; `changed`: its key differs from the last run's; `unchanged`;
   * `untracked`: a resource (never cached, so no last run to compare with).
   */
  readonly status: "new" | "changed" | "unchanged" | "untracked"
  readonly previousKey: Digest | undefined
  /** Field by field, what differs from the last run's material (empty unless `changed`). */
  readonly changes: ReadonlyArray<ExplainedChange>
  readonly material: KeyMaterial
}

export interface ExperimentExplanation {
  readonly experimentId: string
  readonly name: string
  /** In topological order, the synthetic generator (if any) first. */
  readonly nodes: ReadonlyArray<ExplainedNode>
  /** Set when the DAG beyond the synthetic generator cannot be keyed before the generator runs. */
  readonly pendingReason: string | undefined
}

/** `config.strategy.x` → `strategy.x`; every other material path as it is. */
export const displayPath = (path: string): string => (path.startsWith("config.") ? path.slice("config.".length) : path)

const isPending = (value: unknown): value is { pending: Digest } =>
  typeof value === "object" && value !== null && "pending" in value

/** The material at a path like `inputs.simulated` or `inputs.ohlcv[1]` (for collapsing pending inputs). */
const inputAt = (material: KeyMaterial, inputPath: string): unknown => {
  const match = /^inputs\.([^.[]+)(?:\[(\d+)\])?$/.exec(inputPath)
  if (match === null) return undefined
  const input = material.inputs[match[1]!]
  return match[2] === undefined ? input : (input as ReadonlyArray<unknown> | undefined)?.[Number(match[2])]
}

/**
 * Field changes for display. An upstream that would rerun enters a dry-run key as
 * `{pending: <upstream key>}`; rather than listing every vanished output digest, such an input is
 * one change: `inputs.simulated: outputs of the last run → pending (upstream reruns)`.
 */
export const displayChanges = (changes: ReadonlyArray<FieldChange>, after: KeyMaterial): ReadonlyArray<ExplainedChange> => {
  const out: Array<ExplainedChange> = []
  const collapsed = new Map<string, Record<string, unknown>>()
  for (const change of changes) {
    const inputPath = /^(inputs\.[^.[]+(?:\[\d+\])?)\./.exec(change.path)?.[1]
    const now = inputPath === undefined ? undefined : inputAt(after, inputPath)
    if (inputPath !== undefined && isPending(now)) {
      let before = collapsed.get(inputPath)
      if (before === undefined) {
        before = {}
        collapsed.set(inputPath, before)
        out.push({
          path: inputPath,
          before,
          after: now,
          note: `its upstream (key ${now.pending}) would run first; this key is final once it has, and stays ` +
            "the same if the upstream reproduces its last outputs"
        })
      }
      if (change.before !== undefined) before[change.path.slice(inputPath.length + 1)] = change.before
      continue
    }
    out.push({ path: displayPath(change.path), before: change.before, after: change.after })
  }
  return out
}

const reasonText = (reason: NodeExplanation["report"]["reason"]): string | undefined => {
  if (reason === undefined) return undefined
  switch (reason._tag) {
    case "Absent":
      return "not in the action cache"
    case "Forced":
      return "forced"
    case "ArtifactMissing":
      return `output ${reason.output}: artifact ${reason.artifactId} is missing`
    case "ObjectMissing":
      return `output ${reason.output}: object ${reason.digest} is missing`
    case "ObjectCorrupt":
      return `output ${reason.output}: object ${reason.digest} is corrupt`
    case "EntryMalformed":
      return `cache entry malformed: ${reason.detail}`
  }
}

const toExplained = (explanation: NodeExplanation): ExplainedNode => {
  const { report } = explanation
  const status = report.node.kind === "resource"
    ? "untracked"
    : explanation.previousKey === undefined
    ? "new"
    : explanation.previousKey === report.key
    ? "unchanged"
    : "changed"
  return {
    name: report.node.name,
    identity: report.node.identity,
    kind: report.node.kind,
    key: report.key,
    cache: report.cache,
    missReason: report.cache === "miss" ? reasonText(report.reason) : undefined,
    status,
    previousKey: explanation.previousKey,
    changes: displayChanges(explanation.changes, report.material),
    material: report.material
  }
}

/** Explains every node of the experiment. Reads the store only: nothing runs, nothing is written. */
export const explainExperiment = (
  definition: Definition,
  definitionEncoded: unknown
): Effect.Effect<ExperimentExplanation, ExperimentError, ExperimentServices> =>
  Effect.gen(function*() {
    const engine = yield* engineVersions
    const options = { engine, seed: definition.seed }
    const explained: Array<ExplainedNode> = []
    let inputs: ResolvedInputs
    if (isSynthetic(definition.inputs)) {
      const config = yield* Schema.decodeUnknown(SyntheticConfig)(definition.inputs.synthetic)
      const node = syntheticNode(config, `${definition.name}/synthetic`)
      const [generator] = yield* explain([node], options)
      explained.push(toExplained(generator!))
      const outputs = generator!.report.outputs
      const experimentId = yield* experimentIdOf(definitionEncoded, null)
      if (generator!.report.cache !== "hit" || outputs === undefined) {
        return {
          experimentId,
          name: definition.name,
          nodes: explained,
          pendingReason:
            "the synthetic generator would run first: the experiment's other keys hash its output digests, known only after it has run"
        } satisfies ExperimentExplanation
      }
      inputs = { alerts: [outputs.alerts!.artifactId], ohlcv: [outputs.ohlcv!.artifactId] }
    } else {
      inputs = yield* resolveCatalogInputs(definition.inputs)
    }
    const experimentId = yield* experimentIdOf(definitionEncoded, isSynthetic(definition.inputs) ? null : inputs)
    const dag = experimentDag(definition, inputs)
    for (const explanation of yield* explain([dag.publish], options)) explained.push(toExplained(explanation))
    return { experimentId, name: definition.name, nodes: explained, pendingReason: undefined } satisfies ExperimentExplanation
  })
