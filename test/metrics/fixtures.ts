import type { Fill, Trade } from "../../nodes/simulate/index.js"

export const MIN = 60_000
export const T0 = Date.UTC(2024, 0, 1)

/**
 * A hand-made trade with notional 1: an entry fill at `entryMin` (paying `entryFee`) and one sell
 * at `exitMin` realizing the rest of `net` (so the fills' pnl add up to `net`).
 */
export const trade = (id: string, entryMin: number, exitMin: number, net: number, hold: number, entryFee = 0): Trade => {
  const fills: Array<Fill> = [
    { seq: 0, side: "buy", ts: T0 + entryMin * MIN, price: 1, quantity: 1, fee: entryFee, pnl: -entryFee, reason: "entry" },
    { seq: 1, side: "sell", ts: T0 + exitMin * MIN, price: 1 + net, quantity: 1, fee: 0, pnl: net + entryFee, reason: net >= 0 ? "target" : "stop" }
  ]
  return {
    trade_id: id,
    alert_id: id,
    chain: "solana",
    mint: `m-${id}`,
    caller: null,
    alert_ts: T0 + entryMin * MIN,
    entry_ts: T0 + entryMin * MIN,
    entry_price: 1,
    exit_ts: T0 + exitMin * MIN,
    exit_price: 1 + net,
    exit_reason: net >= 0 ? "target" : "stop",
    quantity: 1,
    notional: 1,
    gross_pnl: net + entryFee,
    fees: entryFee,
    net_pnl: net,
    return: net,
    peak_multiple: 1,
    max_adverse_excursion: 0,
    hold_candles: hold,
    fill_count: 2,
    fills
  }
}
