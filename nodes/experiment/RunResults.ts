/**
 * What a run produced, in the terms a user asks about first: its metrics row and its diagnostics
 * counted by code (`RunResults`, kept on the run record), and one status word per node.
 *
 * Results are read from the run's `metrics` and `diagnostics` artifacts, or taken from an earlier
 * run of the same experiment whose record holds results for the very same two artifacts (a cached
 * rerun then opens no file). Prints nothing.
 */
import { Effect } from "effect"
import type { NodeReport } from "../../pipeline/index.js"
import {
  compareStrings,
  type ExperimentId,
  ExperimentTracker,
  formatRunId,
  type OutputRef,
  type RunId,
  type RunRecord,
  type RunResults
} from "../../store/index.js"
import { ExperimentDiagnostics, ExperimentMetrics } from "../contracts/index.js"
import { readArtifactRows } from "../parquet/index.js"

/**
 * One word per node, the same in every output (progress, summary, `--dry-run`, `--json`, run
 * records): `hit` — its outputs came from the cache and nothing ran; `miss` — it ran (or, in a dry
 * run, would run). The projection (a resource, never cached) is a `miss` when it was built — or,
 * in a dry run, would be built — for a node that misses, and a `hit` when no node needed it.
 */
export const nodeStatus = (node: NodeReport, all: ReadonlyArray<NodeReport>): "hit" | "miss" => {
  if (node.cache !== "resource") return node.cache
  if (node.acquired === true) return "miss"
  return all.some((other) => other.cache === "miss" && consumes(other, node.key)) ? "miss" : "hit"
}

const consumes = (node: NodeReport, resourceKey: string): boolean =>
  Object.values(node.material.inputs).some((input) =>
    (Array.isArray(input) ? input : [input]).some((one) => "resource" in one && one.resource === resourceKey)
  )

/** Diagnostics counted by code, in code order (DuckDB's VARCHAR order: by code point). */
const countByCode = (codes: ReadonlyArray<string>): Array<{ readonly code: string; readonly n: number }> => {
  const counts = new Map<string, number>()
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1)
  return [...counts.keys()].sort(compareStrings).map((code) => ({ code, n: counts.get(code)! }))
}

/**
 * The metrics row and the diagnostics counted by code, from the two artifacts' rows (remembered
 * when this process has just written them, KnownRows.ts; else read from their files).
 */
export const readRunResults = (outputs: { readonly metrics: OutputRef; readonly diagnostics: OutputRef }) =>
  Effect.gen(function*() {
    // The two reads are independent: at once. Rows this process has just written are not read back.
    const [rows, diagnosticRows] = yield* Effect.all([
      readArtifactRows(outputs.metrics.artifactId, ExperimentMetrics),
      readArtifactRows(outputs.diagnostics.artifactId, ExperimentDiagnostics)
    ], { concurrency: 2 })
    const counts = countByCode(diagnosticRows.map((row) => row.code))
    const metrics: Record<string, number | null> = {}
    const row = rows[0]
    for (const column of ExperimentMetrics.columns) metrics[column.name] = row === undefined ? null : row[column.name]
    const diagnostics: Record<string, number> = {}
    for (const { code, n } of counts) diagnostics[code] = n
    return { metrics, diagnostics } satisfies RunResults
  })

/** Outputs that have results: both a metrics and a diagnostics artifact. */
export const resultOutputs = (
  outputs: Readonly<Record<string, OutputRef>>
): { readonly metrics: OutputRef; readonly diagnostics: OutputRef } | undefined => {
  const { diagnostics, metrics } = outputs
  return metrics !== undefined && diagnostics !== undefined ? { metrics, diagnostics } : undefined
}

const resultsFor = (
  run: RunRecord,
  wanted: { readonly metrics: OutputRef; readonly diagnostics: OutputRef }
): RunResults | undefined =>
  run.results !== undefined &&
    run.outputs.metrics?.artifactId === wanted.metrics.artifactId &&
    run.outputs.diagnostics?.artifactId === wanted.diagnostics.artifactId
    ? run.results
    : undefined

/**
 * The results of outputs recorded for `experimentId`: from an earlier run's record when one kept
 * results for the same metrics and diagnostics artifacts (the latest such run), else read from
 * their files. Undefined when the outputs have no metrics or diagnostics.
 *
 * Given the run being recorded (`runId`), the runs before it are read one at a time, newest
 * first, up to the first that has them: a cached rerun reads one run record, not the whole history.
 */
export const runResultsOf = (
  experimentId: ExperimentId,
  outputs: Readonly<Record<string, OutputRef>>,
  runId?: RunId
) =>
  Effect.gen(function*() {
    const wanted = resultOutputs(outputs)
    if (wanted === undefined) return undefined
    const tracker = yield* ExperimentTracker
    if (runId !== undefined) {
      for (let n = Number(runId) - 1; n >= 1; n--) {
        // A run that cannot be read (gone, malformed) is passed over, as `get` lists it apart.
        const run = yield* Effect.option(tracker.getRun(experimentId, formatRunId(n)))
        const found = run._tag === "Some" ? resultsFor(run.value, wanted) : undefined
        if (found !== undefined) return found
      }
      return yield* readRunResults(wanted)
    }
    const detail = yield* Effect.option(tracker.get(experimentId))
    if (detail._tag === "Some") {
      for (let i = detail.value.runs.length - 1; i >= 0; i--) {
        const found = resultsFor(detail.value.runs[i]!.run, wanted)
        if (found !== undefined) return found
      }
    }
    return yield* readRunResults(wanted)
  })
