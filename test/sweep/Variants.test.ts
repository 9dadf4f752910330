import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { Strategy } from "../../nodes/simulate/index.js"
import { expandSweep, parsePath, SweepSpec, writePath } from "../../nodes/sweep/index.js"

const base = {
  entry: { delayCandles: 1 },
  exit: { targets: [{ multiple: 1.5, fraction: 0.5 }, { multiple: 3, fraction: 0.5 }], maxHoldCandles: 60 },
  stopLoss: { pct: 0.25 },
  costs: { feeBps: 25 }
}
const spec = (value: unknown) => Schema.decodeUnknownSync(SweepSpec)(value)
const expand = (value: unknown) => Effect.runPromise(Effect.either(expandSweep(base, spec(value))))
const expanded = async (value: unknown) => Either.getOrThrow(await expand(value))
const errorOf = async (value: unknown) => {
  const result = await expand(value)
  if (Either.isRight(result)) expect.fail("expected the sweep to be refused")
  return result.left
}

describe("strategy paths", () => {
  it("parse dotted paths with indexes", () => {
    expect(parsePath("exit.targets[0].multiple")).toEqual(["exit", "targets", 0, "multiple"])
    expect(parsePath("stopLoss.pct")).toEqual(["stopLoss", "pct"])
    expect(parsePath("a..b")).toBeUndefined()
    expect(parsePath("a[x]")).toBeUndefined()
  })

  it("write copies along the path and never mutates", () => {
    const written = writePath(base, ["exit", "targets", 1, "multiple"], 4)
    expect(written.ok).toBe(true)
    if (written.ok) expect((written.value as typeof base).exit.targets[1]!.multiple).toBe(4)
    expect(base.exit.targets[1]!.multiple).toBe(3)
    expect(writePath(base, ["exit", "targets", 5, "multiple"], 4)).toEqual({
      ok: false,
      message: "exit.targets[5] does not exist (exit.targets has 2 element(s))"
    })
  })
})

