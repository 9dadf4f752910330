/**
 * The report's HTML sections, each a pure function of the report input. Every string that comes
 * from data (names, mints, messages, keys) goes through `escapeHtml`; every number through the
 * deterministic formatters; every list is sorted by a total order before it is printed.
 */
import {
  escapeHtml,
  formatBytes,
  formatFixed,
  formatInt,
  formatMinute,
  formatPercent,
  formatSignedPercent,
  formatPrice,
  NO_VALUE,
  shortId,
  stableJson
} from "../Format.js"
import type { ReportArtifact, ReportDiagnostic, ReportInput, ReportMetrics, ReportTrade } from "../ReportData.js"
import { compareStrings } from "../../../store/index.js"


/** Money in the quote currency: 4 decimals (notional may be 1, so cents are not enough). */
const money = (x: number | null | undefined): string => formatFixed(x, 4)

const signedMoney = (x: number | null | undefined): string => {
  const text = money(x)
  return typeof x === "number" && x > 0 && /[1-9]/.test(text) ? `+${text}` : text
}

/** `<td>` with a numeric class (right-aligned, tabular digits) and a sign colour. */
const numCell = (text: string, sign?: number | null): string => {
  const tone = sign === undefined || sign === null || !Number.isFinite(sign) || text === NO_VALUE
    ? ""
    : sign > 0 && /[1-9]/.test(text)
    ? " pos"
    : sign < 0 && /[1-9]/.test(text)
    ? " neg"
    : ""
  return `<td class="num${tone}">${escapeHtml(text)}</td>`
}

/** A text cell; a clipped one (`clip`) carries its full text as a tooltip. */
const cell = (text: string, cls?: string): string =>
  `<td${cls === undefined ? "" : ` class="${cls}"`}${cls?.includes("clip") === true ? ` title="${escapeHtml(text)}"` : ""}>${
    escapeHtml(text)
  }</td>`

const table = (headers: ReadonlyArray<readonly [string, "num" | "text"]>, rows: ReadonlyArray<string>, cls = ""): string =>
  `<table${cls === "" ? "" : ` class="${cls}"`}><thead><tr>${
    headers.map(([h, kind]) => `<th${kind === "num" ? ` class="num"` : ""}>${escapeHtml(h)}</th>`).join("")
  }</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join("")}</tbody></table>`

// ---------------------------------------------------------------------------------------------
// Header

const dateRangeOf = (definition: unknown): string | undefined => {
  if (definition === null || typeof definition !== "object") return undefined
  const range = (definition as { dateRange?: unknown }).dateRange
  if (range === null || typeof range !== "object") return undefined
  const { from, to } = range as { from?: unknown; to?: unknown }
  return typeof from === "string" && typeof to === "string" ? `${from} → ${to}` : undefined
}

/** The `inputs.synthetic` block of a recorded definition, when the inputs are generated. */
export const syntheticInputsOf = (
  definition: unknown
): { readonly tokens: unknown; readonly days: unknown; readonly seed: unknown } | undefined => {
  if (definition === null || typeof definition !== "object" || !("inputs" in definition)) return undefined
  const inputs = definition.inputs
  if (inputs === null || typeof inputs !== "object" || !("synthetic" in inputs)) return undefined
  const synthetic = inputs.synthetic
  if (synthetic === null || typeof synthetic !== "object") return undefined
  const field = (name: string): unknown => (name in synthetic ? (synthetic as Record<string, unknown>)[name] : undefined)
  return { tokens: field("tokens"), days: field("days"), seed: field("seed") }
}

/** One line saying the inputs are generated (empty when the definition names catalog inputs). */
export const syntheticNote = (definition: unknown): string => {
  const synthetic = syntheticInputsOf(definition)
  if (synthetic === undefined) return ""
  const show = (value: unknown) =>
    typeof value !== "number" || !Number.isFinite(value) ? NO_VALUE : Number.isInteger(value) ? formatInt(value) : String(value)
  return `<p class="note synthetic">Synthetic inputs: these results come from the seeded market generator (${
    escapeHtml(`${show(synthetic.tokens)} tokens × ${show(synthetic.days)} days, seed ${show(synthetic.seed)}`)
  }), not from market data.</p>`
}

