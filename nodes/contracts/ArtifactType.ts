/**
 * The registry of artifact types: type name → contract. Experiment output types
 * (experiment_trades, experiment_metrics, experiment_equity, experiment_diagnostics) join it by
 * adding their `defineContract(…)` value here.
 */
import { Option } from "effect"
import { compareStrings } from "../../store/index.js"
import { AlertsV1 } from "./AlertsV1.js"
import type { AnyContract, ContractDescription } from "./Contract.js"
import {
  ExperimentCoverage,
  ExperimentDiagnostics,
  ExperimentEquity,
  ExperimentFills,
  ExperimentMetrics,
  ExperimentTrades
} from "./ExperimentOutputs.js"
import { OhlcvSliceV2 } from "./OhlcvSliceV2.js"
import { ExperimentSweep, ExperimentSweepBatch } from "./SweepOutputs.js"
import { ExperimentOverfitting, ExperimentSweepDaily, ExperimentSweepWindows, ExperimentWalkForward } from "./SweepStatsOutputs.js"

export const ArtifactType = {
  alerts_v1: AlertsV1,
  ohlcv_slice_v2: OhlcvSliceV2,
  experiment_trades: ExperimentTrades,
  experiment_fills: ExperimentFills,
  experiment_metrics: ExperimentMetrics,
  experiment_equity: ExperimentEquity,
  experiment_diagnostics: ExperimentDiagnostics,
  experiment_coverage: ExperimentCoverage,
  experiment_sweep: ExperimentSweep,
  experiment_sweep_batch: ExperimentSweepBatch,
  experiment_sweep_daily: ExperimentSweepDaily,
  experiment_sweep_windows: ExperimentSweepWindows,
  experiment_overfitting: ExperimentOverfitting,
  experiment_walk_forward: ExperimentWalkForward
} as const satisfies Record<string, AnyContract>

export type ArtifactTypeName = keyof typeof ArtifactType

const byName: ReadonlyMap<string, AnyContract> = new Map(
  Object.values(ArtifactType).map((contract): [string, AnyContract] => [contract.type, contract])
)

/** Registry keys must equal the contracts' own type names. */
for (const [key, contract] of Object.entries(ArtifactType)) {
  if (key !== contract.type) throw new Error(`ArtifactType key ${key} holds contract ${contract.type}`)
}


export const findArtifactType = (type: string): Option.Option<AnyContract> => Option.fromNullable(byName.get(type))

/** Every registered type, sorted by name. */
export const listArtifactTypes = (): ReadonlyArray<ContractDescription> =>
  [...byName.values()].map((contract) => contract.describe()).sort((a, b) => compareStrings(a.type, b.type))
