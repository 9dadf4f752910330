/**
 * Seeded randomness (docs/DESIGN.md §7): one stream per alert, `seedrandom(`${seed}/${alert_id}`)`,
 * draws in a fixed order — 1: entry jitter, 2: entry slippage, 3…: each sell fill's slippage —
 * always taken in that order whenever any jitter is on. With every jitter 0 the seed changes nothing.
 */
import { describe, expect, it } from "@effect/vitest"
import seedrandom from "seedrandom"
import { alert, MIN, run, series, T0 } from "./fixtures.js"

// ten candles, open = 1, 2, …, 10 (high 2 × open so a 1.5× target always fills within the candle)
const s = series(Array.from({ length: 10 }, (_, i) => [i + 1, 2 * (i + 1), i + 1, i + 1] as const))
const draws = (seed: number | string, id: string, k: number) => {
  const rng = seedrandom(`${seed}/${id}`)
  return Array.from({ length: k }, () => rng())
}

describe("Randomness", () => {
  it("entry jitter: a seeded uniform integer in 0..jitterCandles (seeds 1 and 2 differ)", () => {
    const strategy = { entry: { jitterCandles: 5 } }
    // seedrandom("1/j1") first draw 0.2671… → ⌊0.2671 × 6⌋ = 1; seedrandom("2/j1") 0.3718… → 2
    const t1 = run(s, strategy, alert("j1"), 1)
    const t2 = run(s, strategy, alert("j1"), 2)
    expect(Math.floor(draws(1, "j1", 1)[0] * 6)).toBe(1)
    expect(t1.entry_ts).toBe(T0 + 1 * MIN)
    expect(t1.entry_price).toBe(2)
    expect(t2.entry_ts).toBe(T0 + 2 * MIN)
    expect(t2.entry_price).toBe(3)
  })

  it("slippage jitter: s = (slippageBps + u × slippageJitterBps) / 10⁴ on the entry (draw 2) and each sell (draw 3…)", () => {
    const strategy = {
      exit: { targets: [{ multiple: 1.5, fraction: 0.5 }, { multiple: 1.8, fraction: 0.5 }] },
      costs: { slippageBps: 10, slippageJitterBps: 100 }
    }
    for (const seed of [1, 2]) {
      const [, u2, u3, u4] = draws(seed, "j1", 4)
      const entry = 1 * (1 + (10 + u2 * 100) / 10_000)
      const t = run(s, strategy, alert("j1"), seed)
      expect(t.entry_price).toBe(entry)
      expect(t.fills[1].price).toBe(entry * 1.5 * (1 - (10 + u3 * 100) / 10_000))
      expect(t.fills[2].price).toBe(entry * 1.8 * (1 - (10 + u4 * 100) / 10_000))
    }
    expect(run(s, strategy, alert("j1"), 1).net_pnl).not.toBe(run(s, strategy, alert("j1"), 2).net_pnl)
  })

  it("the jitter draw is always taken first, so turning entry jitter on does not shift the slippage draws", () => {
    const slipOnly = run(s, { costs: { slippageJitterBps: 100 } }, alert("j1"), 1)
    const both = run(s, { entry: { jitterCandles: 5 }, costs: { slippageJitterBps: 100 } }, alert("j1"), 1)
    const u2 = draws(1, "j1", 2)[1]
    expect(slipOnly.entry_price / 1).toBe(1 + (u2 * 100) / 10_000)
    expect(both.entry_price / 2).toBeCloseTo(1 + (u2 * 100) / 10_000, 14) // entered on candle 1 (open 2)
  })

  it("streams are per alert: another alert id gives another draw", () => {
    const strategy = { costs: { slippageJitterBps: 100 } }
    expect(run(s, strategy, alert("a"), 1).entry_price).not.toBe(run(s, strategy, alert("b"), 1).entry_price)
  })

  it("with every jitter 0 the seed changes nothing", () => {
    const strategy = {
      exit: { targets: [{ multiple: 1.5, fraction: 0.5 }] },
      stopLoss: { pct: 0.3 },
      entry: { delayCandles: 1 },
      costs: { feeBps: 25, slippageBps: 10 }
    }
    const a = run(s, strategy, alert("j1"), 1)
    expect(run(s, strategy, alert("j1"), 2)).toEqual(a)
    expect(run(s, strategy, alert("j1"), "another seed")).toEqual(a)
    expect(a.entry_price).toBe(2 * 1.001)
  })
})
