/**
 * Exit rules of docs/DESIGN.md §7, each on candles worked by hand. Unless stated, notional = 1, no costs,
 * entry on candle 0 at open 1 (so entry price 1, quantity 1).
 */
import { describe, expect, it } from "@effect/vitest"
import { compileStrategy, makeStrategy, simulateAlert } from "../../nodes/simulate/index.js"
import { alert, MIN, run, series, T0 } from "./fixtures.js"

const close = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 12)

describe("Kernel: ladder targets", () => {
  it("fills each target at its level by fraction of the initial quantity", () => {
    const s = series([
      [1, 1.5, 0.9, 1.2], // c0: entry at 1; targets 2 and 4 not reached
      [1.2, 2.5, 1.1, 2.2], // c1: high 2.5 ≥ 2 → 0.5 × 2 = 1
      [2.2, 3, 2, 2.8], // c2: high 3 < 4 → nothing
      [2.8, 4.4, 2.7, 4.1], // c3: high 4.4 ≥ 4 → the rest 0.5 × 4 = 2
      [4.1, 9, 4, 8] // c4: never reached
    ])
    const t = run(s, { exit: { targets: [{ multiple: 2, fraction: 0.5 }, { multiple: 4, fraction: 0.5 }] } })
    expect(t.fills.map((f) => [f.seq, f.side, f.ts, f.price, f.quantity, f.reason])).toEqual([
      [0, "buy", T0, 1, 1, "entry"],
      [1, "sell", T0 + MIN, 2, 0.5, "target"],
      [2, "sell", T0 + 3 * MIN, 4, 0.5, "target"]
    ])
    // proceeds 1 + 2 = 3 → exit price 3 / 1 = 3, gross 3 − 1 = 2
    expect(t.exit_reason).toBe("target")
    expect(t.exit_ts).toBe(T0 + 3 * MIN)
    expect(t.exit_price).toBe(3)
    expect(t.gross_pnl).toBe(2)
    expect(t.net_pnl).toBe(2)
    expect(t.return).toBe(2)
    expect(t.hold_candles).toBe(3)
    expect(t.peak_multiple).toBe(4.4) // highest high c0..c3 / 1
    close(t.max_adverse_excursion, -0.1) // lowest low 0.9 / 1 − 1
    expect(t.fill_count).toBe(3)
  })

  it("fractions summing to 1 with decimal rounding leave no dust", () => {
    const s = series([[1, 1, 1, 1], [1, 5, 1, 4]])
    // 0.1 + 0.2 + 0.7 ≠ 1 in binary; the last target sells what is left
    const t = run(s, { exit: { targets: [{ multiple: 1.5, fraction: 0.1 }, { multiple: 2, fraction: 0.2 }, { multiple: 3, fraction: 0.7 }] } })
    expect(t.exit_reason).toBe("target")
    expect(t.fills.length).toBe(4)
    const sold = t.fills.slice(1).reduce((a, f) => a + f.quantity, 0)
    close(sold, 1)
    // 0.1 × 1.5 + 0.2 × 2 + 0.7 × 3 = 0.15 + 0.4 + 2.1 = 2.65
    close(t.exit_price, 2.65)
  })
})

describe("Kernel: stop", () => {
  it("fills the rest at the stop when the low reaches it", () => {
    // stop = 1 × (1 − 0.2) = 0.8
    const s = series([
      [1, 1.1, 0.95, 1],
      [1, 1.05, 0.7, 0.75], // low 0.7 ≤ 0.8 → sell 1 at 0.8
      [0.75, 0.8, 0.5, 0.6]
    ])
    const t = run(s, { stopLoss: { pct: 0.2 } })
    expect(t.exit_reason).toBe("stop")
    expect(t.exit_ts).toBe(T0 + MIN)
    close(t.exit_price, 0.8)
    close(t.gross_pnl, -0.2) // 0.8 − 1
    close(t.return, -0.2)
    expect(t.hold_candles).toBe(1)
    close(t.max_adverse_excursion, -0.3) // 0.7 − 1
    expect(t.peak_multiple).toBe(1.1)
  })

  it("a gap through the stop fills at the open", () => {
    const s = series([
      [1, 1.1, 0.95, 0.9],
      [0.6, 0.65, 0.5, 0.55] // open 0.6 ≤ stop 0.8 → sell at 0.6, not 0.8
    ])
    const t = run(s, { stopLoss: { pct: 0.2 } })
    expect(t.exit_reason).toBe("stop")
    expect(t.exit_price).toBe(0.6)
    close(t.gross_pnl, -0.4)
  })

  it("on the entry candle the open does not count as a gap; the low does", () => {
    // entry candle: low 0.75 ≤ 0.8 → stop at 0.8 in candle 0 (hold 0)
    const t = run(series([[1, 1.02, 0.75, 0.9], [0.9, 1, 0.85, 0.95]]), { stopLoss: { pct: 0.2 } })
    expect(t.exit_reason).toBe("stop")
    expect(t.exit_ts).toBe(T0)
    expect(t.hold_candles).toBe(0)
    close(t.exit_price, 0.8)
  })
})

