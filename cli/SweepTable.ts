/** The sweep leaderboard as a terminal table: rank, variant, its swept values, key metrics. */
import type { SweepSummary } from "../nodes/sweep/index.js"
import { renderTable } from "./Table.js"

const num = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined ? "—" : value.toFixed(digits)

const shown = (value: unknown) =>
  value === null || value === undefined ? "—" : typeof value === "number" ? String(Number(value.toPrecision(6))) : String(value)

export const leaderboardTable = (sweep: SweepSummary, limit: number): string =>
  renderTable(
    [
      { header: "#", align: "right" },
      { header: "variant" },
      ...sweep.paths.map((path) => ({ header: path, align: "right" as const, maxWidth: 24 })),
      { header: "trades", align: "right" },
      { header: "win", align: "right" },
      { header: "net pnl", align: "right" },
      { header: "sharpe", align: "right" },
      { header: "sharpe 95% CI", align: "right" },
      { header: "max dd", align: "right" }
    ],
    sweep.top.slice(0, limit).map((entry, i) => [
      String(i + 1),
      entry.variantId,
      ...sweep.paths.map((path) => shown(entry.parameters[path])),
      String(entry.metrics.trades),
      num(entry.metrics.win_rate, 2),
      num(entry.metrics.total_net_pnl, 3),
      num(entry.metrics.sharpe, 3),
      `${num(entry.metrics.sharpe_ci_low, 2)} … ${num(entry.metrics.sharpe_ci_high, 2)}`,
      num(entry.metrics.max_drawdown, 3)
    ])
  )
