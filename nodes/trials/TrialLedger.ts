/**
 * The trial ledger of an experiment name: every strategy ever evaluated under that `name` in a
 * store, so the Deflated Sharpe can count every attempt, not only the latest sweep's.
 *
 * Nothing new is written: the ledger is derived, when read, from what the store already records —
 * the tracker's experiments with that name and their completed runs, and for each run either its
 * `experiment_sweep` leaderboard (one trial per variant) or, for a single experiment, its metrics
 * and trades (one trial). A trial is identified by what was evaluated (the strategy after defaults,
 * date range, seed and inputs), so a variant shared by two sweeps under the same name (a grid that
 * grew) counts once, at the first completed run that recorded it. Its DSR with the ledger's N
 * (`dsr`) is computed here and never written anywhere; the sweep's own (`sweepDsr`, with the
 * sweep's N) is the leaderboard's column.
 */
import { Effect, Schema } from "effect"
import {
  ArtifactCatalog,
  canonicalDigest,
  compareStrings,
  type ExperimentRecord,
  ExperimentTracker,
  type RunView
} from "../../store/index.js"
import { parquetColumns } from "../contracts/ArtifactColumns.js"
import { type ColumnDef, defineContract, ExperimentMetrics, ExperimentSweep, ExperimentTrades } from "../contracts/index.js"
import { readRows } from "../parquet/index.js"
import { workspaceConnection } from "../duckdb/index.js"
import { decodeDefinition, isSweep } from "../experiment/Definition.js"
import { Strategy } from "../simulate/index.js"
import { probabilisticSharpe, returnMoments, type SharpeBenchmark, sharpeBenchmark } from "../stats/index.js"
import { strategyAsWritten } from "../sweep/ExecuteSweep.js"
import type { RankMetric } from "../sweep/SweepSpec.js"
import { expandSweep } from "../sweep/Variants.js"

export interface Trial {
  readonly experimentId: string
  /** The sweep variant; null for a single experiment. */
  readonly variantId: string | null
  /** What was evaluated (digest of strategy after defaults, date range, seed, inputs). */
  readonly identity: string
  /** When the first completed run that recorded it started (ISO). */
  readonly evaluatedAt: string
  readonly rank: RankMetric
  readonly rankValue: number | null
  readonly sharpe: number | null
  readonly trades: number
  readonly skew: number | null
  readonly kurtosis: number | null
  /** The leaderboard's dsr (the sweep's N); null for a single experiment. */
  readonly sweepDsr: number | null
  /** The sweep's N (leaderboard `trials`); null for a single experiment. */
  readonly sweepTrials: number | null
  /** DSR against the ledger's SR0 (all trials of the name); computed when read. */
  readonly dsr: number | null
}

export interface TrialLedger {
  readonly name: string
  /** Experiments with this name that have a completed run. */
  readonly experiments: ReadonlyArray<string>
  /** In the order they were first evaluated (then experiment id, variant id). */
  readonly trials: ReadonlyArray<Trial>
  /** N, V and SR0 over every trial with a defined Sharpe. */
  readonly benchmark: SharpeBenchmark
}


const numberOrNull = (value: unknown): number | null => (typeof value === "number" ? value : null)

/** The leaderboard columns the ledger reads, when the file has them (older ones lack the moments). */
const LEDGER_COLUMNS = new Set(["variant_id", "sharpe", "trades", "return_skew", "return_kurtosis", "dsr", "trials"])

/**
 * The ledger's columns of a leaderboard file (plus `extra` ones), those it has: a leaderboard
 * written before the Deflated Sharpe columns lacks the moments, and its trials then have none.
 */
export const readLedgerColumns = (path: string, rank: RankMetric, extra: ReadonlyArray<string> = []) =>
  Effect.gen(function*() {
    const present = new Set(
      (yield* Effect.scoped(Effect.flatMap(workspaceConnection, (connection) => parquetColumns(connection, path))))
        .map((column) => column.name)
    )
    const columns = ExperimentSweep.columns.filter((column: ColumnDef) =>
      present.has(column.name) && (LEDGER_COLUMNS.has(column.name) || column.name === rank || extra.includes(column.name))
    )
    const contract = defineContract({
      type: ExperimentSweep.type,
      schemaVersion: ExperimentSweep.schemaVersion,
      description: ExperimentSweep.description,
      columns,
      sortKeys: ["variant_id"],
      uniqueKeys: [["variant_id"]]
    })
    return yield* readRows(contract, path)
  })

interface Candidate extends Omit<Trial, "dsr"> {}

