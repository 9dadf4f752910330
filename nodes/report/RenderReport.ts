/**
 * The experiment report as one self-contained HTML page: inline CSS, inline SVG, no external
 * reference, so it opens offline and can be mailed or archived as a single file. A sweep's page
 * adds its leaderboard, heatmap and Sharpe distribution before the best variant's sections, and a
 * few lines of inline script that sort the leaderboard (the page reads the same without it); any
 * other page has no script and is unchanged by sweeps.
 *
 * `renderReport` is pure: the same input gives the same bytes. It prints no generation time, only
 * things the experiment's outputs determine; numbers go through fixed-decimal formatters and every
 * list is sorted by a total order.
 */
import { escapeHtml, formatPercent } from "./Format.js"
import { CHART_CSS, type EquityCurve, equityChart, returnsHistogram } from "./internal/charts.js"
import {
  callersSection,
  comparisonSection,
  definitionSection,
  diagnosticsSection,
  exitReasonsSection,
  headerSection,
  lineageSection,
  metricsSection,
  tradesSection
} from "./internal/sections.js"
import { maxDrawdownOf } from "./MarkToMarket.js"
import {
  bestVariantSection,
  heatmapSection,
  leaderboardSection,
  sharpeSection,
  SORT_SCRIPT,
  SWEEP_CSS,
  sweepOverview
} from "./internal/sweepSections.js"
import type { ReportInput } from "./ReportData.js"
import { walkForwardSection } from "./WalkForwardSection.js"
import { trialsSection } from "./TrialsSection.js"

export { MAX_PLOT_POINTS } from "./internal/charts.js"
export { type EquityCurve, equityChart } from "./internal/charts.js"
export { type TimeTickLabel, timeTickLabels, timeTicks } from "./internal/axes.js"
export {
  bestAndWorst,
  callerStats,
  type CallerStats,
  type DiagnosticSummary,
  diagnosticSummary,
  type ExitReasonStats,
  exitReasonStats,
  MAX_CALLERS,
  syntheticNote,
  TRADES_SHOWN
} from "./internal/sections.js"
export {
  aggregationName,
  type HeatmapAxis,
  type HeatmapCell,
  type HeatmapGrid,
  heatmapAxis,
  heatmapGrid,
  heatmapPairs,
  heatmapSvg,
  MAX_AXIS_VALUES,
  MAX_CATEGORIES,
  MAX_HEATMAP_PARAMETERS
} from "./internal/heatmap.js"
export { compareRows, rankDirection, rankMetricOf, rankRows } from "./internal/rankMetric.js"
export { leaderboardRows, MAX_LEADERBOARD_ROWS } from "./internal/sweepSections.js"

