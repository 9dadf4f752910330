/**
 * The mark-to-market curve against a case worked by hand: one position open over several candles
 * with a partial exit, a second one on a mint with a missing candle (its latest close is kept).
 *
 * Fees 1% of each fill's notional, initial capital 100, candles one minute apart (t0 … t4).
 *
 * a: notional 10 at 2 → quantity 5; entry fee 0.1. At t2 sells 2 at 3 (value 6, fee 0.06, basis
 *    10 × 2/5 = 4, pnl 1.94); at t4 sells the last 3 at 2.4 (value 7.2, fee 0.072, basis 6,
 *    pnl 1.128). Closes: t0 2.2, t1 2.5, t2 2.8, t3 2.6.
 * b: notional 10 at 1 → quantity 10; entry at t1 (fee 0.1); at t4 sells 10 at 1.5 (value 15,
 *    fee 0.15, basis 10, pnl 4.85). Closes: t1 1.2, no candle at t2, t3 0.9.
 *
 * Realised: t0 99.9 · t1 99.8 · t2 101.74 · t4 102.868 then 107.718.
 * Mark-to-market (realised + remaining × close − remaining cost):
 *   t0 99.9 + (5 × 2.2 − 10)                      = 100.9
 *   t1 99.8 + (5 × 2.5 − 10) + (10 × 1.2 − 10)    = 104.3
 *   t2 101.74 + (3 × 2.8 − 6) + (10 × 1.2 − 10)   = 106.14   (b keeps its t1 close)
 *   t3 101.74 + (3 × 2.6 − 6) + (10 × 0.9 − 10)   = 102.54
 *   t4 107.718 (both closed)
 */
import { describe, expect, it } from "vitest"
import { markToMarketCurve, maxDrawdownOf, type MtmPosition } from "../../nodes/report/index.js"

const MIN = 60_000
const t = (k: number) => Date.parse("2024-01-01T00:00:00Z") + k * MIN

const positions: Array<MtmPosition> = [
  { entryTs: t(0), exitTs: t(4), notional: 10, quantity: 5, partialSells: [{ ts: t(2), quantity: 2 }] },
  { entryTs: t(1), exitTs: t(4), notional: 10, quantity: 10, partialSells: [] }
]

const realised = [
  { ts: t(0), equity: 99.9, open_positions: 1 },
  { ts: t(1), equity: 99.8, open_positions: 2 },
  { ts: t(2), equity: 101.74, open_positions: 2 },
  { ts: t(4), equity: 102.868, open_positions: 1 },
  { ts: t(4), equity: 107.718, open_positions: 0 }
]

/** (time, trade, close) in (time, trade) order; the exit candle t4 is not a mark. */
const rows: Array<[number, number, number]> = [
  [t(0), 0, 2.2],
  [t(1), 0, 2.5],
  [t(1), 1, 1.2],
  [t(2), 0, 2.8],
  [t(3), 0, 2.6],
  [t(3), 1, 0.9]
]
const marks = {
  length: rows.length,
  ts: rows.map((r) => r[0]),
  trade: rows.map((r) => r[1]),
  close: rows.map((r) => r[2])
}

describe("markToMarketCurve", () => {
  const curve = markToMarketCurve(100, positions, realised, marks)

  it("values open positions at each candle's close: one point per candle time, worked by hand", () => {
    expect(curve.map((p) => p.ts)).toEqual([t(0), t(1), t(2), t(3), t(4)])
    const expected = [100.9, 104.3, 106.14, 102.54, 107.718]
    curve.forEach((p, i) => expect(p.equity).toBeCloseTo(expected[i], 10))
    expect(curve.map((p) => p.open_positions)).toEqual([1, 2, 2, 2, 0])
  })

  it("drawdown from the running peak of the marked curve (the realised one never sees it)", () => {
    expect(curve[0].drawdown).toBe(0)
    expect(curve[2].drawdown).toBe(0)
    expect(curve[3].drawdown).toBeCloseTo(1 - 102.54 / 106.14, 12)
    expect(curve[4].drawdown).toBe(0)
    expect(maxDrawdownOf(curve)).toBeCloseTo(3.6 / 106.14, 12)
    // realised: only the entry fees dipped below the initial capital
    expect(1 - 99.8 / 100).toBeLessThan(maxDrawdownOf(curve))
  })

  it("ends at the realised equity once every position is closed", () => {
    expect(curve[curve.length - 1].equity).toBe(realised[realised.length - 1].equity)
  })

  it("a partial exit moves value from the open part to the realised part without a jump at that close", () => {
    // At t2 with a's close equal to its sell price (3), selling 2 changes equity only by the fee.
    const atSellPrice = { ...marks, close: marks.close.map((c, i) => (i === 3 ? 3 : c)) }
    const before = markToMarketCurve(100, [{ ...positions[0], partialSells: [] }, positions[1]], [
      ...realised.slice(0, 2),
      { ts: t(2), equity: 99.8, open_positions: 2 },
      ...realised.slice(3)
    ], atSellPrice)
    const after = markToMarketCurve(100, positions, realised, atSellPrice)
    expect(after[2].equity - before[2].equity).toBeCloseTo(-0.06, 10)
  })

  it("the marks' order does not matter: any permutation gives the same numbers", () => {
    for (const order of [[5, 4, 3, 2, 1, 0], [3, 0, 5, 1, 4, 2], [2, 5, 0, 3, 1, 4]]) {
      const shuffled = {
        length: marks.length,
        ts: order.map((k) => marks.ts[k]),
        trade: order.map((k) => marks.trade[k]),
        close: order.map((k) => marks.close[k])
      }
      const again = markToMarketCurve(100, positions, realised, shuffled)
      expect(again.map((p) => p.equity)).toEqual(curve.map((p) => p.equity))
      expect(again).toEqual(curve)
    }
  })

  it("is the same for the same input, and empty without fills", () => {
    expect(markToMarketCurve(100, positions, realised, marks)).toEqual(curve)
    expect(markToMarketCurve(100, [], [], { length: 0, ts: [], trade: [], close: [] })).toEqual([])
  })
})
