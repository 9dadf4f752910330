/**
 * `explain`: for each node, the key material it would run with, and exactly which fields changed
 * since the last run of the same node identity (Dagster's staleness reasons, DVC's `status`).
 * Plans with a dry run: nothing executes, nothing is acquired, nothing is written.
 */
import { Effect } from "effect"
import { ActionCache } from "../store/ActionCache.js"
import type { Digest } from "../store/Digest.js"
import { diffValues, type FieldChange } from "./Diff.js"
import { type ExecuteOptions, execute, type NodeReport } from "./Executor.js"
import type { GraphNode } from "./Node.js"

export interface NodeExplanation {
  readonly report: NodeReport
  /** The key this identity had last time, when it ran (or hit) before. */
  readonly previousKey: Digest | undefined
  /** Empty when the key is unchanged or when there is no previous run. */
  readonly changes: ReadonlyArray<FieldChange>
}

export const explain = <E, R>(
  targets: ReadonlyArray<GraphNode<E, R>>,
  options: Omit<ExecuteOptions, "mode">
) =>
  Effect.gen(function*() {
    const cache = yield* ActionCache
    const plan = yield* execute(targets, { ...options, mode: "dryRun" })
    return yield* Effect.forEach(plan.nodes, (report) =>
      Effect.map(cache.lastForIdentity(report.node.identity), (previous): NodeExplanation => ({
        report,
        previousKey: previous?.key,
        changes: previous === undefined || previous.key === report.key ? [] : diffValues(previous.material, report.material)
      })))
  })
