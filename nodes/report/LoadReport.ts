/**
 * Reading what a report shows: the experiment record, its latest completed run, that run's four
 * outputs (read back from their Parquet files in the store) and their lineage in the catalog.
 * Needs only the store services; prints and writes nothing.
 */
import { Effect, Schema } from "effect"
import {
  ArtifactCatalog,
  type ArtifactId,
  type ArtifactManifest,
  ExperimentTracker,
  type RunView
} from "../../store/index.js"
import {
  type AnyContract,
  ExperimentDiagnostics,
  ExperimentEquity,
  ExperimentMetrics,
  ExperimentTrades,
  readRowsParquet
} from "../contracts/index.js"
import { contractDataPath } from "../contracts/ArtifactColumns.js"
import { NoCompletedRun, ReportDataError, ReportOutputMissing } from "./ReportError.js"
import {
  type ReportArtifact,
  ReportDiagnostic,
  ReportEquityPoint,
  type ReportInput,
  type ReportLineage,
  ReportMetrics,
  ReportTrade
} from "./ReportData.js"
import { renderReport } from "./RenderReport.js"

/** The outputs a report reads, by their name in the run record. */
export const REPORT_OUTPUTS = ["trades", "metrics", "equity", "diagnostics"] as const

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The latest run (by run number) whose effective status is `completed`. */
export const latestCompletedRun = (runs: ReadonlyArray<RunView>): RunView | undefined => {
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i].effectiveStatus === "completed") return runs[i]
  return undefined
}

const readRows = <A, I>(
  manifest: ArtifactManifest,
  contract: AnyContract,
  schema: Schema.Schema<A, I>
) =>
  Effect.gen(function*() {
    if (manifest.type !== contract.type) {
      return yield* new ReportDataError({
        artifactId: manifest.artifactId,
        type: manifest.type,
        detail: `expected an artifact of type ${contract.type}`
      })
    }
    const path = yield* contractDataPath(manifest.artifactId, contract)
    const rows = yield* readRowsParquet(contract, path)
    return yield* Schema.decodeUnknown(Schema.Array(schema))(rows).pipe(
      Effect.mapError((error) =>
        new ReportDataError({ artifactId: manifest.artifactId, type: manifest.type, detail: error.message })
      )
    )
  })

const toReportArtifact = (m: ArtifactManifest): ReportArtifact => ({
  artifactId: m.artifactId,
  type: m.type,
  logicalKey: m.logicalKey,
  rowCount: m.rowCount,
  bytes: m.bytes
})

/** The union of the outputs' lineage graphs, nodes and edges sorted. */
const mergedLineage = (ids: ReadonlyArray<ArtifactId>) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const nodes = new Map<string, ReportArtifact>()
    const edges = new Map<string, { from: string; to: string }>()
    for (const id of ids) {
      const graph = yield* catalog.lineage(id)
      for (const node of graph.nodes) nodes.set(node.artifactId, toReportArtifact(node))
      for (const edge of graph.edges) edges.set(`${edge.from}>${edge.to}`, { from: edge.from, to: edge.to })
    }
    return {
      nodes: [...nodes.values()].sort((a, b) => compareStrings(a.artifactId, b.artifactId)),
      edges: [...edges.values()].sort((a, b) => compareStrings(a.from, b.from) || compareStrings(a.to, b.to))
    } satisfies ReportLineage
  })

/**
 * Everything the report of `experimentIdOrPrefix` shows, from its latest completed run. Fails with
 * ExperimentNotFound, NoCompletedRun, ReportOutputMissing, ReportDataError, or a store/DuckDB error.
 */
export const loadReportInput = (experimentIdOrPrefix: string) =>
  Effect.gen(function*() {
    const tracker = yield* ExperimentTracker
    const catalog = yield* ArtifactCatalog
    const record = yield* tracker.resolve(experimentIdOrPrefix)
    const detail = yield* tracker.get(record.experimentId)
    const run = latestCompletedRun(detail.runs)
    if (run === undefined) {
      const latest = detail.runs[detail.runs.length - 1]
      return yield* new NoCompletedRun({
        experimentId: record.experimentId,
        latestStatus: latest === undefined ? "none" : latest.effectiveStatus
      })
    }
    const manifests: Record<string, ArtifactManifest> = {}
    for (const name of REPORT_OUTPUTS) {
      const ref = run.run.outputs[name]
      if (ref === undefined) {
        return yield* new ReportOutputMissing({ experimentId: record.experimentId, runId: run.run.runId, output: name })
      }
      manifests[name] = yield* catalog.get(ref.artifactId)
    }
    const trades = yield* readRows(manifests.trades, ExperimentTrades, ReportTrade)
    const equity = yield* readRows(manifests.equity, ExperimentEquity, ReportEquityPoint)
    const diagnostics = yield* readRows(manifests.diagnostics, ExperimentDiagnostics, ReportDiagnostic)
    const metricsRows = yield* readRows(manifests.metrics, ExperimentMetrics, ReportMetrics)
    if (metricsRows.length !== 1) {
      return yield* new ReportDataError({
        artifactId: manifests.metrics.artifactId,
        type: manifests.metrics.type,
        detail: `expected one metrics row, found ${metricsRows.length}`
      })
    }
    const outputs: Record<string, string> = {}
    for (const name of REPORT_OUTPUTS) outputs[name] = manifests[name].artifactId
    const lineage = yield* mergedLineage(REPORT_OUTPUTS.map((name) => manifests[name].artifactId))
    const provenance = manifests.metrics.provenance
    const input: ReportInput = {
      experiment: {
        experimentId: record.experimentId,
        name: record.name,
        seed: record.seed,
        definition: record.definition,
        inputs: record.inputs
      },
      outputs,
      provenance: {
        engineVersion: provenance.engineVersion,
        duckdbVersion: provenance.duckdbVersion,
        gitCommit: provenance.git.commit,
        gitDirty: provenance.git.dirty
      },
      metrics: metricsRows[0],
      trades,
      equity,
      diagnostics,
      lineage
    }
    return { input, runId: run.run.runId }
  })

/** The report page of an experiment's latest completed run, and which run that was. */
export const buildReport = (experimentIdOrPrefix: string) =>
  Effect.map(loadReportInput(experimentIdOrPrefix), ({ input, runId }) => ({
    experimentId: input.experiment.experimentId,
    runId,
    html: renderReport(input)
  }))
