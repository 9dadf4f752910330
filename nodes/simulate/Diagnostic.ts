/**
 * Why an alert produced no trade (DESIGN.md §7: "skips are diagnostics, never silent").
 * Rows of the `experiment_diagnostics` artifact, sorted by (alert_id, code, message).
 */
import { compareStrings } from "./internal/order.js"

/**
 * - `no_candles`: there is no candle series for the alert's (chain, mint).
 * - `out_of_range`: the alert is outside the experiment's date range [from, to).
 * - `duplicate_alert_id`: another alert with the same id was kept (the first in (alert_ts, chain, mint, caller) order).
 * - `no_candle_after_alert`: no candle opens at or after alert_ts + (delay + jitter) × interval.
 * - `position_limit`: `sizing.maxOpenPositions` positions were open when this trade would have entered.
 */
export type DiagnosticCode =
  | "no_candles"
  | "out_of_range"
  | "duplicate_alert_id"
  | "no_candle_after_alert"
  | "position_limit"
  /** Written by publish from validate's coverage, not by the simulation: few candles after the alert. */
  | "sparse_coverage"

export type DiagnosticLevel = "info" | "warning" | "error"

/** Level of each code: an alert outside the date range is expected (info); other skips are warnings. */
export const diagnosticLevel: { readonly [C in DiagnosticCode]: DiagnosticLevel } = {
  no_candles: "warning",
  out_of_range: "info",
  duplicate_alert_id: "warning",
  no_candle_after_alert: "warning",
  position_limit: "warning",
  sparse_coverage: "info"
}

/** One row of `experiment_diagnostics`. */
export interface DiagnosticRow {
  /** The alert concerned. VARCHAR not null. */
  readonly alert_id: string
  /** `info` | `warning` | `error`. VARCHAR not null. */
  readonly level: DiagnosticLevel
  /** A {@link DiagnosticCode}. VARCHAR not null. */
  readonly code: DiagnosticCode
  /** Human-readable detail (chain, mint, times in ISO-8601 UTC). VARCHAR not null. */
  readonly message: string
}

export const makeDiagnostic = (alert_id: string, code: DiagnosticCode, message: string): DiagnosticRow => ({
  alert_id,
  level: diagnosticLevel[code],
  code,
  message
})

/** Total order of diagnostics: alert_id, code, then message (code point order, locale-free). */
export const compareDiagnostics = (a: DiagnosticRow, b: DiagnosticRow): number =>
  compareStrings(a.alert_id, b.alert_id) || compareStrings(a.code, b.code) || compareStrings(a.message, b.message)
