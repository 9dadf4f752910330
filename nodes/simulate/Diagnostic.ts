/**
 * Why an alert produced no trade (docs/DESIGN.md §7: "skips are diagnostics, never silent").
 * Rows of the `experiment_diagnostics` artifact, sorted by (alert_id, code, message).
 */
import type { ContractRow } from "../contracts/Contract.js"
import type { DIAGNOSTIC_CODES, DIAGNOSTIC_LEVELS, ExperimentDiagnostics } from "../contracts/ExperimentOutputs.js"
import { compareStrings } from "./internal/order.js"

/** The codes are listed and explained with the `experiment_diagnostics` contract. */
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number]

export type DiagnosticLevel = (typeof DIAGNOSTIC_LEVELS)[number]

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
export type DiagnosticRow = ContractRow<typeof ExperimentDiagnostics>

export const makeDiagnostic = (alert_id: string, code: DiagnosticCode, message: string): DiagnosticRow => ({
  alert_id,
  level: diagnosticLevel[code],
  code,
  message
})

/** Total order of diagnostics: alert_id, code, then message (code point order, locale-free). */
export const compareDiagnostics = (a: DiagnosticRow, b: DiagnosticRow): number =>
  compareStrings(a.alert_id, b.alert_id) || compareStrings(a.code, b.code) || compareStrings(a.message, b.message)
