/**
 * The sections a sweep experiment's report adds: the leaderboard (ranked, sortable by any column
 * with a few lines of inline script; in rank order without it), the heatmap of the rank metric
 * over pairs of swept parameters, the distribution of Sharpe across variants, and the heading of
 * the best variant's own sections. Every value from the data is escaped.
 */
import { escapeHtml, formatFixed, formatInt, formatPercent, NO_VALUE, shortId } from "../Format.js"
import type { ReportMetrics, ReportParameterValue, ReportSweep, ReportSweepRow } from "../ReportData.js"
import { valueHistogram } from "./charts.js"
import { aggregationName, HEATMAP_CSS, heatmapGrid, heatmapPairs, heatmapSvg, MAX_AXIS_VALUES, parameterLabel } from "./heatmap.js"
import { byVariantId, formatRankValue, type RankMetric, rankDirection, rankRows } from "./rankMetric.js"

/** The leaderboard table shows at most this many variants (the best by rank). */
export const MAX_LEADERBOARD_ROWS = 1000

const directionText = (rank: RankMetric): string => rankDirection(rank) === "asc" ? "lower is better" : "higher is better"

/** CSS for the sweep sections (only on sweep pages, so other reports keep their bytes). */
export const SWEEP_CSS = `
.scroll { overflow-x: auto; max-height: 640px; overflow-y: auto; border: 1px solid #eef0f2; margin: 0 0 8px; }
table.leaderboard { font-size: 12.5px; margin: 0; }
table.leaderboard th, table.leaderboard td { padding: 3px 7px; }
table.leaderboard thead th { position: sticky; top: 0; background: #fff; cursor: pointer; user-select: none; }
table.leaderboard th[aria-sort="ascending"]::after { content: " ▲"; }
table.leaderboard th[aria-sort="descending"]::after { content: " ▼"; }
table.leaderboard tr.best td { background: #eef6ee; font-weight: 600; }
details.pair { margin: 6px 0; }
details.pair summary { cursor: pointer; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
h2.best-variant { border-bottom: 2px solid #1a7f37; }
h2.best-variant .params { font-weight: 400; font-size: 13px; color: #4a5561; }
svg.chart .marker { stroke: #1a7f37; stroke-width: 1.6; stroke-dasharray: 2 2; }
${HEATMAP_CSS}`

/**
 * Sorts `table.sortable` by the clicked column: numbers by value, text by code units, empty
 * values (`data-v=""`) last in either direction, ties in rank order (`data-r`). Static text: no
 * data from the experiment enters it.
 */
export const SORT_SCRIPT = `
(function () {
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      th.tabIndex = 0;
      var sort = function () {
        var now = th.getAttribute("aria-sort");
        var asc = now === "descending" ? true : now === "ascending" ? false : th.getAttribute("data-first") === "asc";
        var num = th.classList.contains("num");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-v"), y = b.cells[column].getAttribute("data-v");
          var tie = a.getAttribute("data-r") - b.getAttribute("data-r");
          if (x === "" || y === "") return x === y ? tie : x === "" ? 1 : -1;
          var d = num ? x - y : x < y ? -1 : x > y ? 1 : 0;
          return (asc ? d : -d) || tie;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });
})();
`

// ---------------------------------------------------------------------------------------------
// Leaderboard

interface Column {
  readonly header: string
  readonly kind: "num" | "text"
  /** The direction of a first click. */
  readonly first: "asc" | "desc"
  /** The metric shown, when the column is one. */
  readonly metric?: keyof ReportMetrics
  /** The cell's sort value ("" for none) and its text. */
  readonly cell: (row: ReportSweepRow, position: number) => readonly [string, string]
}

const metricValue = (x: number | null): string => x === null ? "" : String(x)

const signedMoney = (x: number | null): string => {
  const text = formatFixed(x, 4)
  return x !== null && x > 0 && /[1-9]/.test(text) ? `+${text}` : text
}

const metricColumn = (
  header: string,
  metric: keyof ReportMetrics,
  format: (x: number | null) => string,
  first: "asc" | "desc"
): Column => ({
  header,
  kind: "num",
  first,
  metric,
  cell: (row) => [metricValue(row.metrics[metric]), format(row.metrics[metric])]
})

const ratio = (x: number | null) => formatFixed(x, 3)

/** The key metrics, and the rank metric when it is not one of them. */
const metricColumns = (rank: RankMetric): Array<Column> => {
  const columns: Array<Column> = [
    metricColumn("trades", "trades", formatInt, "desc"),
    metricColumn("win rate", "win_rate", (x) => formatPercent(x, 1), "desc"),
    metricColumn("total net pnl", "total_net_pnl", signedMoney, "desc"),
    metricColumn("sharpe", "sharpe", ratio, "desc"),
    {
      header: "sharpe 95% CI",
      kind: "num",
      first: "desc",
      cell: (row) => [
        metricValue(row.metrics.sharpe_ci_low),
        row.metrics.sharpe_ci_low === null || row.metrics.sharpe_ci_high === null
          ? NO_VALUE
          : `${ratio(row.metrics.sharpe_ci_low)} … ${ratio(row.metrics.sharpe_ci_high)}`
      ]
    },
    metricColumn("sortino", "sortino", ratio, "desc"),
    metricColumn("max drawdown", "max_drawdown", (x) => formatPercent(x, 2), "asc"),
    metricColumn("profit factor", "profit_factor", ratio, "desc")
  ]
  const shown = new Set(["trades", "win_rate", "total_net_pnl", "sharpe", "sortino", "max_drawdown", "profit_factor"])
  if (!shown.has(rank)) {
    columns.splice(0, 0, metricColumn(rank, rank, (x) => formatRankValue(rank, x), rankDirection(rank)))
  }
  return columns
}

