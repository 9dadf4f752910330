/**
 * The optimized kernel against a literal, step-by-step reading of docs/DESIGN.md §7 (no fast path, one
 * rule per line) on seeded random candles and strategies, plus invariants every trade must satisfy.
 */
import { describe, expect, it } from "@effect/vitest"
import seedrandom from "seedrandom"
import type { CandleSeries, SimAlert, Strategy, StrategyEncoded } from "../../nodes/simulate/index.js"
import { compileStrategy, makeCandleSeries, makeStrategy, simulateAlert } from "../../nodes/simulate/index.js"
import { MIN, T0 } from "./fixtures.js"

interface RefFill {
  ts: number
  price: number
  quantity: number
  reason: string
}

/** §7, literally. Returns null when there is no entry candle. */
const reference = (s: CandleSeries, a: SimAlert, st: Strategy, seed: number) => {
  const jit = st.entry.jitterCandles > 0 || st.costs.slippageJitterBps > 0
  const rng = jit ? seedrandom(`${seed}/${a.alert_id}`) : () => 0
  const draw = () => rng()
  const jitter = Math.floor(draw() * (st.entry.jitterCandles + 1))
  const slip = () => (st.costs.slippageBps + draw() * st.costs.slippageJitterBps) / 10_000
  const earliest = a.alert_ts + (st.entry.delayCandles + jitter) * s.intervalMs
  let e = -1
  for (let i = 0; i < s.length; i++) {
    if (s.ts[i] >= earliest) {
      e = i
      break
    }
  }
  if (e < 0) return null
  const entry = s.open[e] * (1 + slip())
  const Q = st.sizing.notional / entry
  let remaining = Q
  let stop = st.stopLoss ? entry * (1 - st.stopLoss.pct) : -Infinity
  let raised = false
  const targets = st.exit.targets.map((t) => ({ level: entry * t.multiple, fraction: t.fraction, done: false }))
  const sellsAll = targets.length > 0 && targets.reduce((x, t) => x + t.fraction, 0) >= 1 - 1e-9
  const fills: Array<RefFill> = []
  const sell = (ts: number, level: number, quantity: number, reason: string) => {
    fills.push({ ts, price: level * (1 - slip()), quantity, reason })
    remaining -= quantity
  }
  const sellTarget = (k: number, ts: number, level: number) => {
    const last = k === targets.length - 1 && sellsAll
    targets[k].done = true
    sell(ts, level, last ? remaining : targets[k].fraction * Q, "target")
    if (last) remaining = 0
  }
  const pending = () => targets.findIndex((t) => !t.done)
  let highest = -Infinity
  let exitIndex = -1
  for (let i = e; i < s.length && exitIndex < 0; i++) {
    const [ts, o, h, l, c] = [s.ts[i], s.open[i], s.high[i], s.low[i], s.close[i]]
    highest = Math.max(highest, h)
    const stopReason = raised ? "trailing_stop" : "stop"
    // 1.
    if (i > e) {
      if (o <= stop) {
        sell(ts, o, remaining, stopReason)
        exitIndex = i
        break
      }
      for (let k = pending(); k >= 0 && targets[k].level <= o; k = pending()) sellTarget(k, ts, o)
      if (remaining <= 0) {
        exitIndex = i
        break
      }
    }
    const next = pending()
    // 2.
    if (l <= stop && next >= 0 && h >= targets[next].level) {
      if (st.intrabar === "target-first") {
        for (let k = pending(); k >= 0 && targets[k].level <= h; k = pending()) sellTarget(k, ts, targets[k].level)
      }
      if (remaining > 0) sell(ts, stop, remaining, stopReason)
      exitIndex = i
      break
    }
    // 3.
    if (l <= stop) {
      sell(ts, stop, remaining, stopReason)
      exitIndex = i
      break
    }
    for (let k = pending(); k >= 0 && targets[k].level <= h; k = pending()) sellTarget(k, ts, targets[k].level)
    if (remaining <= 0) {
      exitIndex = i
      break
    }
    // 4.
    if (st.trailing && highest >= entry * (1 + st.trailing.activation)) {
      const trail = highest * (1 - st.trailing.pct)
      if (trail > stop) {
        stop = trail
        raised = true
      }
    }
    // 5.
    if (st.exit.maxHoldCandles !== undefined && i === e + st.exit.maxHoldCandles) {
      sell(ts, c, remaining, "time")
      exitIndex = i
    }
  }
  if (exitIndex < 0) {
    exitIndex = s.length - 1
    sell(s.ts[exitIndex], s.close[exitIndex], remaining, "end_of_data")
  }
  return { entryIndex: e, entry, Q, fills, exitIndex }
}

