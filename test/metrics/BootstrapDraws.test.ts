import { describe, expect, it } from "@effect/vitest"
import seedrandom from "seedrandom"
import { bootstrapDraws } from "../../nodes/metrics/index.js"

describe("bootstrapDraws", () => {
  it("draws exactly seedrandom.xor128's quick() stream for the same seed", () => {
    for (const seed of ["42/bootstrap", "0/bootstrap", "-7/bootstrap", "é/☃", ""]) {
      const reference = seedrandom.xor128(seed)
      const fast = bootstrapDraws(seed)
      for (let i = 0; i < 20_000; i++) expect(fast()).toBe(reference.quick())
    }
  })

  it("draws in [0, 1) and differs between seeds", () => {
    const a = bootstrapDraws("1/bootstrap")
    const b = bootstrapDraws("2/bootstrap")
    const xs = Array.from({ length: 1000 }, () => a())
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(xs.slice(0, 10)).not.toEqual(Array.from({ length: 10 }, () => b()))
  })
})
