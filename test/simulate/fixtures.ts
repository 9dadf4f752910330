/** Small hand-made candle fixtures for the simulation tests. */
import type { CandleSeries, SimAlert, StrategyEncoded } from "../../nodes/simulate/index.js"
import { compileStrategy, makeCandleSeries, makeStrategy, simulateAlert } from "../../nodes/simulate/index.js"

export const MIN = 60_000
/** 2024-01-01T00:00:00Z */
export const T0 = Date.UTC(2024, 0, 1)

/** Candles [open, high, low, close] one minute apart from `start`, or at explicit minute offsets. */
export const series = (rows: ReadonlyArray<readonly [number, number, number, number]>, minutes?: ReadonlyArray<number>): CandleSeries =>
  makeCandleSeries(
    rows.map(([open, high, low, close], i) => ({ ts: T0 + (minutes ? minutes[i] : i) * MIN, open, high, low, close })),
    MIN
  )

export const alert = (alert_id: string, alert_ts: number = T0, mint = "MINT", chain = "solana", caller: string | null = null): SimAlert => ({
  alert_id,
  alert_ts,
  chain,
  mint,
  caller
})

/** Runs one alert and returns the trade, failing the test if it was skipped. */
export const run = (s: CandleSeries, strategy: StrategyEncoded, a: SimAlert = alert("a1"), seed: number | string = 42) => {
  const out = simulateAlert(s, a, compileStrategy(makeStrategy(strategy)), seed)
  if (out._tag !== "Trade") throw new Error(`expected a trade, got ${JSON.stringify(out.diagnostic)}`)
  return out.trade
}