const randomCase = (k: number) => {
  const r = seedrandom(`reference/${k}`)
  const n = 1 + Math.floor(r() * 60)
  const candles = []
  let p = 1
  let t = 0
  for (let i = 0; i < n; i++) {
    const o = r() < 0.1 ? p * (0.6 + r() * 0.9) : p // occasional gaps
    const c = o * Math.exp((r() - 0.5) * 0.3)
    candles.push({
      ts: T0 + t * MIN,
      open: o,
      high: Math.max(o, c) * (1 + r() * 0.1),
      low: Math.min(o, c) * (1 - r() * 0.1),
      close: c
    })
    p = c
    t += r() < 0.15 ? 2 + Math.floor(r() * 5) : 1 // occasional missing candles
  }
  const nTargets = Math.floor(r() * 4)
  const fr = Array.from({ length: nTargets }, () => 0.1 + r())
  const full = r() < 0.5
  const frSum = fr.reduce((a, b) => a + b, 0) * (full ? 1 : 1.3)
  let m = 1
  const strategy: StrategyEncoded = {
    entry: { delayCandles: Math.floor(r() * 3), jitterCandles: r() < 0.3 ? Math.floor(r() * 3) : 0 },
    exit: {
      targets: fr.map((f) => ({ multiple: (m += 0.05 + r() * 0.4), fraction: f / frSum })),
      ...(r() < 0.5 ? { maxHoldCandles: 1 + Math.floor(r() * 30) } : {})
    },
    ...(r() < 0.7 ? { stopLoss: { pct: 0.05 + r() * 0.4 } } : {}),
    ...(r() < 0.5 ? { trailing: { activation: r() * 0.5, pct: 0.05 + r() * 0.3 } } : {}),
    intrabar: r() < 0.5 ? "stop-first" : "target-first",
    costs: { feeBps: r() * 50, slippageBps: r() * 30, slippageJitterBps: r() < 0.3 ? r() * 30 : 0 },
    sizing: { notional: 0.5 + r() * 10 }
  }
  const alertTs = T0 + Math.floor(r() * (t + 2) * MIN) - MIN
  return { series: makeCandleSeries(candles, MIN), strategy: makeStrategy(strategy), alert: { alert_id: `a${k}`, alert_ts: alertTs, chain: "c", mint: "m", caller: null } }
}

const near = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b))

describe("Kernel vs a literal reading of §7", () => {
  it("agrees on 2,000 random cases, and every trade satisfies the invariants", () => {
    let trades = 0
    const reasons = new Set<string>()
    const errors: Array<string> = []
    const check = (k: number, ok: boolean, what: string) => {
      if (!ok) errors.push(`case ${k}: ${what}`)
    }
    for (let k = 0; k < 2000 && errors.length < 10; k++) {
      const { series, strategy, alert } = randomCase(k)
      const out = simulateAlert(series, alert, compileStrategy(strategy), 11)
      const ref = reference(series, alert, strategy, 11)
      if (ref === null || out._tag !== "Trade") {
        check(k, ref === null && out._tag === "Skip", `kernel ${out._tag}, reference ${ref === null ? "skip" : "trade"}`)
        continue
      }
      trades++
      const t = out.trade
      reasons.add(t.exit_reason)
      check(k, t.entry_ts === series.ts[ref.entryIndex] && t.entry_ts >= alert.alert_ts, "entry candle")
      check(k, t.entry_price === ref.entry, "entry price")
      check(k, t.hold_candles === ref.exitIndex - ref.entryIndex, "hold candles")
      const sells = t.fills.slice(1)
      check(
        k,
        JSON.stringify(sells.map((f) => [f.ts, f.reason])) === JSON.stringify(ref.fills.map((f) => [f.ts, f.reason])),
        `fills ${JSON.stringify(sells)} vs reference ${JSON.stringify(ref.fills)}`
      )
      sells.forEach((f, i) => {
        check(k, ref.fills[i] !== undefined && near(f.price, ref.fills[i].price), `fill ${i} price`)
        check(k, ref.fills[i] !== undefined && near(f.quantity, ref.fills[i].quantity), `fill ${i} quantity`)
      })
      // invariants
      check(k, near(sells.reduce((a, f) => a + f.quantity, 0), t.quantity), "sold quantity = bought quantity")
      check(k, t.exit_reason === sells[sells.length - 1].reason, "exit reason = last fill's")
      check(k, near(t.net_pnl, t.gross_pnl - t.fees), "net = gross − fees")
      check(k, near(t.fills.reduce((a, f) => a + f.pnl, 0), t.net_pnl, 1e-10), "fill pnl adds up to net pnl")
      check(k, near(t.fees, t.fills.reduce((a, f) => a + f.fee, 0)), "fees add up")
      check(k, t.max_adverse_excursion <= 0 && t.exit_ts >= t.entry_ts, "mae ≤ 0, exit after entry")
      for (let i = 1; i < t.fills.length; i++) check(k, t.fills[i].ts >= t.fills[i - 1].ts, "fills in time order")
    }
    expect(errors).toEqual([])
    expect(trades).toBeGreaterThan(1300)
    expect([...reasons].sort()).toEqual(["end_of_data", "stop", "target", "time", "trailing_stop"])
  })

  it("is deterministic: the same inputs give the same trade", () => {
    for (let k = 0; k < 50; k++) {
      const { series, strategy, alert } = randomCase(k)
      expect(simulateAlert(series, alert, compileStrategy(strategy), 5)).toEqual(simulateAlert(series, alert, compileStrategy(strategy), 5))
    }
  })
})
