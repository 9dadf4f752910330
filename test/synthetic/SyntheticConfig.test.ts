import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import {
  decodeSyntheticConfig,
  decodeSyntheticConfigEither,
  slotsPerToken,
  SyntheticConfigError
} from "../../nodes/synthetic/index.js"

const fieldOf = (input: unknown): string => {
  const result = decodeSyntheticConfigEither(input)
  if (Either.isRight(result)) throw new Error(`expected a decode error for ${JSON.stringify(input)}`)
  return result.left.field
}

describe("SyntheticConfig", () => {
  it.effect("fills every default from { tokens, days, seed }", () =>
    Effect.gen(function* () {
      const config = yield* decodeSyntheticConfig({ tokens: 200, days: 3, seed: 7 })
      expect(config).toEqual({
        tokens: 200,
        days: 3,
        seed: 7,
        chain: "synthetic",
        startTs: "2024-01-01T00:00:00Z",
        intervalS: 60,
        pumpsPerDay: 1,
        alertedPumpRate: 0.9,
        falseAlarmRate: 0.3,
        alertLeadS: 180,
        alertLagS: 300
      })
      expect(slotsPerToken(config)).toBe(3 * 1440)
    })
  )

  it("accepts fractional days and overrides", () => {
    const result = decodeSyntheticConfigEither({
      tokens: 1,
      days: 3.5,
      seed: -3,
      chain: "solana",
      startTs: "2023-03-01T00:05:00Z",
      intervalS: 300,
      falseAlarmRate: 0
    })
    expect(Either.isRight(result)).toBe(true)
    if (Either.isRight(result)) expect(slotsPerToken(result.right)).toBe((3.5 * 1440) / 5)
  })

  it("names the offending field", () => {
    expect(fieldOf({ tokens: 0, days: 1, seed: 1 })).toBe("tokens")
    expect(fieldOf({ tokens: 1.5, days: 1, seed: 1 })).toBe("tokens")
    expect(fieldOf({ tokens: 1, days: -1, seed: 1 })).toBe("days")
    expect(fieldOf({ tokens: 1, days: 1, seed: 0.5 })).toBe("seed")
    expect(fieldOf({ tokens: 1, days: 1 })).toBe("seed")
    expect(fieldOf({ tokens: 1, days: 1, seed: 1, startTs: "yesterday" })).toBe("startTs")
    expect(fieldOf({ tokens: 1, days: 1, seed: 1, startTs: "2024-01-01T00:00:30Z" })).toBe("startTs")
    expect(fieldOf({ tokens: 1, days: 1, seed: 1, falseAlarmRate: 1 })).toBe("falseAlarmRate")
    expect(fieldOf({ tokens: 1, days: 1, seed: 1, intervalS: 0 })).toBe("intervalS")
    expect(fieldOf({ tokens: 1, days: 0.0001, seed: 1 })).toBe("days")
    expect(fieldOf({ tokens: 1, days: 1, seed: 1, token: 5 })).toBe("token")
  })

  it.effect("fails with a SyntheticConfigError listing every issue", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(decodeSyntheticConfig({ tokens: -1, days: 0, seed: 1 }))
      expect(error).toBeInstanceOf(SyntheticConfigError)
      expect(error.issues.map((i) => i.field).sort()).toEqual(["days", "tokens"])
      expect(error.message).toContain("tokens")
    })
  )
})