describe("Kernel: gaps over targets", () => {
  it("a gap over a target fills at the open", () => {
    const s = series([
      [1, 1.2, 0.9, 1.1],
      [1.8, 1.9, 1.7, 1.85], // open 1.8 ≥ 1.5 → 0.5 at 1.8 = 0.9; 2 not reached
      [2.5, 2.6, 2.4, 2.5] // open 2.5 ≥ 2 → 0.5 at 2.5 = 1.25
    ])
    const t = run(s, { exit: { targets: [{ multiple: 1.5, fraction: 0.5 }, { multiple: 2, fraction: 0.5 }] } })
    expect(t.fills.slice(1).map((f) => [f.ts, f.price, f.quantity])).toEqual([
      [T0 + MIN, 1.8, 0.5],
      [T0 + 2 * MIN, 2.5, 0.5]
    ])
    close(t.exit_price, 2.15) // (0.9 + 1.25) / 1
    close(t.gross_pnl, 1.15)
  })

  it("a gap over several targets fills them all at the open, in ladder order", () => {
    const s = series([[1, 1.2, 0.9, 1.1], [2.5, 2.6, 2.4, 2.5]])
    const t = run(s, { exit: { targets: [{ multiple: 1.5, fraction: 0.5 }, { multiple: 2, fraction: 0.5 }] } })
    expect(t.fills.slice(1).map((f) => [f.seq, f.price, f.quantity])).toEqual([[1, 2.5, 0.5], [2, 2.5, 0.5]])
    expect(t.exit_price).toBe(2.5)
  })
})

describe("Kernel: trailing stop", () => {
  // stop 0.7; trailing activates once the highest high ≥ 1 × 1.5, then stop = max(stop, highest × 0.8)
  const strategy = { stopLoss: { pct: 0.3 }, trailing: { activation: 0.5, pct: 0.2 } }
  const s = series([
    [1, 1.2, 0.95, 1.1], // highest 1.2 < 1.5: stop stays 0.7
    [1.1, 1.6, 1.2, 1.5], // low 1.2 > 0.7: no exit; after: highest 1.6 → stop 1.28 (from the next candle)
    [1.5, 2.0, 1.3, 1.9], // low 1.3 > 1.28; after: highest 2.0 → stop 1.6
    [1.9, 1.95, 1.7, 1.8], // low 1.7 > 1.6; 1.95 × 0.8 = 1.56 < 1.6: the stop never goes down
    [1.7, 1.75, 1.5, 1.55], // low 1.5 ≤ 1.6 → sell at 1.6 (1.56 if it had ratcheted down)
    [1.55, 1.6, 1.4, 1.5]
  ])

  it("activates, ratchets up only, applies from the next candle, exits as trailing_stop", () => {
    const t = run(s, strategy)
    expect(t.exit_reason).toBe("trailing_stop")
    expect(t.exit_ts).toBe(T0 + 4 * MIN)
    close(t.exit_price, 1.6)
    close(t.gross_pnl, 0.6)
    expect(t.hold_candles).toBe(4)
    expect(t.peak_multiple).toBe(2)
  })

  it("a raised stop applies only from the next candle", () => {
    // c1 low 1.25 is below the stop 1.28 computed after c1, but c1 is judged against 0.7
    const s2 = series([[1, 1.2, 0.95, 1.1], [1.1, 1.6, 1.25, 1.5], [1.5, 1.55, 1.2, 1.3]])
    const t = run(s2, strategy)
    expect(t.exit_ts).toBe(T0 + 2 * MIN)
    expect(t.exit_reason).toBe("trailing_stop")
    close(t.exit_price, 1.28) // 1.6 × 0.8
  })

  it("exits as a plain stop when trailing never raised the stop", () => {
    // activation 0 is reached at once, but 1.2 × 0.5 = 0.6 < 0.7: the stop is not raised
    const s3 = series([[1, 1.2, 0.95, 1.1], [1.0, 1.1, 0.65, 0.7]])
    const t = run(s3, { stopLoss: { pct: 0.3 }, trailing: { activation: 0, pct: 0.5 } })
    expect(t.exit_reason).toBe("stop")
    close(t.exit_price, 0.7)
  })

  it("trailing without a stop loss", () => {
    // highest 1.6 ≥ 1.5 after c1 → stop 1.28; c2 low 1.2 → 1.28
    const s4 = series([[1, 1.2, 0.5, 1.1], [1.1, 1.6, 0.6, 1.5], [1.5, 1.55, 1.2, 1.3]])
    const t = run(s4, { trailing: { activation: 0.5, pct: 0.2 } })
    expect(t.exit_reason).toBe("trailing_stop")
    close(t.exit_price, 1.28)
  })
})