describe("expandSweep", () => {
  it("a variant's strategy is its own encoded form (variant keys and remote batches use it without encoding it again)", async () => {
    const withTrailing = { ...base, trailing: { activation: 0.5, pct: 0.1 }, sizing: { notional: 2 } }
    const { variants } = await Effect.runPromise(expandSweep(withTrailing, spec({
      grid: { "trailing.activation": [0, 0.5], "intrabar": ["stop-first", "target-first"] },
      random: {
        count: 6,
        seed: 3,
        ranges: {
          "stopLoss.pct": { min: 0.05, max: 0.6 },
          "exit.targets[1].multiple": { min: 3, max: 9 },
          "entry.jitterCandles": { min: 0, max: 3, integer: true },
          "sizing.maxOpenPositions": { min: 1, max: 5, integer: true },
          "costs.slippageJitterBps": { min: 0, max: 30 }
        }
      },
      variants: [{ "trailing.pct": 0.2, "trailing.activation": 1 }, { "sizing.notional": 5 }]
    })))
    expect(variants.length).toBeGreaterThan(10)
    for (const variant of variants) expect(Schema.encodeSync(Strategy)(variant.strategy)).toStrictEqual(variant.strategy)
  })

  it("a grid is the cartesian product, sorted by variant id, each with its overrides applied", async () => {
    const { paths, variants } = await expanded({ grid: { "stopLoss.pct": [0.1, 0.2, 0.3], "exit.targets[0].multiple": [1.2, 2] } })
    expect(variants).toHaveLength(6)
    expect(paths).toEqual(["exit.targets[0].multiple", "stopLoss.pct"])
    expect(variants.map((v) => v.variantId)).toEqual([...variants.map((v) => v.variantId)].sort())
    const v = variants.find((x) => x.overrides["stopLoss.pct"] === 0.3 && x.overrides["exit.targets[0].multiple"] === 2)!
    expect(v.strategy.stopLoss?.pct).toBe(0.3)
    expect(v.strategy.exit.targets[0]!.multiple).toBe(2)
    expect(v.strategy.exit.targets[1]!.multiple).toBe(3)
    expect(v.strategy.costs.feeBps).toBe(25)
  })

  it("ids derive from the overrides: adding grid values never renames a variant", async () => {
    const small = await expanded({ grid: { "stopLoss.pct": [0.1, 0.2] } })
    const large = await expanded({ grid: { "stopLoss.pct": [0.05, 0.1, 0.2, 0.3] } })
    const id = (x: typeof small, pct: number) => x.variants.find((v) => v.overrides["stopLoss.pct"] === pct)!.variantId
    expect(id(large, 0.1)).toBe(id(small, 0.1))
    expect(id(large, 0.2)).toBe(id(small, 0.2))
    // ...and the same overrides listed explicitly are the same variant (merged with the grid's).
    const both = await expanded({ grid: { "stopLoss.pct": [0.1, 0.2] }, variants: [{ "stopLoss.pct": 0.1 }] })
    expect(both.variants).toHaveLength(2)
    expect(id(both, 0.1)).toBe(id(small, 0.1))
  })

  it("seeded random draws are deterministic, per draw index, within their ranges", async () => {
    const random = (count: number) =>
      expanded({ random: { count, seed: 9, ranges: { "stopLoss.pct": { min: 0.1, max: 0.5 }, "entry.delayCandles": { min: 0, max: 3, integer: true } } } })
    const a = await random(50)
    expect((await random(50)).variants).toEqual(a.variants)
    for (const v of a.variants) {
      const pct = v.overrides["stopLoss.pct"] as number
      expect(pct >= 0.1 && pct < 0.5).toBe(true)
      expect([0, 1, 2, 3]).toContain(v.overrides["entry.delayCandles"])
    }
    // Draw i does not depend on count: the first 20 draws are among the first 50.
    const ids = new Set(a.variants.map((v) => v.variantId))
    expect((await random(20)).variants.every((v) => ids.has(v.variantId))).toBe(true)
    const other = await expanded({ random: { count: 50, seed: 10, ranges: { "stopLoss.pct": { min: 0.1, max: 0.5 } } } })
    expect(other.variants.map((v) => v.variantId)).not.toEqual(a.variants.map((v) => v.variantId))
  })

  it("an invalid variant is refused naming the variant and the field", async () => {
    const error = (await errorOf({ grid: { "stopLoss.pct": [0.2, 1.5] } }))
    expect(error._tag).toBe("SweepVariantInvalid")
    expect(error.message).toMatch(/sweep variant var_[0-9a-f]{16} \{"stopLoss.pct":1.5\}/)
    expect(error.message).toContain("strategy.stopLoss.pct")
  })

  it("an unknown path, a wrong type and a missing list element are refused by name", async () => {
    expect((await errorOf({ variants: [{ "stopLoss.pctt": 0.2 }] })).message).toContain("pctt")
    expect((await errorOf({ grid: { "intrabar": [1, 2] } })).message).toContain("strategy.intrabar")
    expect((await errorOf({ grid: { "stopLoss.pct": ["0.2"] } })).message).toContain("strategy.stopLoss.pct")
    expect((await errorOf({ grid: { "exit.targets[7].multiple": [2] } })).message).toContain("exit.targets[7] does not exist")
  })

  it("too many variants are refused before any is built", async () => {
    const error = (await errorOf({ grid: { "stopLoss.pct": Array.from({ length: 1000 }, (_, i) => 0.1 + i / 1e4), "costs.feeBps": Array.from({ length: 1000 }, (_, i) => i) } }))
    expect(error._tag).toBe("TooManyVariants")
    expect(error.message).toContain("1000000 variants (grid 1000 × 1000 = 1000000), above the limit of 100000")
    expect(Either.isRight(await expand({ grid: { "stopLoss.pct": [0.1, 0.2, 0.3] }, maxVariants: 3 }))).toBe(true)
    expect((await errorOf({ grid: { "stopLoss.pct": [0.1, 0.2, 0.3] }, maxVariants: 2 }))._tag).toBe("TooManyVariants")
  })

  it("the spec itself is checked: empty lists, empty grids, unknown keys, bad ranges", async () => {
    const decode = Schema.decodeUnknownEither(SweepSpec, { errors: "all", onExcessProperty: "error" })
    expect(Either.isLeft(decode({ grid: { "stopLoss.pct": [] } }))).toBe(true)
    expect(Either.isLeft(decode({ grid: {} }))).toBe(true)
    expect(Either.isLeft(decode({}))).toBe(true)
    expect(Either.isLeft(decode({ grid: { "stopLoss.pct": [0.1] }, rank: "luck" }))).toBe(true)
    expect(Either.isLeft(decode({ random: { count: 5, seed: 1, ranges: { "stopLoss.pct": { min: 0.5, max: 0.1 } } } }))).toBe(true)
    expect(Either.isLeft(decode({ grid: { "stop loss": [0.1] } }))).toBe(true)
  })
})
