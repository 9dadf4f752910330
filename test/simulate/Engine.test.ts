/**
 * The driver: routing by (chain, mint), every diagnostic code, the position limit, output order and
 * independence from the order mints arrive in.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Stream } from "effect"
import type { MintSeries, SimulationConfig } from "../../nodes/simulate/index.js"
import {
  DuplicateMintSeries,
  makeCandleSeries,
  makeSimulation,
  makeStrategy,
  runSimulation,
  runSimulationSync,
  simulateMint
} from "../../nodes/simulate/index.js"
import { alert, MIN, series, T0 } from "./fixtures.js"

/** Flat candles (price 1) at minutes 0..n-1: every trade runs to its time exit or the end. */
const flat = (n: number) => series(Array.from({ length: n }, () => [1, 1, 1, 1] as const))
const mint = (m: string, s = flat(10), chain = "solana"): MintSeries => ({ chain, mint: m, series: s })

describe("Engine: position limit", () => {
  // every trade holds 2 candles (maxHoldCandles 2): entry at t, exit at t + 2 min
  // A: [0, 2], B: [1, 3], C: [2, 4], D: [3, 5]   (minutes)
  const alerts = [
    alert("A", T0, "mA"),
    alert("B", T0 + 1 * MIN, "mB"),
    alert("C", T0 + 2 * MIN, "mC"),
    alert("D", T0 + 3 * MIN, "mD")
  ]
  const mints = [mint("mA"), mint("mB"), mint("mC"), mint("mD")]
  const config = (maxOpenPositions: number): SimulationConfig => ({
    alerts,
    seed: 1,
    strategy: makeStrategy({ exit: { maxHoldCandles: 2 }, sizing: { maxOpenPositions } })
  })

  it("limit 1: B (A open) and C (A exits in the candle C enters on: the slot is not yet free) are skipped", () => {
    const out = runSimulationSync(config(1), mints)
    expect(out.trades.map((t) => [t.trade_id, t.entry_ts - T0, t.exit_ts - T0])).toEqual([
      ["A", 0, 2 * MIN],
      ["D", 3 * MIN, 5 * MIN]
    ])
    expect(out.diagnostics.map((d) => [d.alert_id, d.code, d.level])).toEqual([
      ["B", "position_limit", "warning"],
      ["C", "position_limit", "warning"]
    ])
  })

  it("limit 2: C is skipped (A and B open at minute 2), D enters (A closed, B still open)", () => {
    const out = runSimulationSync(config(2), mints)
    expect(out.trades.map((t) => t.trade_id)).toEqual(["A", "B", "D"])
    expect(out.diagnostics.map((d) => [d.alert_id, d.code])).toEqual([["C", "position_limit"]])
  })

  it("no limit: all four trade", () => {
    const out = runSimulationSync({ ...config(1), strategy: makeStrategy({ exit: { maxHoldCandles: 2 } }) }, mints)
    expect(out.trades.map((t) => t.trade_id)).toEqual(["A", "B", "C", "D"])
    expect(out.diagnostics).toEqual([])
  })

  it("admits by entry time: a later alert that enters earlier takes the slot first", () => {
    // A alerts at 0 but mA's first candle is at minute 5 → A enters at 5 (exits 7);
    // B alerts at 1 on mB and enters at 1 (exits 3). Limit 1: B is open 1..3, A enters at 5 → both trade.
    const mA = mint("mA", series(Array.from({ length: 5 }, () => [1, 1, 1, 1] as const), [5, 6, 7, 8, 9]))
    const out = runSimulationSync(
      { alerts: [alert("A", T0, "mA"), alert("B", T0 + MIN, "mB")], seed: 1, strategy: makeStrategy({ exit: { maxHoldCandles: 2 }, sizing: { maxOpenPositions: 1 } }) },
      [mA, mint("mB")]
    )
    expect(out.trades.map((t) => [t.trade_id, (t.entry_ts - T0) / MIN, (t.exit_ts - T0) / MIN])).toEqual([["B", 1, 3], ["A", 5, 7]])
    expect(out.diagnostics).toEqual([])
  })

  it("is the same whatever order the mints arrive in", () => {
    const a = runSimulationSync(config(1), mints)
    const b = runSimulationSync(config(1), [...mints].reverse())
    expect(b).toEqual(a)
    const c = runSimulationSync({ ...config(1), alerts: [...alerts].reverse() }, mints)
    expect(c).toEqual(a)
  })
})