export const headerSection = (input: ReportInput): string => {
  const { experiment } = input
  const facts: Array<readonly [string, string]> = [
    ["Experiment", experiment.experimentId],
    ["Seed", String(experiment.seed)]
  ]
  const range = dateRangeOf(experiment.definition)
  if (range !== undefined) facts.push(["Date range", range])
  for (const group of Object.keys(experiment.inputs).sort(compareStrings)) {
    const ids = [...experiment.inputs[group]].sort(compareStrings)
    facts.push([`Inputs: ${group}`, ids.length === 0 ? NO_VALUE : ids.map((id) => shortId(id)).join(", ")])
  }
  if (input.provenance !== undefined) {
    const p = input.provenance
    const git = p.gitCommit === null ? "unknown" : `${p.gitCommit.slice(0, 12)}${p.gitDirty ? " (dirty)" : ""}`
    facts.push(["Engine", `${p.engineVersion}, DuckDB ${p.duckdbVersion}, git ${git}`])
  }
  if (input.compare !== undefined) {
    facts.push(["Compared with", `${input.compare.experimentId} (${input.compare.name}, run ${input.compare.runId})`])
  }
  return `<header><h1>${escapeHtml(experiment.name)}</h1>${syntheticNote(experiment.definition)}<dl class="facts">${
    facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")
  }</dl></header>`
}

export const definitionSection = (input: ReportInput): string =>
  `<details class="definition"><summary>Definition (as recorded, keys sorted)</summary><pre>${
    escapeHtml(stableJson(input.experiment.definition))
  }</pre></details>`

// ---------------------------------------------------------------------------------------------
// Metrics

const interval = (low: number | null, high: number | null, format: (x: number | null) => string): string =>
  low === null || high === null ? "" : `95% CI ${format(low)} … ${format(high)}`