const PAGE_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: #1f2933;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 10px; word-break: break-word; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #e3e6ea; }
section { margin: 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
.facts dt { color: #6b7682; }
.facts dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; word-break: break-all; }
.cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; margin: 0 0 14px; }
.card { border: 1px solid #e3e6ea; border-radius: 6px; padding: 8px 10px; }
.card-label { color: #6b7682; font-size: 12px; }
.card-value { font-size: 19px; font-weight: 600; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; margin: 0 0 8px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef0f2; vertical-align: top; }
th { font-size: 12px; color: #6b7682; font-weight: 600; border-bottom: 1px solid #d0d5da; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pos { color: #1a7f37; }
.neg { color: #cf222e; }
.muted { color: #6b7682; }
.note { color: #6b7682; margin: 4px 0 8px; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.small { font-size: 11.5px; }
.nowrap { white-space: nowrap; }
.clip { max-width: 220px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.metrics { width: auto; min-width: 60%; }
table.trades { font-size: 12.5px; }
table.trades th, table.trades td { padding: 4px 6px; }
table.trades .clip { max-width: 150px; }
table.exits td.barcell { width: 34%; white-space: nowrap; }
.bar { display: inline-block; height: 10px; background: #1f6feb; border-radius: 2px; margin-right: 8px; vertical-align: middle; max-width: 70%; }
table.exits td.barcell span { font-variant-numeric: tabular-nums; color: #4a5561; }
.level-error { color: #cf222e; }
.level-warning { color: #9a6700; }
.tree, .tree ul { list-style: none; margin: 0; padding-left: 18px; }
.tree { padding-left: 0; margin-bottom: 12px; }
.tree li { position: relative; padding: 1px 0; }
.tree ul li::before { content: "├ "; color: #8a929b; }
.tree ul li:last-child::before { content: "└ "; }
.tree .output { font-weight: 600; }
.tree .type { color: #0550ae; }
details.definition { margin: 12px 0 0; }
details.definition pre { background: #f6f8fa; border: 1px solid #e3e6ea; border-radius: 6px; padding: 10px; overflow-x: auto; font-size: 12px; }
footer { margin-top: 32px; color: #8a929b; font-size: 12px; }
@media print { body { background: #fff; } main { padding: 0; } }
${CHART_CSS}`

/**
 * A section of the page: a pure function of the report input giving its HTML (an empty string
 * leaves it out). The page is these lists in order; a new section is one more entry.
 */
export type ReportSection = (input: ReportInput) => string

/** The equity curves drawn: mark-to-market and realised, the compared experiment's after. */
export const equityCurves = (input: ReportInput): Array<EquityCurve> => {
  const compare = input.compare
  const prefix = (who: "A" | "B") => (compare === undefined ? "" : `${who}: `)
  const curves: Array<EquityCurve> = []
  const add = (
    who: "A" | "B",
    markToMarket: ReportInput["markToMarket"],
    realised: ReportInput["equity"]
  ) => {
    const experiment = who === "A" ? 0 : 1
    if (markToMarket !== undefined) {
      curves.push({ label: `${prefix(who)}mark-to-market`, experiment, kind: "mark-to-market", points: markToMarket })
    }
    curves.push({ label: `${prefix(who)}realised (fills only)`, experiment, kind: "realised", points: realised })
  }
  add("A", input.markToMarket, input.equity)
  if (compare !== undefined) add("B", compare.markToMarket, compare.equity)
  return curves
}

/** Max drawdown of each curve, in one line under the chart, and what mark-to-market means. */
const drawdownNote = (curves: ReadonlyArray<EquityCurve>): string => {
  const drawn = curves.filter((c) => c.points.length > 0)
  const definition = drawn.some((c) => c.kind === "mark-to-market")
    ? " Mark-to-market: realised equity plus each open position's remaining quantity × its mint's candle close, minus its remaining cost (no exit fee or slippage charged before a sale)."
    : ""
  return `<p class="note">Max drawdown: ${
    drawn.map((c) => `${escapeHtml(c.label)} ${formatPercent(maxDrawdownOf(c.points), 2)}`).join(" · ")
  }.${definition}</p>`
}

export const equitySection: ReportSection = (input) => {
  const curves = equityCurves(input)
  const missing = input.markToMarket === undefined && input.equity.length > 0
    ? `<p class="note">No mark-to-market curve: the run's fills or input candles could not be found; the realised curve is shown alone.</p>`
    : ""
  const note = curves.some((c) => c.points.length > 0) ? drawdownNote(curves) : ""
  return `<section><h2>Equity curve and drawdown</h2>${equityChart(curves, input.metrics?.initial_capital)}${note}${missing}</section>`
}

/** The single experiment's sections (a sweep's best variant's, under their own heading). */
export const EXPERIMENT_SECTIONS: ReadonlyArray<ReportSection> = [
  (input) => metricsSection(input.metrics),
  comparisonSection,
  equitySection,
  (input) => `<section><h2>Distribution of trade returns</h2>${returnsHistogram(input.trades.map((t) => t.return))}</section>`,
  (input) => callersSection(input.trades),
  (input) => exitReasonsSection(input.trades),
  (input) => tradesSection(input.trades),
  (input) => diagnosticsSection(input.diagnostics)
]

/** A sweep's own sections, before its best variant's `EXPERIMENT_SECTIONS`. */
export const SWEEP_SECTIONS: ReadonlyArray<ReportSection> = [
  (input) => (input.sweep === undefined ? "" : sweepOverview(input.sweep)),
  (input) => (input.sweep === undefined ? "" : leaderboardSection(input.sweep)),
  (input) => (input.sweep === undefined ? "" : heatmapSection(input.sweep)),
  (input) => (input.sweep === undefined ? "" : sharpeSection(input.sweep)),
  (input) => trialsSection(input.trials),
  (input) => walkForwardSection(input.walkForward, input),
  (input) => (input.sweep === undefined ? "" : bestVariantSection(input.sweep))
]

const render = (sections: ReadonlyArray<ReportSection>, input: ReportInput): Array<string> =>
  sections.map((section) => section(input)).filter((html) => html !== "")

const bodySections = (input: ReportInput): Array<string> =>
  input.sweep === undefined
    ? render(EXPERIMENT_SECTIONS, input)
    : [...render(SWEEP_SECTIONS, input), ...(input.sweep.best === undefined ? [] : render(EXPERIMENT_SECTIONS, input))]

/** The report page for one experiment's outputs. */
export const renderReport = (input: ReportInput): string => {
  const sweep = input.sweep
  const body = [
    headerSection(input),
    definitionSection(input),
    ...bodySections(input),
    lineageSection(input),
    `<footer>pipeline report · ${escapeHtml(input.experiment.experimentId)} · all times UTC</footer>`
  ].join("\n")
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${input.experiment.name} · ${input.experiment.experimentId}`)}</title>
<style>${PAGE_CSS}${sweep === undefined ? "" : SWEEP_CSS}</style>
</head>
<body>
<main>
${body}
</main>${sweep === undefined ? "" : `\n<script>${SORT_SCRIPT}</script>`}
</body>
</html>
`
}
