/**
 * Reading what a report shows: the experiment record, its latest completed run, that run's four
 * outputs (read back from their Parquet files in the store) and their lineage in the catalog.
 * A sweep's run also has a `leaderboard` (`experiment_sweep`), whose parameter columns vary by
 * sweep: they are read from the file's own schema, checked, then read with the contract built for
 * them; its four outputs are the best variant's (none when the sweep kept none).
 * Needs only the store services; prints and writes nothing.
 */
import { Effect, Schema } from "effect"
import {
  ArtifactCatalog,
  type ArtifactId,
  type ArtifactManifest,
  compareStrings,
  ExperimentTracker,
  type RunView
} from "../../store/index.js"
import { type ColumnDef, type Contract, ExperimentDiagnostics, ExperimentEquity, ExperimentMetrics, ExperimentSweep, ExperimentTrades, sweepLeaderboardContract } from "../contracts/index.js"
import { readRows } from "../parquet/index.js"
import { checkArtifactColumns, contractDataPath, parquetColumns } from "../contracts/ArtifactColumns.js"
import { workspaceConnection } from "../duckdb/index.js"
import { PATH_PATTERN } from "../sweep/SweepSpec.js"
import { sweepTrials } from "../trials/index.js"
import { rankMetricOf, rankRows } from "./internal/rankMetric.js"
import { loadMarkToMarket } from "./LoadMarkToMarket.js"
import { loadWalkForward } from "./WalkForwardSection.js"
import { NoCompletedRun, ReportDataError, ReportOutputMissing } from "./ReportError.js"
import {
  type ReportArtifact,
  type ReportComparison,
  ReportDiagnostic,
  ReportEquityPoint,
  type ReportInput,
  type ReportLineage,
  ReportMetrics,
  type ReportSweep,
  type ReportSweepParameter,
  type ReportSweepRow,
  ReportTrade
} from "./ReportData.js"
import { renderReport } from "./RenderReport.js"

/** The outputs a report reads, by their name in the run record. */
export const REPORT_OUTPUTS = ["trades", "metrics", "equity", "diagnostics"] as const

/** A sweep run's extra output: the `experiment_sweep` leaderboard. */
export const SWEEP_OUTPUT = "leaderboard"


/** The latest run (by run number) whose effective status is `completed`. */
export const latestCompletedRun = (runs: ReadonlyArray<RunView>): RunView | undefined => {
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i].effectiveStatus === "completed") return runs[i]
  return undefined
}

