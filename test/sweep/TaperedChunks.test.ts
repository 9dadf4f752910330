/**
 * The tapering batches `run --workers remote` queues when no --batch-size is given
 * (nodes/sweep/internal/taperedChunks.ts): every item once, in order; as many batches as even
 * chunks would make; from four batches on, the first about 1.5 × the mean and the last about
 * 0.5 ×, falling in between; fewer than four are even chunks.
 */
import { describe, expect, it } from "@effect/vitest"
import { taperedChunks } from "../../nodes/sweep/internal/taperedChunks.js"

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

describe("taperedChunks", () => {
  it("keeps every item once and in order, in as many batches as even chunks, falling from about 1.5× to 0.5× the mean", () => {
    for (const [n, size] of [[1000, 125], [128, 16], [10_000, 512], [100, 16], [65, 16], [999, 37], [64, 16]] as const) {
      const batches = taperedChunks(range(n), size)
      expect(batches.flat()).toEqual(range(n))
      const k = Math.ceil(n / size)
      expect(batches.length).toBe(k)
      const sizes = batches.map((batch) => batch.length)
      const mean = n / k
      expect(Math.abs(sizes[0]! - 1.5 * mean), `${n}/${size}: ${sizes}`).toBeLessThanOrEqual(1)
      expect(Math.abs(sizes.at(-1)! - 0.5 * mean), `${n}/${size}: ${sizes}`).toBeLessThanOrEqual(1)
      // Falling, but for the integer cut (a batch may be one more than the one before it).
      for (let i = 1; i < k; i++) expect(sizes[i]!, `${n}/${size}: ${sizes}`).toBeLessThanOrEqual(sizes[i - 1]! + 1)
      expect(sizes.every((count) => count > 0)).toBe(true)
    }
  })

  it("cuts fewer than four batches evenly, and nothing into nothing", () => {
    expect(taperedChunks(range(48), 16).map((batch) => batch.length)).toEqual([16, 16, 16])
    expect(taperedChunks(range(17), 16).map((batch) => batch.length)).toEqual([16, 1])
    expect(taperedChunks(range(5), 16)).toEqual([range(5)])
    expect(taperedChunks([], 16)).toEqual([])
  })
})
