/**
 * A run's results as terminal text: the metrics a researcher asks about first (trades, win rate,
 * net pnl, Sharpe with its interval, max drawdown), the diagnostics by code, then the nodes in the
 * one vocabulary every output uses (`hit` / `miss` with the time it ran, see `nodeStatus`) and
 * where the outputs are.
 */
import { nodeStatus } from "../nodes/experiment/RunResults.js"
import { formatDuration, formatFixed, formatInt, formatPercent, NO_VALUE } from "../nodes/report/Format.js"
import type { NodeReport } from "../pipeline/index.js"
import type { NodeSummary, RunResults } from "../store/index.js"

type Metrics = RunResults["metrics"]

const signed = (x: number | null | undefined, decimals: number): string => {
  const text = formatFixed(x, decimals)
  return typeof x === "number" && x > 0 && text !== formatFixed(0, decimals) ? `+${text}` : text
}

/** `0.123 (95% CI −0.051 … 0.298)`. */
export const sharpeText = (metrics: Metrics): string => {
  const sharpe = formatFixed(metrics.sharpe, 3)
  const low = metrics.sharpe_ci_low
  const high = metrics.sharpe_ci_high
  return low === null || high === null || low === undefined || high === undefined
    ? sharpe
    : `${sharpe} (95% CI ${formatFixed(low, 3)} … ${formatFixed(high, 3)})`
}

/** `12 sparse_coverage, 3 no_candle_after_alert` (most frequent first), or `none`. */
export const diagnosticsText = (diagnostics: RunResults["diagnostics"]): string => {
  const codes = Object.keys(diagnostics).sort((a, b) => diagnostics[b]! - diagnostics[a]! || (a < b ? -1 : 1))
  return codes.length === 0 ? "none" : codes.map((code) => `${formatInt(diagnostics[code])} ${code}`).join(", ")
}

/** The results block: one metric per line, labels aligned. */
export const resultLines = (results: RunResults, indent = "  "): Array<string> => {
  const m = results.metrics
  const winRate = m.win_rate === null || m.win_rate === undefined ? "" : `  win rate ${formatPercent(m.win_rate, 1)}`
  return [
    `${indent}trades        ${formatInt(m.trades)}${winRate} (${formatInt(m.wins)} won, ${formatInt(m.losses)} lost)`,
    `${indent}net pnl       ${signed(m.total_net_pnl, 2)}  (equity ${formatFixed(m.initial_capital, 2)} → ${
      formatFixed(m.final_equity, 2)
    })`,
    `${indent}sharpe        ${sharpeText(m)}  per trade`,
    `${indent}max drawdown  ${formatPercent(m.max_drawdown, 2)}`,
    `${indent}diagnostics   ${diagnosticsText(results.diagnostics)}`
  ]
}

const short = (digest: string) => digest.replace(/^blake3:/, "").slice(0, 12)

const missReason = (node: NodeReport): string => {
  if (node.cache === "resource") return node.acquired === true ? "built (never cached)" : "would be built (never cached)"
  const reason = node.reason
  if (reason === undefined) return ""
  switch (reason._tag) {
    case "Absent":
      return "not in cache"
    case "Forced":
      return "forced"
    case "ArtifactMissing":
      return `output ${reason.output}: artifact ${reason.artifactId} missing`
    case "ObjectMissing":
      return `output ${reason.output}: object ${short(reason.digest)} missing`
    case "ObjectCorrupt":
      return `output ${reason.output}: object ${short(reason.digest)} corrupt`
    case "EntryMalformed":
      return `cache entry malformed: ${reason.detail}`
  }
}

/** A node's time as every output shows it: its run time for a miss that ran, nothing otherwise. */
export const nodeTime = (status: "hit" | "miss", durationMs: number, ran: boolean): string =>
  status === "miss" && ran ? formatDuration(durationMs) : ""

/**
 * One line per node: `miss  simulate   420ms  a6024e9c87fc  not in cache`. `planned`: a dry run
 * (a miss would run; nothing ran, so no time).
 */
export const nodeLines = (nodes: ReadonlyArray<NodeReport>, planned = false): Array<string> => {
  const width = Math.max(...nodes.map((n) => n.node.name.length), 4)
  return nodes.map((node) => {
    const status = nodeStatus(node, nodes)
    const time = nodeTime(status, node.durationMs, !planned)
    const why = status === "miss" ? `  ${planned && node.cache !== "resource" ? "would run: " : ""}${missReason(node)}` : ""
    return `  ${status.padEnd(4)}  ${node.node.name.padEnd(width)}  ${time.padStart(6)}  ${short(node.key)}${why}`
  })
}

/** The same lines from a run record's node summaries (`experiments show`). */
export const recordedNodeLines = (nodes: ReadonlyArray<NodeSummary>, indent = "  "): Array<string> => {
  const width = Math.max(...nodes.map((n) => n.name.length), 4)
  return nodes.map((node) =>
    `${indent}${node.cache.padEnd(4)}  ${node.name.padEnd(width)}  ${nodeTime(node.cache, node.durationMs, true).padStart(6)}  ${
      short(node.key)
    }${node.outcome === undefined ? "" : `  ${node.outcome}`}`
  )
}

/** `2 hit, 3 miss`: every node counted by its status word. */
export const statusCounts = (statuses: ReadonlyArray<"hit" | "miss">): string =>
  `${statuses.filter((s) => s === "hit").length} hit, ${statuses.filter((s) => s === "miss").length} miss`

/** Compact metrics for a table row (`experiments list`): values or `—`. */
export const metricCells = (results: RunResults | undefined): Array<string> => {
  if (results === undefined) return [NO_VALUE, NO_VALUE, NO_VALUE, NO_VALUE, NO_VALUE]
  const m = results.metrics
  return [
    formatInt(m.trades),
    formatPercent(m.win_rate, 1),
    signed(m.total_net_pnl, 2),
    formatFixed(m.sharpe, 3),
    formatPercent(m.max_drawdown, 1)
  ]
}
