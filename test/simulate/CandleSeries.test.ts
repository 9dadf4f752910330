import { describe, expect, it } from "@effect/vitest"
import { lowerBoundOf } from "../../nodes/simulate/index.js"

describe("lowerBoundOf", () => {
  const sorted = Float64Array.from([10, 20, 20, 30])

  it("finds the first value at or above t, or the end when there is none", () => {
    expect([5, 10, 15, 20, 25, 30, 31].map((t) => lowerBoundOf(sorted, t))).toEqual([0, 0, 1, 1, 3, 3, 4])
    expect(lowerBoundOf([], 1)).toBe(0)
  })

  it("searches only the first `end` values of a longer array", () => {
    expect(lowerBoundOf(sorted, 25, 2)).toBe(2)
    expect(lowerBoundOf(sorted, 15, 2)).toBe(1)
    expect(lowerBoundOf([1, 2, 3], 0, 0)).toBe(0)
  })
})
