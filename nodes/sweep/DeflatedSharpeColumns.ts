/**
 * The leaderboard's Deflated Sharpe columns (`psr0`, `dsr`, `sr0`, `trials`), computed from every
 * variant's row once all of them are known: SR0 needs the Sharpes of the whole sweep. Rows are
 * taken in the order given (the leaderboard's variant id order), so the bytes never depend on how
 * the variants were evaluated.
 */
import { deflatedSharpe } from "../stats/index.js"
import type { VariantRow } from "./VariantEvaluation.js"

export interface DeflatedSharpeColumns {
  readonly psr0: number | null
  readonly dsr: number | null
  readonly sr0: number | null
  readonly trials: number
}

/** One set of columns per row, in the order given. */
export const deflatedSharpeColumns = (rows: ReadonlyArray<VariantRow>): ReadonlyArray<DeflatedSharpeColumns> => {
  const result = deflatedSharpe(rows.map((row) => ({
    sharpe: row.sharpe,
    trades: row.trades,
    skew: row.return_skew,
    kurtosis: row.return_kurtosis
  })))
  return result.rows.map((row) => ({ psr0: row.psr0, dsr: row.dsr, sr0: result.sr0, trials: result.trials }))
}
