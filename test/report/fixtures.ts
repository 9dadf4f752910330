/** A small, hand-made report input (numbers chosen so the expected text is easy to work out). */
import type { ReportInput, ReportTrade } from "../../nodes/report/index.js"

export const HOSTILE_NAME = `<script>alert("name")</script>`
export const HOSTILE_MINT = `<script>alert('mint')</script>`
export const HOSTILE_MESSAGE = `<img src=x onerror=alert(1)>`

const T0 = Date.parse("2024-01-01T00:00:00Z")
const MIN = 60_000

const trade = (
  id: string,
  mint: string,
  minutes: number,
  ret: number,
  reason: ReportTrade["exit_reason"],
  caller: string | null = "caller_a"
): ReportTrade => ({
  trade_id: id,
  alert_id: id,
  chain: "solana",
  mint,
  caller,
  entry_ts: T0 + minutes * MIN,
  exit_ts: T0 + (minutes + 30) * MIN,
  entry_price: 0.00012345,
  exit_price: 0.00012345 * (1 + ret),
  exit_reason: reason,
  net_pnl: ret * 10,
  return: ret,
  peak_multiple: 1 + Math.max(ret, 0) + 0.1,
  hold_candles: 30
})

export const art = (c: string) => `art_${c.repeat(64)}`

/** Four trades: +50% and +10% (target), −25% (stop, hostile mint), −5% (time). */
export const sampleInput = (): ReportInput => ({
  experiment: {
    experimentId: "exp_00112233445566778899aabbccddeeff",
    name: "ladder baseline",
    seed: 42,
    definition: { name: "ladder baseline", seed: 42, dateRange: { from: "2024-01-01T00:00:00Z", to: "2024-01-02T00:00:00Z" } },
    inputs: { alerts: [art("a")], ohlcv: [art("b")] }
  },
  outputs: { trades: art("c"), metrics: art("d"), equity: art("e"), diagnostics: art("f") },
  provenance: { engineVersion: "0.1.0", duckdbVersion: "v1.5.6", gitCommit: "0123456789abcdef0123", gitDirty: true },
  metrics: {
    trades: 4,
    wins: 2,
    losses: 2,
    win_rate: 0.5,
    mean_return: 0.075,
    median_return: 0.025,
    total_net_pnl: 3,
    profit_factor: 2,
    expectancy: 0.75,
    max_drawdown: 0.0025,
    sharpe: 0.23456,
    sortino: 0.5,
    mean_hold_candles: 30,
    mean_return_ci_low: -0.1,
    mean_return_ci_high: 0.3,
    sharpe_ci_low: -0.5,
    sharpe_ci_high: 1.25,
    bootstrap_resamples: 1000,
    initial_capital: 1000,
    final_equity: 1003
  },
  trades: [
    trade("t1", "MintAAAA", 0, 0.5, "target"),
    trade("t2", HOSTILE_MINT, 60, -0.25, "stop", null),
    trade("t3", "MintCCCC", 120, 0.1, "target"),
    trade("t4", "MintDDDD", 180, -0.05, "time")
  ],
  equity: [
    { seq: 0, ts: T0, equity: 999.975, drawdown: 0.000025, open_positions: 1 },
    { seq: 1, ts: T0 + 30 * MIN, equity: 1005, drawdown: 0, open_positions: 0 },
    { seq: 2, ts: T0 + 60 * MIN, equity: 1004.975, drawdown: 0.0000249, open_positions: 1 },
    { seq: 3, ts: T0 + 90 * MIN, equity: 1002.5, drawdown: 0.0025, open_positions: 0 },
    { seq: 4, ts: T0 + 120 * MIN, equity: 1002.475, drawdown: 0.0025, open_positions: 1 },
    { seq: 5, ts: T0 + 150 * MIN, equity: 1003.5, drawdown: 0.0015, open_positions: 0 },
    { seq: 6, ts: T0 + 180 * MIN, equity: 1003.475, drawdown: 0.0015, open_positions: 1 },
    { seq: 7, ts: T0 + 210 * MIN, equity: 1003, drawdown: 0.002, open_positions: 0 }
  ],
  diagnostics: [
    { alert_id: "a9", level: "info", code: "position_limit", message: HOSTILE_MESSAGE },
    { alert_id: "a7", level: "warning", code: "no_candles", message: "no candles for solana/MintZ" },
    { alert_id: "a8", level: "warning", code: "no_candles", message: "no candles for solana/MintY" }
  ],
  lineage: {
    nodes: [
      { artifactId: art("a"), type: "alerts_v1", logicalKey: "chain=solana/alerts", rowCount: 6, bytes: 1000 },
      { artifactId: art("b"), type: "ohlcv_slice_v2", logicalKey: "chain=solana/res=60s", rowCount: 5000, bytes: 200000 },
      { artifactId: art("c"), type: "experiment_trades", logicalKey: "trades/1", rowCount: 4, bytes: 3000 },
      { artifactId: art("d"), type: "experiment_metrics", logicalKey: "metrics/1", rowCount: 1, bytes: 2000 },
      { artifactId: art("e"), type: "experiment_equity", logicalKey: "equity/1", rowCount: 8, bytes: 2000 },
      { artifactId: art("f"), type: "experiment_diagnostics", logicalKey: "diagnostics/1", rowCount: 3, bytes: 1500 }
    ],
    edges: [
      { from: art("c"), to: art("a") },
      { from: art("c"), to: art("b") },
      { from: art("d"), to: art("c") },
      { from: art("e"), to: art("c") },
      { from: art("f"), to: art("c") }
    ]
  }
})