/** The rows of `manifest` (an artifact of `contract`), decoded with the report's view `schema`. */
const readReportRows = <Cols extends ReadonlyArray<ColumnDef>, A, I>(
  manifest: ArtifactManifest,
  contract: Contract<Cols>,
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
    const rows = yield* readRows(contract, path)
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

const PARAMETER_TYPES = { DOUBLE: Schema.Number, VARCHAR: Schema.String, BOOLEAN: Schema.Boolean } as const

const isParameterType = (type: string): type is keyof typeof PARAMETER_TYPES => Object.hasOwn(PARAMETER_TYPES, type)

/** The `sweep.rank` of a recorded definition: `sharpe` when absent, undefined when not a rank metric. */
const rankOfDefinition = (definition: unknown) => {
  const sweep = typeof definition === "object" && definition !== null && "sweep" in definition ? definition.sweep : undefined
  const rank = typeof sweep === "object" && sweep !== null && "rank" in sweep ? sweep.rank : undefined
  return rank === undefined ? "sharpe" as const : rankMetricOf(rank)
}

/**
 * The leaderboard artifact `artifactId`: its parameter columns from the file's schema (a strategy
 * path each, of DOUBLE, VARCHAR or BOOLEAN), every other column checked against experiment_sweep,
 * then its rows. Fails with ReportDataError naming the artifact and the column or value.
 */
export const loadLeaderboard = (artifactId: ArtifactId) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const manifest = yield* catalog.get(artifactId)
    const fail = (detail: string) => new ReportDataError({ artifactId, type: manifest.type, detail })
    if (manifest.type !== ExperimentSweep.type) return yield* fail(`expected an artifact of type ${ExperimentSweep.type}`)
    const path = yield* catalog.dataPath(artifactId)
    const fixed = new Set<string>(ExperimentSweep.columns.map((column) => column.name))
    const columns = yield* Effect.scoped(Effect.flatMap(workspaceConnection, (connection) => parquetColumns(connection, path)))
    const parameters: Array<ReportSweepParameter> = []
    for (const column of columns) {
      if (fixed.has(column.name)) continue
      if (!PATH_PATTERN.test(column.name)) {
        return yield* fail(`column ${JSON.stringify(column.name)} is neither a metric nor a strategy path`)
      }
      if (!isParameterType(column.type)) {
        return yield* fail(`parameter column ${column.name} is ${column.type}, expected DOUBLE, VARCHAR or BOOLEAN`)
      }
      parameters.push({ path: column.name, duckdbType: column.type })
    }
    const contract = sweepLeaderboardContract(parameters)
    yield* Effect.scoped(
      Effect.flatMap(workspaceConnection, (connection) => checkArtifactColumns(connection, contract, artifactId, path))
    )
    const raw = yield* readRows(contract, path)
    const decodeError = (error: { readonly message: string }) => fail(error.message)
    const metrics = yield* Schema.decodeUnknown(Schema.Array(ReportMetrics))(raw).pipe(Effect.mapError(decodeError))
    const Identity = Schema.Struct({
      variant_id: Schema.String,
      ...Object.fromEntries(parameters.map((p) => [p.path, Schema.NullOr(PARAMETER_TYPES[p.duckdbType])]))
    })
    const identities = yield* Schema.decodeUnknown(Schema.Array(Identity))(raw).pipe(Effect.mapError(decodeError))
    const rows: Array<ReportSweepRow> = identities.map((identity, i) => {
      const record = identity as Readonly<Record<string, string | number | boolean | null>>
      return {
        variantId: identity.variant_id,
        parameters: Object.fromEntries(parameters.map((p) => [p.path, record[p.path] ?? null])),
        metrics: metrics[i]
      }
    })
    return { parameters, rows }
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
    const leaderboardRef = run.run.outputs[SWEEP_OUTPUT]
    // A sweep that kept no variant (keep: 0) records its leaderboard alone.
    const withoutVariant = leaderboardRef !== undefined && REPORT_OUTPUTS.every((name) => run.run.outputs[name] === undefined)
    const manifests: Record<string, ArtifactManifest> = {}
    for (const name of withoutVariant ? [] : REPORT_OUTPUTS) {
      const ref = run.run.outputs[name]
      if (ref === undefined) {
        return yield* new ReportOutputMissing({ experimentId: record.experimentId, runId: run.run.runId, output: name })
      }
      manifests[name] = yield* catalog.get(ref.artifactId)
    }
    let sweep: ReportSweep | undefined
    if (leaderboardRef !== undefined) {
      const leaderboard = yield* loadLeaderboard(leaderboardRef.artifactId)
      const rank = rankOfDefinition(record.definition)
      if (rank === undefined) {
        return yield* new ReportDataError({
          artifactId: leaderboardRef.artifactId,
          type: ExperimentSweep.type,
          detail: "the experiment's definition has a sweep.rank that is not a metric a sweep ranks by"
        })
      }
      manifests[SWEEP_OUTPUT] = yield* catalog.get(leaderboardRef.artifactId)
      sweep = {
        leaderboardId: leaderboardRef.artifactId,
        rank,
        parameters: leaderboard.parameters,
        rows: leaderboard.rows,
        best: withoutVariant ? undefined : rankRows(leaderboard.rows, rank)[0]?.variantId
      }
    }
    // The ledger reads other experiments of the same name: one that cannot be read leaves the section out.
    const trials = sweep === undefined || leaderboardRef === undefined
      ? undefined
      : yield* Effect.orElseSucceed(sweepTrials(record.name, leaderboardRef.artifactId, sweep.rank), () => undefined)
    const walkForward = yield* loadWalkForward(run.run.outputs)
    const trades = withoutVariant ? [] : yield* readReportRows(manifests.trades, ExperimentTrades, ReportTrade)
    const equity = withoutVariant ? [] : yield* readReportRows(manifests.equity, ExperimentEquity, ReportEquityPoint)
    const diagnostics = withoutVariant ? [] : yield* readReportRows(manifests.diagnostics, ExperimentDiagnostics, ReportDiagnostic)
    const metricsRows = withoutVariant ? [undefined] : yield* readReportRows(manifests.metrics, ExperimentMetrics, ReportMetrics)
    if (metricsRows.length !== 1) {
      return yield* new ReportDataError({
        artifactId: manifests.metrics.artifactId,
        type: manifests.metrics.type,
        detail: `expected one metrics row, found ${metricsRows.length}`
      })
    }
    const markToMarket = withoutVariant || metricsRows[0] === undefined
      ? []
      : yield* loadMarkToMarket({
        trades: manifests.trades,
        equity: manifests.equity,
        ohlcv: record.inputs.ohlcv ?? [],
        initialCapital: metricsRows[0].initial_capital,
        realised: equity
      })
    const outputNames = Object.keys(manifests)
    const outputs: Record<string, string> = {}
    for (const name of outputNames) outputs[name] = manifests[name].artifactId
    const lineage = yield* mergedLineage(outputNames.map((name) => manifests[name].artifactId))
    const provenance = (manifests.metrics ?? manifests[SWEEP_OUTPUT]).provenance
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
      ...(markToMarket === undefined ? {} : { markToMarket }),
      diagnostics,
      lineage,
      ...(sweep === undefined ? {} : { sweep }),
      ...(walkForward === undefined ? {} : { walkForward }),
      ...(trials === undefined ? {} : { trials })
    }
    return { input, runId: run.run.runId }
  })

export interface BuildReportOptions {
  /** Another experiment (id or unique prefix) whose curves and metrics the page shows beside. */
  readonly compare?: string
}

/** What `--compare` adds to a report input: the other experiment's latest completed run. */
export const loadComparison = (experimentIdOrPrefix: string) =>
  Effect.map(loadReportInput(experimentIdOrPrefix), ({ input, runId }): ReportComparison => ({
    experimentId: input.experiment.experimentId,
    name: input.experiment.name,
    runId,
    metrics: input.metrics,
    equity: input.equity,
    ...(input.markToMarket === undefined ? {} : { markToMarket: input.markToMarket })
  }))

/**
 * The report page of an experiment's latest completed run, and which run that was; with
 * `compare`, the other experiment's latest completed run too.
 */
export const buildReport = (experimentIdOrPrefix: string, options: BuildReportOptions = {}) =>
  Effect.gen(function*() {
    const { input, runId } = yield* loadReportInput(experimentIdOrPrefix)
    const compare = options.compare === undefined ? undefined : yield* loadComparison(options.compare)
    return {
      experimentId: input.experiment.experimentId,
      runId,
      ...(compare === undefined ? {} : { compare: { experimentId: compare.experimentId, runId: compare.runId } }),
      html: renderReport(compare === undefined ? input : { ...input, compare })
    }
  })
