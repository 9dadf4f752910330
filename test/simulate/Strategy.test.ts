import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import type { FieldIssue } from "../../nodes/simulate/index.js"
import { decodeStrategy, decodeStrategyEither, defaultStrategy, Strategy, StrategyDecodeError } from "../../nodes/simulate/index.js"

const issues = (input: unknown): ReadonlyArray<FieldIssue> => {
  const r = decodeStrategyEither(input)
  if (Either.isRight(r)) throw new Error("expected a decode error")
  return r.left.issues
}

describe("Strategy", () => {
  it("fills every default", () => {
    expect(defaultStrategy).toEqual({
      entry: { delayCandles: 0, jitterCandles: 0 },
      exit: { targets: [] },
      intrabar: "stop-first",
      costs: { feeBps: 0, slippageBps: 0, slippageJitterBps: 0 },
      sizing: { notional: 1, initialCapital: 1000 }
    })
    // partial sections get their missing fields
    const s = Either.getOrThrow(decodeStrategyEither({ costs: { feeBps: 25 }, entry: { delayCandles: 2 } }))
    expect(s.costs).toEqual({ feeBps: 25, slippageBps: 0, slippageJitterBps: 0 })
    expect(s.entry).toEqual({ delayCandles: 2, jitterCandles: 0 })
  })

  it("decodes the design's example and encodes it back with defaults explicit", () => {
    const input = {
      entry: { delayCandles: 0, jitterCandles: 0 },
      exit: { targets: [{ multiple: 2, fraction: 0.5 }, { multiple: 4, fraction: 0.5 }], maxHoldCandles: 1440 },
      stopLoss: { pct: 0.3 },
      trailing: { activation: 0.5, pct: 0.2 },
      intrabar: "stop-first",
      costs: { feeBps: 25, slippageBps: 10, slippageJitterBps: 0 },
      sizing: { notional: 1, initialCapital: 1000 }
    }
    const s = Either.getOrThrow(decodeStrategyEither(input))
    expect(Schema.encodeSync(Strategy)(s)).toEqual(input)
  })

  it("fractions summing above 1 name exit.targets and the sum", () => {
    const [issue, ...rest] = issues({ exit: { targets: [{ multiple: 2, fraction: 0.7 }, { multiple: 3, fraction: 0.6 }] } })
    expect(rest).toEqual([])
    expect(issue.path).toBe("exit.targets")
    expect(issue.message).toContain("1.2999999999999998")
    // a sum of exactly 1 in decimal is fine
    expect(Either.isRight(decodeStrategyEither({
      exit: { targets: [{ multiple: 2, fraction: 0.1 }, { multiple: 3, fraction: 0.2 }, { multiple: 4, fraction: 0.7 }] }
    }))).toBe(true)
  })

  it("rejects target multiples ≤ 1 and a ladder out of order", () => {
    expect(issues({ exit: { targets: [{ multiple: 1, fraction: 0.5 }] } }).map((i) => i.path)).toEqual(["exit.targets[0].multiple"])
    expect(issues({ exit: { targets: [{ multiple: 3, fraction: 0.5 }, { multiple: 2, fraction: 0.5 }] } })[0].path).toBe("exit.targets")
    expect(issues({ exit: { targets: [{ multiple: 2, fraction: 0 }] } })[0].path).toBe("exit.targets[0].fraction")
  })

  it("a stop ≥ 1, of 0 or negative names stopLoss.pct", () => {
    for (const pct of [1, 1.5, 0, -0.1]) {
      expect(issues({ stopLoss: { pct } }).map((i) => i.path)).toEqual(["stopLoss.pct"])
    }
  })

  it("unknown fields are errors at every level, naming the path", () => {
    expect(issues({ stoploss: { pct: 0.2 } })).toEqual([{ path: "stoploss", message: expect.stringContaining("is unexpected") }])
    expect(issues({ exit: { targets: [{ multiple: 2, fraction: 1, price: 3 }] } })[0].path).toBe("exit.targets[0].price")
    expect(issues({ costs: { feeBPS: 1 } })[0].path).toBe("costs.feeBPS")
    // enforced by the schema itself, whatever parse options a caller passes
    expect(() => Schema.decodeUnknownSync(Strategy, { onExcessProperty: "ignore" })({ sizing: { notional: 1, leverage: 3 } }))
      .toThrow(/leverage/)
  })

  it("reports every problem at once with its path", () => {
    const paths = issues({
      entry: { delayCandles: -1, jitterCandles: 1.5 },
      intrabar: "random",
      trailing: { activation: -1, pct: 1 },
      costs: { feeBps: -1 },
      sizing: { notional: 0, maxOpenPositions: 0 },
      exit: { maxHoldCandles: 0 }
    }).map((i) => i.path)
    expect([...new Set(paths)].sort()).toEqual([
      "costs.feeBps",
      "entry.delayCandles",
      "entry.jitterCandles",
      "exit.maxHoldCandles",
      "intrabar",
      "sizing.maxOpenPositions",
      "sizing.notional",
      "trailing.activation",
      "trailing.pct"
    ])
  })

  it("slippage must stay below 100%", () => {
    expect(issues({ costs: { slippageBps: 9000, slippageJitterBps: 1000 } })[0].path).toBe("costs")
  })

  it.effect("decodeStrategy fails with StrategyDecodeError whose message names the field", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(decodeStrategy({ stopLoss: { pct: 2 } }))
      expect(error).toBeInstanceOf(StrategyDecodeError)
      expect(error.message).toContain("stopLoss.pct")
      const ok = yield* decodeStrategy({ stopLoss: { pct: 0.25 } })
      expect(ok.stopLoss).toEqual({ pct: 0.25 })
    }))
})