const parameterSortValue = (value: ReportParameterValue): string => value === null ? "" : String(value)

const parameterColumns = (sweep: ReportSweep): Array<Column> =>
  sweep.parameters.map((parameter) => ({
    header: parameter.path,
    kind: parameter.duckdbType === "DOUBLE" ? "num" : "text",
    first: "asc",
    cell: (row) => {
      const value = row.parameters[parameter.path] ?? null
      return [parameterSortValue(value), value === null ? NO_VALUE : String(value)]
    }
  }))

/** The leaderboard's rows in rank order, and how many are left out of the table. */
export const leaderboardRows = (
  sweep: ReportSweep,
  cap = MAX_LEADERBOARD_ROWS
): { readonly shown: ReadonlyArray<ReportSweepRow>; readonly hidden: number } => {
  const ranked = rankRows(sweep.rows, sweep.rank)
  return { shown: ranked.slice(0, cap), hidden: Math.max(0, ranked.length - cap) }
}

export const leaderboardSection = (sweep: ReportSweep, cap = MAX_LEADERBOARD_ROWS): string => {
  const { hidden, shown } = leaderboardRows(sweep, cap)
  const columns: Array<Column> = [
    { header: "#", kind: "num", first: "asc", cell: (_, position) => [String(position), String(position)] },
    { header: "variant", kind: "text", first: "asc", cell: (row) => [row.variantId, row.variantId] },
    ...parameterColumns(sweep),
    ...metricColumns(sweep.rank)
  ]
  const rankHeader = columns.findIndex((column) => column.metric === sweep.rank)
  const head = columns
    .map((column, i) =>
      `<th${column.kind === "num" ? ` class="num"` : ""} data-first="${column.first}"${
        i === rankHeader ? ` aria-sort="${rankDirection(sweep.rank) === "asc" ? "ascending" : "descending"}"` : ""
      }>${escapeHtml(column.header)}</th>`
    )
    .join("")
  const body = shown
    .map((row, index) => {
      const position = index + 1
      const cells = columns
        .map((column) => {
          const [value, shownText] = column.cell(row, position)
          const cls = column.kind === "num" ? ` class="num"` : column.header === "variant" ? ` class="mono"` : ""
          return `<td${cls} data-v="${escapeHtml(value)}">${escapeHtml(shownText)}</td>`
        })
        .join("")
      return `<tr data-r="${position}"${row.variantId === sweep.best ? ` class="best"` : ""}>${cells}</tr>`
    })
    .join("")
  const total = sweep.rows.length
  const note = `${formatInt(total)} variant${total === 1 ? "" : "s"}, ranked by ${sweep.rank} (${
    directionText(sweep.rank)
  }; variants with no ${sweep.rank} last; ties by variant id). Click a column header to sort by it (needs JavaScript).`
  const hiddenNote = hidden === 0
    ? ""
    : `<p class="note">Showing the best ${formatInt(shown.length)}; ${formatInt(hidden)} more variant${
      hidden === 1 ? " is" : "s are"
    } hidden here and counted in the charts below. The leaderboard artifact <span class="mono">${
      escapeHtml(sweep.leaderboardId)
    }</span> holds every row.</p>`
  return `<section><h2>Sweep leaderboard</h2><p class="note">${escapeHtml(note)}</p>${hiddenNote}<div class="scroll"><table class="leaderboard sortable"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div></section>`
}

// ---------------------------------------------------------------------------------------------
// Heatmap