export const metricsSection = (metrics: ReportMetrics | undefined): string => {
  if (metrics === undefined) return `<section><h2>Metrics</h2><p class="note">No metrics row.</p></section>`
  const m = metrics
  const pct = (x: number | null) => formatSignedPercent(x, 2)
  const ratio = (x: number | null) => formatFixed(x, 3)
  const cards: ReadonlyArray<readonly [string, string, number | null]> = [
    ["Trades", formatInt(m.trades), null],
    ["Win rate", formatPercent(m.win_rate, 1), null],
    ["Mean return", pct(m.mean_return), m.mean_return],
    ["Total net pnl", signedMoney(m.total_net_pnl), m.total_net_pnl],
    ["Max drawdown", formatPercent(m.max_drawdown, 2), m.max_drawdown > 0 ? -1 : null],
    ["Sharpe (per trade)", ratio(m.sharpe), m.sharpe]
  ]
  const rows: ReadonlyArray<readonly [string, string, string, number | null]> = [
    ["trades", formatInt(m.trades), "number of trades", null],
    ["wins", formatInt(m.wins), "net pnl > 0", null],
    ["losses", formatInt(m.losses), "net pnl < 0", null],
    ["win_rate", formatPercent(m.win_rate, 2), "wins / trades", null],
    ["mean_return", pct(m.mean_return), interval(m.mean_return_ci_low, m.mean_return_ci_high, pct), m.mean_return],
    ["median_return", pct(m.median_return), "", m.median_return],
    ["total_net_pnl", signedMoney(m.total_net_pnl), "sum of net pnl", m.total_net_pnl],
    ["profit_factor", ratio(m.profit_factor), "Σ gains / |Σ losses|", null],
    ["expectancy", signedMoney(m.expectancy), "mean net pnl per trade", m.expectancy],
    ["max_drawdown", formatPercent(m.max_drawdown, 2), "max of 1 − equity / running peak", null],
    ["sharpe", ratio(m.sharpe), interval(m.sharpe_ci_low, m.sharpe_ci_high, ratio), m.sharpe],
    ["sortino", ratio(m.sortino), "mean / downside deviation", m.sortino],
    ["mean_hold_candles", formatFixed(m.mean_hold_candles, 1), "candles from entry to exit", null],
    ["bootstrap_resamples", formatInt(m.bootstrap_resamples), "for the 95% intervals", null],
    ["initial_capital", money(m.initial_capital), "", null],
    ["final_equity", money(m.final_equity), "", m.final_equity - m.initial_capital]
  ]
  const cardHtml = cards
    .map(([label, value, sign]) => {
      const tone = sign === null || !/[1-9]/.test(value) ? "" : sign > 0 ? " pos" : sign < 0 ? " neg" : ""
      return `<div class="card"><div class="card-label">${escapeHtml(label)}</div><div class="card-value${tone}">${
        escapeHtml(value)
      }</div></div>`
    })
    .join("")
  const body = rows.map(([name, value, note, sign]) => `${cell(name, "mono")}${numCell(value, sign)}${cell(note, "muted")}`)
  return `<section><h2>Metrics</h2><div class="cards">${cardHtml}</div>${
    table([["metric", "text"], ["value", "num"], ["", "text"]], body, "metrics")
  }</section>`
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** The metrics compared side by side: name, how to print a value, how to print a difference. */
const COMPARED: ReadonlyArray<
  readonly [keyof ReportMetrics, (x: number | null) => string, (x: number | null) => string]
> = [
  ["trades", formatInt, (x) => signed(formatInt(x), x)],
  ["win_rate", (x) => formatPercent(x, 2), (x) => signed(formatFixed(x === null ? null : x * 100, 2), x, " pp")],
  ["mean_return", (x) => formatSignedPercent(x, 2), (x) => signed(formatFixed(x === null ? null : x * 100, 2), x, " pp")],
  ["median_return", (x) => formatSignedPercent(x, 2), (x) => signed(formatFixed(x === null ? null : x * 100, 2), x, " pp")],
  ["total_net_pnl", (x) => signedMoney(x), (x) => signedMoney(x)],
  ["profit_factor", (x) => formatFixed(x, 3), (x) => signed(formatFixed(x, 3), x)],
  ["expectancy", (x) => signedMoney(x), (x) => signedMoney(x)],
  ["max_drawdown", (x) => formatPercent(x, 2), (x) => signed(formatFixed(x === null ? null : x * 100, 2), x, " pp")],
  ["sharpe", (x) => formatFixed(x, 3), (x) => signed(formatFixed(x, 3), x)],
  ["sortino", (x) => formatFixed(x, 3), (x) => signed(formatFixed(x, 3), x)],
  ["mean_hold_candles", (x) => formatFixed(x, 1), (x) => signed(formatFixed(x, 1), x)],
  ["final_equity", (x) => money(x), (x) => signedMoney(x)]
]

const signed = (text: string, x: number | null, unit = ""): string =>
  text === NO_VALUE ? text : `${typeof x === "number" && x > 0 && /[1-9]/.test(text) ? "+" : ""}${text}${unit}`

/** The metrics of this experiment (A) and the compared one (B) side by side, with B − A. */
export const comparisonSection = (input: ReportInput): string => {
  const compare = input.compare
  if (compare === undefined) return ""
  const a = input.metrics
  const b = compare.metrics
  const rows = COMPARED.map(([name, show, showDelta]) => {
    const va = a === undefined ? null : a[name]
    const vb = b === undefined ? null : b[name]
    const delta = va === null || vb === null ? null : vb - va
    return `${cell(name, "mono")}${numCell(show(va))}${numCell(show(vb))}${numCell(showDelta(delta))}`
  })
  return `<section><h2>Compared with ${escapeHtml(compare.name)}</h2><p class="note">A: ${
    escapeHtml(input.experiment.experimentId)
  } · B: ${escapeHtml(compare.experimentId)} (run ${escapeHtml(compare.runId)}). The equity chart overlays both.</p>${
    table([["metric", "text"], ["A", "num"], ["B", "num"], ["B − A", "num"]], rows, "metrics compare")
  }</section>`
}

// ---------------------------------------------------------------------------------------------
// Per-group tallies (callers, exit reasons)

interface Tally {
  trades: number
  wins: number
  netPnl: number
  returns: number
}

/** Trades, wins and the sums of net pnl and return per key (summed in the trades' output order). */
const tallyBy = <K>(trades: ReadonlyArray<ReportTrade>, keyOf: (trade: ReportTrade) => K): Map<K, Tally> => {
  const groups = new Map<K, Tally>()
  for (const t of trades) {
    const key = keyOf(t)
    const g = groups.get(key) ?? { trades: 0, wins: 0, netPnl: 0, returns: 0 }
    g.trades++
    if (t.net_pnl > 0) g.wins++
    g.netPnl += t.net_pnl
    g.returns += t.return
    groups.set(key, g)
  }
  return groups
}

// ---------------------------------------------------------------------------------------------
// Callers

export interface CallerStats {
  /** The caller, or null for alerts without one (or the folded rest, see `others`). */
  readonly caller: string | null
  readonly trades: number
  readonly wins: number
  readonly netPnl: number
  readonly meanReturn: number
  /** Set on the row that folds every caller past `MAX_CALLERS`: how many it holds. */
  readonly others?: number
}

/** Callers listed one per row; the rest share one row, so the rows always add up to the totals. */
export const MAX_CALLERS = 20

/**
 * Trades, wins, net pnl and mean return per caller (sums in the trades' output order), sorted by
 * net pnl (desc), then trades (desc), then caller (no caller last); callers past `MAX_CALLERS`
 * folded into one last row.
 */
export const callerStats = (trades: ReadonlyArray<ReportTrade>): Array<CallerStats> => {
  const rows = [...tallyBy(trades, (t) => t.caller).entries()]
    .map(([caller, g]) => ({ caller, ...g }))
    .sort((a, b) =>
      b.netPnl - a.netPnl || b.trades - a.trades ||
      (a.caller === null ? (b.caller === null ? 0 : 1) : b.caller === null ? -1 : compareStrings(a.caller, b.caller))
    )
  const shown = rows.length > MAX_CALLERS ? rows.slice(0, MAX_CALLERS - 1) : rows
  const result: Array<CallerStats> = shown.map((r) => ({
    caller: r.caller,
    trades: r.trades,
    wins: r.wins,
    netPnl: r.netPnl,
    meanReturn: r.returns / r.trades
  }))
  if (shown.length < rows.length) {
    const rest = rows.slice(shown.length)
    let n = 0
    let wins = 0
    let pnl = 0
    let returns = 0
    for (const r of rest) {
      n += r.trades
      wins += r.wins
      pnl += r.netPnl
      returns += r.returns
    }
    result.push({ caller: null, trades: n, wins, netPnl: pnl, meanReturn: returns / n, others: rest.length })
  }
  return result
}

export const callersSection = (trades: ReadonlyArray<ReportTrade>): string => {
  if (trades.length === 0) return ""
  const stats = callerStats(trades)
  const rows = stats.map((s) =>
    `${cell(s.others !== undefined ? `${formatInt(s.others)} other callers` : s.caller ?? "(no caller)", "clip")}${
      numCell(formatInt(s.trades))
    }${numCell(formatPercent(s.wins / s.trades, 1))}${numCell(formatSignedPercent(s.meanReturn, 2), s.meanReturn)}${
      numCell(signedMoney(s.netPnl), s.netPnl)
    }`
  )
  return `<section><h2>By caller</h2><p class="note">Who raised the alerts behind the trades (the alerts' caller column), best net pnl first.</p>${
    table([["caller", "text"], ["trades", "num"], ["win rate", "num"], ["mean return", "num"], ["net pnl", "num"]], rows, "callers")
  }</section>`
}

// ---------------------------------------------------------------------------------------------
// Exit reasons

export interface ExitReasonStats {
  readonly reason: string
  readonly trades: number
  readonly wins: number
  readonly meanReturn: number
  readonly totalNetPnl: number
}

/** Per exit reason, summed in the trades' output order; sorted by count (desc), then reason. */
export const exitReasonStats = (trades: ReadonlyArray<ReportTrade>): Array<ExitReasonStats> =>
  [...tallyBy(trades, (t) => t.exit_reason).entries()]
    .map(([reason, g]) => ({
      reason,
      trades: g.trades,
      wins: g.wins,
      meanReturn: g.returns / g.trades,
      totalNetPnl: g.netPnl
    }))
    .sort((a, b) => b.trades - a.trades || compareStrings(a.reason, b.reason))

export const exitReasonsSection = (trades: ReadonlyArray<ReportTrade>): string => {
  const stats = exitReasonStats(trades)
  if (stats.length === 0) return `<section><h2>Exit reasons</h2><p class="note">No trades.</p></section>`
  const total = trades.length
  const rows = stats.map((s) => {
    const share = s.trades / total
    return `${cell(s.reason, "mono")}${numCell(formatInt(s.trades))}<td class="barcell"><div class="bar" style="width:${
      formatFixed(share * 100, 1)
    }%"></div><span>${escapeHtml(formatPercent(share, 1))}</span></td>${numCell(formatPercent(s.wins / s.trades, 1))}${
      numCell(formatSignedPercent(s.meanReturn, 2), s.meanReturn)
    }${numCell(signedMoney(s.totalNetPnl), s.totalNetPnl)}`
  })
  return `<section><h2>Exit reasons</h2>${
    table(
      [["exit reason", "text"], ["trades", "num"], ["share", "text"], ["win rate", "num"], ["mean return", "num"], [
        "net pnl",
        "num"
      ]],
      rows,
      "exits"
    )
  }</section>`
}

// ---------------------------------------------------------------------------------------------
// Best and worst trades

const byReturnDesc = (a: ReportTrade, b: ReportTrade) => b.return - a.return || compareStrings(a.trade_id, b.trade_id)

const tradeTable = (trades: ReadonlyArray<ReportTrade>): string =>
  table(
    [
      ["trade", "text"],
      ["chain", "text"],
      ["mint", "text"],
      ["caller", "text"],
      ["entry (UTC)", "text"],
      ["entry price", "num"],
      ["exit price", "num"],
      ["hold", "num"],
      ["exit", "text"],
      ["peak ×", "num"],
      ["return", "num"]
    ],
    trades.map((t) =>
      `${cell(t.trade_id, "mono clip")}${cell(t.chain, "clip")}${cell(t.mint, "mono clip")}${cell(t.caller ?? NO_VALUE, "clip")}${
        cell(formatMinute(t.entry_ts), "nowrap")
      }${numCell(formatPrice(t.entry_price))}${numCell(formatPrice(t.exit_price))}${
        numCell(formatInt(t.hold_candles))
      }${cell(t.exit_reason, "mono")}${numCell(formatFixed(t.peak_multiple, 2))}${numCell(formatSignedPercent(t.return, 2), t.return)}`
    ),
    "trades"
  )

export const TRADES_SHOWN = 8

/**
 * The best trades (return desc, then trade id) and the worst (return asc, then trade id), at most
 * `TRADES_SHOWN` each, never sharing a trade: with fewer than 2 × `TRADES_SHOWN` trades the best
 * table takes the better half (rounded up) and the worst table the rest.
 */
export const bestAndWorst = (
  trades: ReadonlyArray<ReportTrade>
): { readonly best: Array<ReportTrade>; readonly worst: Array<ReportTrade> } => {
  const ranked = [...trades].sort(byReturnDesc)
  const best = ranked.slice(0, Math.min(TRADES_SHOWN, Math.ceil(ranked.length / 2)))
  const worst = ranked.slice(best.length).reverse().slice(0, TRADES_SHOWN)
  return { best, worst }
}

export const tradesSection = (trades: ReadonlyArray<ReportTrade>): string => {
  if (trades.length === 0) return ""
  const { best, worst } = bestAndWorst(trades)
  const note = best.length + worst.length === trades.length
    ? `<p class="note">All ${formatInt(trades.length)} trade${trades.length === 1 ? "" : "s"} shown, each once.</p>`
    : ""
  return `<section><h2>Best trades</h2>${note}${tradeTable(best)}${
    worst.length === 0 ? "" : `<h2>Worst trades</h2>${tradeTable(worst)}`
  }</section>`
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

export interface DiagnosticSummary {
  readonly code: string
  readonly level: string
  readonly count: number
  /** The first diagnostic of this (code, level) by alert id, then message. */
  readonly example: ReportDiagnostic
}

/** Counts per (code, level), sorted by code then level. */
export const diagnosticSummary = (diagnostics: ReadonlyArray<ReportDiagnostic>): Array<DiagnosticSummary> => {
  const groups = new Map<string, { code: string; level: string; count: number; example: ReportDiagnostic }>()
  for (const d of diagnostics) {
    const key = `${d.code}\u0000${d.level}`
    const g = groups.get(key)
    if (g === undefined) {
      groups.set(key, { code: d.code, level: d.level, count: 1, example: d })
      continue
    }
    g.count++
    if (compareStrings(d.alert_id, g.example.alert_id) < 0 || (d.alert_id === g.example.alert_id && compareStrings(d.message, g.example.message) < 0)) {
      g.example = d
    }
  }
  return [...groups.values()].sort((a, b) => compareStrings(a.code, b.code) || compareStrings(a.level, b.level))
}

export const diagnosticsSection = (diagnostics: ReadonlyArray<ReportDiagnostic>): string => {
  const summary = diagnosticSummary(diagnostics)
  if (summary.length === 0) {
    return `<section><h2>Diagnostics</h2><p class="note">No diagnostics: every alert in range produced a trade.</p></section>`
  }
  const rows = summary.map((s) =>
    `${cell(s.code, "mono")}${cell(s.level, `level-${s.level.replace(/[^a-z]/g, "")}`)}${numCell(formatInt(s.count))}${
      cell(s.example.alert_id, "mono clip")
    }${cell(s.example.message, "muted")}`
  )
  return `<section><h2>Diagnostics</h2><p class="note">${formatInt(diagnostics.length)} diagnostic${
    diagnostics.length === 1 ? "" : "s"
  } in total.</p>${
    table([["code", "text"], ["level", "text"], ["count", "num"], ["example alert", "text"], ["example message", "text"]], rows)
  }</section>`
}

// ---------------------------------------------------------------------------------------------
// Lineage

const compareArtifacts = (a: ReportArtifact, b: ReportArtifact) =>
  compareStrings(a.type, b.type) || compareStrings(a.logicalKey, b.logicalKey) || compareStrings(a.artifactId, b.artifactId)

const artifactLabel = (a: ReportArtifact): string =>
  `<span class="mono">${escapeHtml(shortId(a.artifactId))}</span> <span class="type">${escapeHtml(a.type)}</span> <span class="muted">${
    escapeHtml(a.logicalKey)
  } · ${escapeHtml(formatInt(a.rowCount))} ${a.rowCount === 1 ? "row" : "rows"}</span>`

export const lineageSection = (input: ReportInput): string => {
  const { nodes, edges } = input.lineage
  const byId = new Map(nodes.map((n) => [n.artifactId, n]))
  const children = new Map<string, Array<string>>()
  for (const e of edges) {
    const list = children.get(e.from) ?? []
    if (!list.includes(e.to)) list.push(e.to)
    children.set(e.from, list)
  }
  const sortedChildren = (id: string): Array<string> =>
    [...(children.get(id) ?? [])].sort((a, b) => {
      const ma = byId.get(a)
      const mb = byId.get(b)
      return ma !== undefined && mb !== undefined ? compareArtifacts(ma, mb) : compareStrings(a, b)
    })
  const seen = new Set<string>()
  const render = (id: string): string => {
    const node = byId.get(id)
    const label = node === undefined
      ? `<span class="mono">${escapeHtml(shortId(id))}</span> <span class="muted">(manifest missing)</span>`
      : artifactLabel(node)
    const kids = sortedChildren(id)
    if (seen.has(id) && kids.length > 0) return `<li>${label} <span class="muted">(inputs shown above)</span></li>`
    seen.add(id)
    return kids.length === 0 ? `<li>${label}</li>` : `<li>${label}<ul>${kids.map(render).join("")}</ul></li>`
  }
  const outputNames = Object.keys(input.outputs).sort(compareStrings)
  const tree = outputNames
    .map((name) => `<li><span class="output">${escapeHtml(name)}</span><ul>${render(input.outputs[name])}</ul></li>`)
    .join("")
  const all = [...nodes].sort(compareArtifacts)
  const rows = all.map((a) =>
    `${cell(a.artifactId, "mono small")}${cell(a.type, "mono")}${cell(a.logicalKey, "mono clip")}${numCell(formatInt(a.rowCount))}${
      numCell(formatBytes(a.bytes))
    }`
  )
  return `<section><h2>Lineage</h2><p class="note">Each output and the artifacts it was computed from (outputs → inputs).</p><ul class="tree">${tree}</ul>${
    table([["artifact id", "text"], ["type", "text"], ["logical key", "text"], ["rows", "num"], ["size", "num"]], rows, "artifacts")
  }</section>`
}
