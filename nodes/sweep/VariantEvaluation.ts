/**
 * One variant's result, computed exactly as a single experiment computes it: the simulation
 * (DESIGN.md §7) over the projection's series, then the equity curve and the metrics row that the
 * publish node would write. Pure and synchronous: runs in a worker thread or inline.
 */
import { computeMetrics, equityCurve, type MetricsRow } from "../metrics/index.js"
import type { MintSeries, Seed, SimAlert, Strategy } from "../simulate/index.js"
import { runSimulationSync } from "../simulate/index.js"

/** What every variant of a sweep shares. */
export interface SweepContext {
  readonly alerts: ReadonlyArray<SimAlert>
  readonly series: ReadonlyArray<MintSeries>
  readonly seed: Seed
  /** Epoch ms; alerts are in range when from ≤ alert_ts < to. */
  readonly dateRange: { readonly from: number; readonly to: number }
  readonly bootstrapResamples: number
}

/** The metrics row of `strategy` on the sweep's inputs. */
export const evaluateVariant = (context: SweepContext, strategy: Strategy): MetricsRow => {
  const { trades } = runSimulationSync(
    { alerts: context.alerts, strategy, seed: context.seed, dateRange: context.dateRange },
    context.series
  )
  const initialCapital = strategy.sizing.initialCapital
  const equity = equityCurve(trades, initialCapital)
  return computeMetrics(trades, equity, {
    seed: context.seed,
    initialCapital,
    bootstrapResamples: context.bootstrapResamples
  })
}