export const heatmapSection = (sweep: ReportSweep): string => {
  const { rank } = sweep
  const title = `<h2>Heatmap of ${escapeHtml(rank)} over two swept parameters</h2>`
  const { left, pairs } = heatmapPairs(sweep.rows, sweep.parameters)
  if (pairs.length === 0) {
    return `<section>${title}<p class="note">${
      escapeHtml(
        sweep.parameters.length < 2
          ? `Only ${sweep.parameters.length === 0 ? "no parameter is" : "one parameter is"} swept: a heatmap needs two. The leaderboard above shows ${rank} per value.`
          : "No two swept parameters can be drawn (too many distinct text values)."
      )
    }</p></section>`
  }
  const paths = sweep.parameters.map((parameter) => parameter.path)
  const aggregation = aggregationName(rank)
  const figures = pairs.map(([x, y], i) => {
    const grid = heatmapGrid(sweep.rows, rank, x, y, paths)
    const others = grid.others.length === 0
      ? "No other parameter is swept"
      : grid.others.length === 1
      ? `The other swept parameter (${grid.others[0]}) varies inside a cell`
      : `The other swept parameters (${grid.others.join(", ")}) vary inside a cell`
    const binned = [x, y].filter((axis) => axis.binned).map((axis) => axis.path)
    const caption = `Each cell: the ${aggregation} of ${rank} (${directionText(rank)}) over the variants sharing its two values. ${others}.${
      binned.length === 0
        ? ""
        : ` ${binned.join(" and ")} ${binned.length === 1 ? "has" : "have"} more than ${MAX_AXIS_VALUES} values, cut into equal bins.`
    } Grey: variants with no ${rank}; blank: no variant. A cell's tooltip gives its best variant, the mean and the count.`
    return `<details class="pair"${i === 0 ? " open" : ""}><summary>${escapeHtml(`${x.path} × ${y.path}`)}${
      i === 0 ? " (the two parameters with the most distinct values)" : ""
    }</summary><p class="note">${escapeHtml(caption)}</p>${heatmapSvg(grid)}</details>`
  })
  const more = pairs.length > 1 ? `<p class="note">${pairs.length} pairs: open another below.</p>` : ""
  const skipped = left.length === 0
    ? ""
    : `<p class="note">${escapeHtml(`Not drawn: ${left.join(", ")} (fewer distinct values, or too many text values).`)}</p>`
  return `<section>${title}${more}${figures.join("")}${skipped}</section>`
}

// ---------------------------------------------------------------------------------------------
// Distribution of Sharpe

export const sharpeSection = (sweep: ReportSweep): string => {
  const values: Array<number> = []
  for (const row of byVariantId(sweep.rows)) {
    if (row.metrics.sharpe !== null) values.push(row.metrics.sharpe)
  }
  const missing = sweep.rows.length - values.length
  const best = sweep.rows.find((row) => row.variantId === sweep.best)
  const marker = best?.metrics.sharpe === null || best === undefined
    ? undefined
    : { value: best.metrics.sharpe, label: `best ${best.variantId}: ${formatFixed(best.metrics.sharpe, 3)}` }
  const chart = valueHistogram(values, {
    label: "Distribution of Sharpe across variants",
    empty: "No variant has a Sharpe ratio.",
    tick: (v, decimals) => formatFixed(v, decimals),
    bound: (v, decimals) => formatFixed(v, decimals),
    mean: (v) => formatFixed(v, 3),
    title: `Variants per Sharpe bin (${formatInt(values.length)} variant${values.length === 1 ? "" : "s"})`,
    axisLabel: "Sharpe (per trade) of each variant",
    ...(marker === undefined ? {} : { marker })
  })
  const note = missing === 0
    ? ""
    : `<p class="note">${formatInt(missing)} variant${missing === 1 ? " has" : "s have"} no Sharpe (fewer than two trades, or returns without spread) and ${
      missing === 1 ? "is" : "are"
    } not counted.</p>`
  return `<section><h2>Distribution of Sharpe across variants</h2>${note}${chart}</section>`
}

// ---------------------------------------------------------------------------------------------
// Best variant

/** The heading over the best variant's usual sections: its id and swept values. */
export const bestVariantSection = (sweep: ReportSweep): string => {
  const row = sweep.rows.find((r) => r.variantId === sweep.best)
  if (row === undefined || sweep.best === undefined) {
    return `<section><h2>No variant's outputs</h2><p class="note">${
      escapeHtml(
        "The sweep kept no variant (keep: 0), so no variant's trades, equity or diagnostics were published; only the leaderboard was."
      )
    }</p></section>`
  }
  const params = sweep.parameters.map((p) => `${p.path} = ${parameterLabel(row.parameters[p.path] ?? null)}`)
  const facts = sweep.parameters
    .map((p) => {
      const value = row.parameters[p.path] ?? null
      return `<dt>${escapeHtml(p.path)}</dt><dd>${escapeHtml(value === null ? NO_VALUE : String(value))}</dd>`
    })
    .join("")
  return `<section><h2 class="best-variant">Best variant: ${escapeHtml(row.variantId)} <span class="params">${
    escapeHtml(params.join(" · "))
  }</span></h2><p class="note">${
    escapeHtml(
      `The best of ${formatInt(sweep.rows.length)} variants by ${sweep.rank} (${
        formatRankValue(sweep.rank, row.metrics[sweep.rank])
      }). The sections below are this variant's metrics, equity, trades and diagnostics.`
    )
  }</p><dl class="facts"><dt>variant</dt><dd>${escapeHtml(row.variantId)}</dd>${facts}</dl></section>`
}

/** The sweep's facts under the page header. */
export const sweepOverview = (sweep: ReportSweep): string =>
  `<p class="note">${
    escapeHtml(
      `Sweep of ${formatInt(sweep.rows.length)} variants over ${sweep.parameters.length} swept parameter${
        sweep.parameters.length === 1 ? "" : "s"
      } (${sweep.parameters.map((p) => p.path).join(", ")}), ranked by ${sweep.rank}; leaderboard ${
        shortId(sweep.leaderboardId)
      }.`
    )
  }</p>`