describe("Kernel: time exit and end of data", () => {
  it("time exit at the close of candle entry + maxHoldCandles (candles present, gaps skipped)", () => {
    // candles at minutes 0, 1, 10, 11: candle entry + 2 is the one at minute 10
    const s = series([[1, 1.1, 0.9, 1], [1, 1.2, 0.95, 1.1], [1.1, 1.3, 1.0, 1.25], [1.25, 1.4, 1.2, 1.3]], [0, 1, 10, 11])
    const t = run(s, { exit: { maxHoldCandles: 2 } })
    expect(t.exit_reason).toBe("time")
    expect(t.exit_ts).toBe(T0 + 10 * MIN)
    expect(t.exit_price).toBe(1.25)
    close(t.gross_pnl, 0.25)
    expect(t.hold_candles).toBe(2)
    expect(t.peak_multiple).toBe(1.3) // the held candles only (c3's 1.4 excluded)
  })

  it("end of data: the rest fills at the last close", () => {
    const s = series([[1, 1.1, 0.9, 1], [1, 1.25, 0.95, 1.1], [1.1, 1.15, 1.05, 1.3]])
    // target 1.2 × 0.5 in c1 = 0.6; the rest 0.5 × 1.3 = 0.65 at the end → 1.25
    const t = run(s, { exit: { targets: [{ multiple: 1.2, fraction: 0.5 }], maxHoldCandles: 5 } })
    expect(t.exit_reason).toBe("end_of_data")
    expect(t.exit_ts).toBe(T0 + 2 * MIN)
    close(t.exit_price, 1.25)
    close(t.gross_pnl, 0.25)
    expect(t.hold_candles).toBe(2)
  })

  it("reads only `length` candles of longer (reused) buffers", () => {
    const full = series([[1, 1, 1, 1], [1, 1, 1, 1.1], [1, 1.3, 1, 1.2], [9, 9, 9, 9], [9, 9, 9, 9]])
    const t = run({ ...full, length: 3 }, {})
    expect(t.exit_reason).toBe("end_of_data")
    expect(t.exit_ts).toBe(T0 + 2 * MIN)
    expect(t.exit_price).toBe(1.2)
    expect(t.peak_multiple).toBe(1.3)
  })

  it("a single-candle series exits at its own close", () => {
    const t = run(series([[1, 1.1, 0.9, 1.05]]), {})
    expect(t.exit_reason).toBe("end_of_data")
    expect(t.exit_price).toBe(1.05)
    expect(t.hold_candles).toBe(0)
  })
})

describe("Kernel: same-candle ambiguity", () => {
  // stop 0.8; c1 reaches both 0.7 (below the stop) and 1.6 (above target 1.5)
  const s = series([[1, 1.1, 0.9, 1], [1, 1.6, 0.7, 1], [1, 1, 1, 1]])

  it("stop-first sells everything at the stop", () => {
    const t = run(s, { stopLoss: { pct: 0.2 }, exit: { targets: [{ multiple: 1.5, fraction: 0.5 }] } })
    expect(t.fills.length).toBe(2)
    expect(t.exit_reason).toBe("stop")
    close(t.exit_price, 0.8)
  })

  it("target-first fills the reachable targets, then the rest at the stop", () => {
    const t = run(s, { stopLoss: { pct: 0.2 }, intrabar: "target-first", exit: { targets: [{ multiple: 1.5, fraction: 0.5 }] } })
    // 0.5 × 1.5 = 0.75, then 0.5 × 0.8 = 0.4 → 1.15
    expect(t.fills.slice(1).map((f) => [f.reason, f.quantity])).toEqual([["target", 0.5], ["stop", 0.5]])
    close(t.fills[2].price, 0.8)
    expect(t.exit_reason).toBe("stop")
    close(t.exit_price, 1.15)
    close(t.gross_pnl, 0.15)
  })

  it("target-first with a full ladder leaves nothing for the stop", () => {
    const t = run(s, { stopLoss: { pct: 0.2 }, intrabar: "target-first", exit: { targets: [{ multiple: 1.5, fraction: 1 }] } })
    expect(t.fills.length).toBe(2)
    expect(t.exit_reason).toBe("target")
    expect(t.exit_price).toBe(1.5)
  })
})