/** The trials one experiment's completed runs recorded, before de-duplication. */
const trialsOf = (record: ExperimentRecord, runs: ReadonlyArray<RunView>) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const definition = yield* decodeDefinition(record.definition, record.experimentId)
    // The frozen input ids say what was read; a synthetic market without recorded ids, its config.
    const frozen = Object.values(record.inputs).some((ids) => ids.length > 0)
    const context = { dateRange: definition.dateRange, seed: definition.seed, inputs: frozen ? record.inputs : definition.inputs }
    const out: Array<Candidate> = []
    const completed = runs.filter((view) => view.effectiveStatus === "completed")
    if (completed.length === 0) return out
    // Every completed run of one experiment evaluated the same thing: the first one says when.
    const first = completed[0]!.run
    const evaluatedAt = first.startedAt ?? first.createdAt
    const latest = completed[completed.length - 1]!.run
    if (isSweep(definition)) {
      const leaderboard = latest.outputs.leaderboard
      if (leaderboard === undefined) return out
      const rank = definition.sweep.rank
      const { variants } = yield* expandSweep(strategyAsWritten(record.definition), definition.sweep)
      const identities = new Map<string, string>()
      for (const variant of variants) {
        const strategy = yield* Schema.encode(Strategy)(variant.strategy)
        identities.set(variant.variantId, yield* canonicalDigest({ strategy, ...context }))
      }
      const rows = yield* readLedgerColumns(yield* catalog.dataPath(leaderboard.artifactId), rank)
      for (const row of rows) {
        const variantId = String(row.variant_id)
        out.push({
          experimentId: record.experimentId,
          variantId,
          identity: identities.get(variantId) ?? `${record.experimentId}/${variantId}`,
          evaluatedAt,
          rank,
          rankValue: numberOrNull(row[rank]),
          sharpe: numberOrNull(row.sharpe),
          trades: numberOrNull(row.trades) ?? 0,
          skew: numberOrNull(row.return_skew),
          kurtosis: numberOrNull(row.return_kurtosis),
          sweepDsr: numberOrNull(row.dsr),
          sweepTrials: numberOrNull(row.trials)
        })
      }
      return out
    }
    const metricsRef = latest.outputs.metrics
    const tradesRef = latest.outputs.trades
    if (metricsRef === undefined || tradesRef === undefined) return out
    const [metrics] = yield* readRows(ExperimentMetrics, yield* catalog.dataPath(metricsRef.artifactId))
    const trades = yield* readRows(ExperimentTrades, yield* catalog.dataPath(tradesRef.artifactId))
    const moments = returnMoments(Float64Array.from(trades, (trade) => trade.return))
    const strategy = yield* Schema.encode(Strategy)(definition.strategy)
    out.push({
      experimentId: record.experimentId,
      variantId: null,
      identity: yield* canonicalDigest({ strategy, ...context }),
      evaluatedAt,
      rank: "sharpe",
      rankValue: metrics?.sharpe ?? null,
      sharpe: metrics?.sharpe ?? null,
      trades: trades.length,
      skew: moments.skew,
      kurtosis: moments.kurtosis,
      sweepDsr: null,
      sweepTrials: null
    })
    return out
  })

/** The ledger of `name`: every trial of every completed run of experiments so named. */
export const trialLedger = (name: string) =>
  Effect.gen(function*() {
    const tracker = yield* ExperimentTracker
    const summaries = yield* tracker.list({ name })
    const candidates: Array<Candidate> = []
    const experiments: Array<string> = []
    for (const summary of [...summaries].sort((a, b) => compareStrings(a.experiment.experimentId, b.experiment.experimentId))) {
      const detail = yield* tracker.get(summary.experiment.experimentId)
      const found = yield* trialsOf(detail.experiment, detail.runs)
      if (found.length > 0) experiments.push(detail.experiment.experimentId)
      candidates.push(...found)
    }
    candidates.sort((a, b) =>
      compareStrings(a.evaluatedAt, b.evaluatedAt) || compareStrings(a.experimentId, b.experimentId) ||
      compareStrings(a.variantId ?? "", b.variantId ?? "")
    )
    const seen = new Set<string>()
    const unique = candidates.filter((trial) => (seen.has(trial.identity) ? false : (seen.add(trial.identity), true)))
    const benchmark = sharpeBenchmark(unique.map((trial) => trial.sharpe))
    const trials: Array<Trial> = unique.map((trial) => ({
      ...trial,
      dsr: probabilisticSharpe(
        { sharpe: trial.sharpe, trades: trial.trades, skew: trial.skew, kurtosis: trial.kurtosis },
        benchmark.sr0
      )
    }))
    return { name, experiments, trials, benchmark } satisfies TrialLedger
  })
