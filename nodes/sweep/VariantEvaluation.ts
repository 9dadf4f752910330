/**
 * One variant's result, computed exactly as a single experiment computes it: the simulation
 * (docs/DESIGN.md §7) over the projection's series, then the equity curve and the metrics row that the
 * publish node would write, plus the skew and kurtosis of the trades' returns (what the
 * leaderboard's Deflated Sharpe needs from each variant, so no trade is kept past this function).
 * Pure and synchronous: runs in a worker thread or inline.
 */
import { type BootstrapIndexCache, computeMetrics, equitySummary, type MetricsRow } from "../metrics/index.js"
import type { MintSeries, Seed, SimAlert, Strategy } from "../simulate/index.js"
import { runSimulationSync } from "../simulate/index.js"
import { dailyNetPnl, type DailyPnl, returnMoments, type TimeWindow, type WindowStats, windowStats } from "../stats/index.js"

/** What every variant of a sweep shares. */
export interface SweepContext {
  readonly alerts: ReadonlyArray<SimAlert>
  readonly series: ReadonlyArray<MintSeries>
  readonly seed: Seed
  /** Epoch ms; alerts are in range when from ≤ alert_ts < to. */
  readonly dateRange: { readonly from: number; readonly to: number }
  readonly bootstrapResamples: number
  /** Walk-forward windows (by alert_ts), when the sweep declares a walk-forward. */
  readonly windows?: ReadonlyArray<TimeWindow> | undefined
  /** The bootstrap's draws kept across variants (they depend only on the trade count); recomputed per variant without. */
  readonly bootstrapIndexCache?: BootstrapIndexCache | undefined
}

/** A variant's result: its metrics row and the population skew and kurtosis of its trades' returns. */
export type VariantRow = MetricsRow & {
  readonly return_skew: number | null
  readonly return_kurtosis: number | null
}

/**
 * Everything a sweep keeps of one variant: its row, its net pnl per UTC day of exit (the
 * overfitting matrix's column) and, with a walk-forward, its statistics per window.
 */
export interface VariantOutcome {
  readonly row: VariantRow
  readonly daily: DailyPnl
  readonly windows: ReadonlyArray<WindowStats> | undefined
}

/** The outcome of `strategy` on the sweep's inputs (every reduction over the trades in the simulation's order). */
export const evaluateVariant = (context: SweepContext, strategy: Strategy): VariantOutcome => {
  const { trades } = runSimulationSync(
    { alerts: context.alerts, strategy, seed: context.seed, dateRange: context.dateRange },
    context.series
  )
  const initialCapital = strategy.sizing.initialCapital
  // The curve's drawdown and final equity are all the row needs: its rows are never built.
  const metrics = computeMetrics(trades, equitySummary(trades, initialCapital), {
    seed: context.seed,
    initialCapital,
    bootstrapResamples: context.bootstrapResamples,
    bootstrapIndexCache: context.bootstrapIndexCache
  })
  const returns = new Float64Array(trades.length)
  for (let i = 0; i < trades.length; i++) returns[i] = trades[i]!.return
  const moments = returnMoments(returns)
  return {
    row: { ...metrics, return_skew: moments.skew, return_kurtosis: moments.kurtosis },
    daily: dailyNetPnl(trades),
    windows: context.windows === undefined ? undefined : windowStats(trades, context.windows)
  }
}