describe("Kernel: entry", () => {
  const s = series([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3], [4, 4, 4, 4], [5, 5, 5, 5]])

  it("never enters on a candle that opened before the alert", () => {
    expect(run(s, {}, alert("a", T0 + 30_000)).entry_ts).toBe(T0 + MIN)
    expect(run(s, {}, alert("a", T0 + 30_000)).entry_price).toBe(2)
    expect(run(s, {}, alert("a", T0 + MIN)).entry_ts).toBe(T0 + MIN) // opened exactly at the alert: used
    expect(run(s, {}, alert("a", T0 + MIN - 1)).entry_ts).toBe(T0 + MIN)
  })

  it("delayCandles shifts the earliest entry by whole intervals", () => {
    // alert at +30 s, delay 2 → earliest +2 min 30 s → the candle at +3 min
    expect(run(s, { entry: { delayCandles: 2 } }, alert("a", T0 + 30_000)).entry_ts).toBe(T0 + 3 * MIN)
    // with a gap: candles at 0, 1, 5 min; alert +30 s, delay 1 → earliest +1:30 → the candle at +5 min
    const gappy = series([[1, 1, 1, 1], [2, 2, 2, 2], [5, 5, 5, 5]], [0, 1, 5])
    const t = run(gappy, { entry: { delayCandles: 1 } }, alert("a", T0 + 30_000))
    expect(t.entry_ts).toBe(T0 + 5 * MIN)
    expect(t.entry_price).toBe(5)
  })

  it("no candle after the alert is a skip diagnostic", () => {
    const out = simulateAlert(s, alert("late", T0 + 4 * MIN + 1), compileStrategy(makeStrategy({})), 1)
    expect(out._tag).toBe("Skip")
    if (out._tag === "Skip") {
      expect(out.diagnostic).toMatchObject({ alert_id: "late", code: "no_candle_after_alert", level: "warning" })
    }
  })
})

describe("Kernel: fees and slippage", () => {
  it("takes slippage adversely on both sides and fees on every fill", () => {
    // feeBps 100 (1%), slippageBps 50 (0.5%), one target at 2 × entry
    // entry price 1 × 1.005 = 1.005; quantity 1 / 1.005; entry fee 1 × 0.01 = 0.01
    // target level 2 × 1.005 = 2.01; fill 2.01 × 0.995 = 1.99995; proceeds 1.99995 / 1.005 = 1.99
    // sell fee 1.99 × 0.01 = 0.0199; gross 0.99; fees 0.0299; net 0.9601
    const s = series([[1, 1.1, 0.95, 1.05], [1.05, 2.1, 1, 2]])
    const t = run(s, {
      exit: { targets: [{ multiple: 2, fraction: 1 }] },
      costs: { feeBps: 100, slippageBps: 50 }
    })
    close(t.entry_price, 1.005)
    close(t.quantity, 1 / 1.005)
    close(t.fills[0].fee, 0.01)
    close(t.exit_price, 1.99995)
    close(t.fills[1].fee, 0.0199)
    close(t.gross_pnl, 0.99)
    close(t.fees, 0.0299)
    close(t.net_pnl, 0.9601)
    close(t.return, 0.9601)
    // fill pnl adds up to the trade's net pnl: −0.01 + (1.99 − 0.0199 − 1)
    close(t.fills[0].pnl + t.fills[1].pnl, 0.9601)
  })

  it("scales with notional", () => {
    const s = series([[2, 2, 2, 2], [2, 3, 2, 3]])
    const t = run(s, { costs: { feeBps: 10 }, sizing: { notional: 50 } })
    // quantity 25; proceeds 25 × 3 = 75; fees 50 × 0.001 + 75 × 0.001 = 0.125; net 25 − 0.125
    expect(t.quantity).toBe(25)
    close(t.net_pnl, 24.875)
    close(t.return, 24.875 / 50)
  })
})