describe("Engine: diagnostics", () => {
  it("emits every skip code, sorted by (alert_id, code)", () => {
    const out = runSimulationSync(
      {
        alerts: [
          alert("z-ok", T0, "m1"),
          alert("y-nocandles", T0, "unknown-mint"),
          alert("x-empty", T0, "empty-mint"),
          alert("w-before", T0 - 1, "m1"),
          alert("v-at-to", T0 + 60 * MIN, "m1"), // `to` itself is out of range
          alert("dup", T0, "m1"),
          alert("dup", T0 + MIN, "m1"),
          alert("u-late", T0 + 9 * MIN + 1, "m1"), // after the last candle (minute 9)
          alert("t-limit", T0 + MIN, "m2"),
          alert("s-otherchain", T0, "m1", "ethereum") // same mint name, other chain: no series
        ],
        seed: 7,
        dateRange: { from: T0, to: T0 + 60 * MIN },
        strategy: makeStrategy({ sizing: { maxOpenPositions: 2 } })
      },
      [mint("m1"), mint("m2"), mint("empty-mint", makeCandleSeries([], MIN))]
    )
    expect(out.diagnostics.map((d) => [d.alert_id, d.code, d.level])).toEqual([
      ["dup", "duplicate_alert_id", "warning"],
      ["s-otherchain", "no_candles", "warning"],
      ["t-limit", "position_limit", "warning"],
      ["u-late", "no_candle_after_alert", "warning"],
      ["v-at-to", "out_of_range", "info"],
      ["w-before", "out_of_range", "info"],
      ["x-empty", "no_candles", "warning"],
      ["y-nocandles", "no_candles", "warning"]
    ])
    // the first "dup" (earliest) is kept; both kept trades run to the end of m1's data
    expect(out.trades.map((t) => t.trade_id)).toEqual(["dup", "z-ok"])
    expect(out.trades[0].alert_ts).toBe(T0)
    for (const d of out.diagnostics) expect(d.message.length).toBeGreaterThan(0)
    expect(out.diagnostics.find((d) => d.alert_id === "s-otherchain")?.message).toContain("ethereum/m1")
  })

  it("candles outside the date range still finish trades that started inside it", () => {
    const out = runSimulationSync(
      {
        alerts: [alert("a", T0 + MIN, "m1")],
        seed: 1,
        dateRange: { from: T0, to: T0 + 2 * MIN },
        strategy: makeStrategy({})
      },
      [mint("m1")]
    )
    expect(out.trades[0].exit_ts).toBe(T0 + 9 * MIN)
    expect(out.trades[0].exit_reason).toBe("end_of_data")
  })
})

describe("Engine: driver", () => {
  it("lists the wanted mints sorted by (chain, mint), ignores unwanted series, rejects a repeated one", () => {
    const sim = makeSimulation({
      alerts: [alert("a", T0, "mB"), alert("b", T0, "mA"), alert("c", T0, "mA", "eth")],
      seed: 1,
      strategy: makeStrategy({})
    })
    expect(sim.wanted).toEqual([
      { chain: "eth", mint: "mA", alerts: 1 },
      { chain: "solana", mint: "mA", alerts: 1 },
      { chain: "solana", mint: "mB", alerts: 1 }
    ])
    expect(sim.add(mint("nobody"))._tag).toBe("Right")
    expect(sim.mintsDone()).toBe(0)
    expect(sim.add(mint("mA"))._tag).toBe("Right")
    expect(sim.add(mint("mA"))._tag).toBe("Left")
    expect(sim.mintsDone()).toBe(1)
  })

  it("simulateMint sorts trades by (entry_ts, trade_id)", () => {
    const out = simulateMint(flat(5), [alert("b", T0 + MIN), alert("c", T0), alert("a", T0 + MIN)], makeStrategy({}), 1)
    expect(out.trades.map((t) => t.trade_id)).toEqual(["c", "a", "b"])
  })

  it.effect("runSimulation consumes a stream, reports progress, and equals the sync driver", () =>
    Effect.gen(function*() {
      const config: SimulationConfig = {
        alerts: [alert("a", T0, "m1"), alert("b", T0 + MIN, "m2"), alert("c", T0, "m3")],
        seed: 3,
        strategy: makeStrategy({ exit: { maxHoldCandles: 3 }, costs: { slippageJitterBps: 20 } })
      }
      const mints = [mint("m2"), mint("m1"), mint("m3")]
      const progress: Array<[number, number]> = []
      const out = yield* runSimulation(
        config,
        Stream.fromIterable(mints),
        (done, total) => Effect.sync(() => void progress.push([done, total]))
      )
      expect(progress).toEqual([[1, 3], [2, 3], [3, 3]])
      expect(out).toEqual(runSimulationSync(config, mints))
      expect(out.trades.length).toBe(3)

      const dup = yield* Effect.exit(runSimulation(config, Stream.fromChunk(Chunk.make(mints[0], mints[0]))))
      expect(Exit.isFailure(dup)).toBe(true)
      if (Exit.isFailure(dup)) {
        const err = dup.cause._tag === "Fail" ? dup.cause.error : undefined
        expect(err).toBeInstanceOf(DuplicateMintSeries)
      }
    }))
})
