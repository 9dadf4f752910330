/**
 * The report's "Deflated Sharpe" section of a sweep: the best variants' probability that their
 * Sharpe beats chance, deflated once by the sweep's own number of trials (the leaderboard's `dsr`,
 * part of the artifact) and once by every trial under the experiment's name in the store (the
 * trial ledger, nodes/trials: computed when the report is written, so it moves as more is run
 * under that name).
 */
import type { SweepTrials } from "../trials/index.js"
import { escapeHtml, formatFixed, formatInt, NO_VALUE } from "./Format.js"

const num = (x: number | null, decimals: number): string =>
  `<td class="num">${escapeHtml(x === null ? NO_VALUE : formatFixed(x, decimals))}</td>`

/** The section's HTML; empty when there is nothing to show. */
export const trialsSection = (trials: SweepTrials | undefined): string => {
  if (trials === undefined || trials.rows.length === 0) return ""
  const sweepN = trials.sweep.trials === null ? NO_VALUE : formatInt(trials.sweep.trials)
  const note = `DSR = Φ((SR − SR0)·√(T−1) / √(1 − skew·SR + (kurtosis−1)/4·SR²)), SR0 the expected best Sharpe of N ` +
    `unskilled trials. With the sweep's N = ${sweepN} (SR0 ${
      trials.sweep.sr0 === null ? NO_VALUE : formatFixed(trials.sweep.sr0, 4)
    }); with the ledger's N = ${formatInt(trials.ledger.trials)} (SR0 ${
      trials.ledger.sr0 === null ? NO_VALUE : formatFixed(trials.ledger.sr0, 4)
    }): every strategy evaluated under the name "${trials.name}" in this store, in ${formatInt(trials.ledger.experiments)} experiment${
      trials.ledger.experiments === 1 ? "" : "s"
    } (pipeline trials ${trials.name}), as of when this report was written.`
  const head = ["variant", trials.rank, "Sharpe", "PSR vs 0", `DSR (sweep N = ${sweepN})`, `DSR (ledger N = ${formatInt(trials.ledger.trials)})`]
    .map((h, i) => `<th${i === 0 ? "" : ` class="num"`}>${escapeHtml(h)}</th>`).join("")
  const body = trials.rows.map((row) =>
    `<tr><td>${escapeHtml(row.variantId)}</td>${num(row.rankValue, 4)}${num(row.sharpe, 4)}${num(row.psr0, 4)}${
      num(row.sweepDsr, 4)
    }${num(row.ledgerDsr, 4)}</tr>`
  ).join("")
  return `<section><h2>Deflated Sharpe: the best ${trials.rows.length} by ${escapeHtml(trials.rank)}</h2><p class="note">${
    escapeHtml(note)
  }</p><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></section>`
}
