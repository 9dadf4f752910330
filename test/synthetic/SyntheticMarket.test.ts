/**
 * The pure model: determinism per token, prefix stability, independent streams, exact pump and
 * dump paths, valid candles, gaps, mints.
 */
import { describe, expect, it } from "@effect/vitest"
import { makeSyntheticConfig, type SyntheticConfig, SyntheticMarket as M } from "../../nodes/synthetic/index.js"

const base = makeSyntheticConfig({ tokens: 8, days: 2, seed: 42 })

const candlesOf = (config: SyntheticConfig, index: number) => {
  const buffers = M.makeCandleBuffers(config)
  const n = M.generateCandles(config, M.planToken(config, index), buffers)
  return {
    n,
    slot: Array.from(buffers.slot.subarray(0, n)),
    open: Array.from(buffers.open.subarray(0, n)),
    high: Array.from(buffers.high.subarray(0, n)),
    low: Array.from(buffers.low.subarray(0, n)),
    close: Array.from(buffers.close.subarray(0, n)),
    volume: Array.from(buffers.volume.subarray(0, n))
  }
}

describe("SyntheticMarket", () => {
  it("is deterministic per token and independent of other tokens' generation", () => {
    const a = candlesOf(base, 3)
    // Generate other tokens into the same reused buffers in between: no state leaks.
    const buffers = M.makeCandleBuffers(base)
    M.generateCandles(base, M.planToken(base, 5), buffers)
    const b = candlesOf(base, 3)
    expect(b).toEqual(a)
    expect(candlesOf(base, 4)).not.toEqual(a)
    expect(candlesOf({ ...base, seed: 43 }, 3)).not.toEqual(a)
  })

  it("produces valid, strictly increasing candles with gaps and zero-volume flats", () => {
    let gaps = 0
    let flats = 0
    let total = 0
    let violations = 0
    for (let token = 0; token < base.tokens; token++) {
      const c = candlesOf(base, token)
      total += c.n
      expect(c.slot[0]).toBe(0)
      for (let j = 0; j < c.n; j++) {
        const ok =
          c.open[j] > 0 && c.close[j] > 0 && c.low[j] > 0 &&
          c.low[j] <= Math.min(c.open[j], c.close[j]) &&
          c.high[j] >= Math.max(c.open[j], c.close[j]) &&
          c.volume[j] >= 0 && Number.isFinite(c.high[j]) && Number.isFinite(c.volume[j]) &&
          (j === 0 || c.slot[j] > c.slot[j - 1])
        if (!ok) violations++
        if (j > 0 && c.slot[j] > c.slot[j - 1] + 1) gaps++
        if (c.volume[j] === 0) {
          flats++
          if (!(c.open[j] === c.high[j] && c.high[j] === c.low[j] && c.low[j] === c.close[j])) violations++
        }
      }
    }
    expect(violations).toBe(0)
    expect(gaps).toBeGreaterThan(0)
    expect(flats).toBeGreaterThan(0)
    // Most slots have a candle, not all.
    expect(total).toBeGreaterThan(0.5 * base.tokens * 2 * 1440)
    expect(total).toBeLessThan(base.tokens * 2 * 1440)
  })

  it("takes pumps and dumps exactly to their planned multiple, with no missing candle inside", () => {
    let pumps = 0
    let dumps = 0
    for (let token = 0; token < base.tokens; token++) {
      const plan = M.planToken(base, token)
      const c = candlesOf(base, token)
      const at = new Map(c.slot.map((s, j) => [s, j]))
      for (const regime of plan.regimes) {
        if (regime.kind !== M.PUMP && regime.kind !== M.DUMP) continue
        if (regime.start + regime.length > M.slotCount(base)) continue
        const first = at.get(regime.start)
        const last = at.get(regime.start + regime.length - 1)
        expect(first).toBeDefined()
        expect(last! - first!).toBe(regime.length - 1)
        const ratio = c.close[last!] / c.open[first!]
        expect(ratio).toBeCloseTo(Math.exp(regime.target), 9)
        if (regime.kind === M.PUMP) {
          pumps++
          expect(ratio).toBeGreaterThanOrEqual(2 - 1e-9)
          expect(ratio).toBeLessThanOrEqual(20 + 1e-9)
        } else {
          dumps++
          expect(ratio).toBeLessThan(1)
        }
      }
      // The plan's pump list is the PUMP regimes.
      expect(plan.pumps.map((p) => p.startSlot)).toEqual(
        plan.regimes.filter((r) => r.kind === M.PUMP).map((r) => r.start)
      )
    }
    expect(pumps).toBeGreaterThan(3)
    expect(dumps).toBeGreaterThan(1)
  })

  it("keeps earlier candles and alerts when the window gets longer", () => {
    const longer = { ...base, days: 4 }
    for (const token of [0, 1, 2]) {
      const short = candlesOf(base, token)
      const long = candlesOf(longer, token)
      expect(long.n).toBeGreaterThan(short.n)
      expect(long.slot.slice(0, short.n)).toEqual(short.slot)
      expect(long.close.slice(0, short.n)).toEqual(short.close)
      expect(long.volume.slice(0, short.n)).toEqual(short.volume)
      const mint = M.mintFor(base.seed, token)
      const a = M.tokenAlerts(base, M.planToken(base, token), mint)
      const b = M.tokenAlerts(longer, M.planToken(longer, token), mint)
      expect(b.slice(0, a.length)).toEqual(a)
    }
  })

  it("draws alerts from their own streams: the false alarm rate changes neither candles nor pump alerts", () => {
    const noFalse = { ...base, falseAlarmRate: 0 }
    const manyFalse = { ...base, falseAlarmRate: 0.8 }
    let falseAlarms = 0
    for (let token = 0; token < base.tokens; token++) {
      expect(candlesOf(noFalse, token)).toEqual(candlesOf(manyFalse, token))
      const mint = M.mintFor(base.seed, token)
      const a = M.tokenAlerts(noFalse, M.planToken(noFalse, token), mint)
      const b = M.tokenAlerts(manyFalse, M.planToken(manyFalse, token), mint)
      expect(a.every((x) => x.pumpStartMs !== null)).toBe(true)
      const strip = (xs: typeof a) => xs.filter((x) => x.pumpStartMs !== null).map(({ alert_id: _, ...rest }) => rest)
      expect(strip(b)).toEqual(strip(a))
      falseAlarms += b.length - a.length
    }
    expect(falseAlarms).toBeGreaterThan(0)
  })

  it("places pump alerts within the lead/lag window of the pump's first candle", () => {
    const startMs = M.startMsOf(base)
    for (let token = 0; token < base.tokens; token++) {
      const plan = M.planToken(base, token)
      const alerts = M.tokenAlerts(base, plan, M.mintFor(base.seed, token))
      expect(alerts.map((a) => a.alert_id)).toEqual(alerts.map((_, k) => `syn-42-${token}-${k}`))
      for (const alert of alerts) {
        expect(alert.alert_ts % 1000).toBe(0)
        expect(M.CALLERS).toContain(alert.caller)
        if (alert.pumpStartMs === null) continue
        expect(plan.pumps.some((p) => startMs + p.startSlot * 60_000 === alert.pumpStartMs)).toBe(true)
        expect(alert.alert_ts - alert.pumpStartMs).toBeGreaterThanOrEqual(-base.alertLeadS * 1000)
        expect(alert.alert_ts - alert.pumpStartMs).toBeLessThanOrEqual(base.alertLagS * 1000)
      }
    }
  })

  it("derives unique base58 mints and sorts the generation order by mint", () => {
    const { mints, order } = M.mintsAndOrder(9, 500)
    expect(new Set(mints).size).toBe(500)
    for (const mint of mints) expect(mint).toMatch(/^[1-9A-HJ-NP-Za-km-z]{44}$/)
    expect(mints[17]).toBe(M.mintFor(9, 17))
    expect(M.mintFor(9, 17)).toBe(M.mintFor(9, 17))
    expect(M.mintFor(10, 17)).not.toBe(M.mintFor(9, 17))
    const sorted = Array.from(order, (i) => mints[i])
    expect(sorted).toEqual([...mints].sort())
    expect(mints.filter((m) => m.endsWith("pump")).length).toBeGreaterThan(200)
  })

  it("scales to other candle intervals", () => {
    const fiveMinute = makeSyntheticConfig({ tokens: 2, days: 3, seed: 1, intervalS: 300 })
    const c = candlesOf(fiveMinute, 0)
    expect(M.slotCount(fiveMinute)).toBe(864)
    expect(c.n).toBeGreaterThan(400)
    expect(c.slot[c.n - 1]).toBeLessThan(864)
  })
})
