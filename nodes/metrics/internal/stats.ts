/**
 * Small statistics over Float64Arrays, each reduction a left-to-right loop (a fixed order, so the
 * result is the same on every machine and run).
 */
import { sharpeRatio } from "../../stats/index.js"


/** Arithmetic mean of the first `n` values; NaN when n = 0. */
export const mean = (xs: ArrayLike<number>, n: number = xs.length): number => {
  let sum = 0
  for (let i = 0; i < n; i++) sum += xs[i]
  return sum / n
}

/** Sample standard deviation (n − 1 denominator, two passes) of the first `n` values; NaN when n < 2. */
export const sampleStd = (xs: ArrayLike<number>, m: number, n: number = xs.length): number => {
  if (n < 2) return NaN
  let ss = 0
  for (let i = 0; i < n; i++) {
    const d = xs[i] - m
    ss += d * d
  }
  return Math.sqrt(ss / (n - 1))
}

/** mean / sample std; null when undefined (n < 2, or no spread: sharpeRatio). */
export const sharpeOf = (xs: ArrayLike<number>, n: number = xs.length): number | null => {
  if (n < 2) return null
  const m = mean(xs, n)
  return sharpeRatio(m, sampleStd(xs, m, n))
}

/** Median of ascending-sorted values (mean of the two middle ones for an even count); NaN when empty. */
export const medianSorted = (sorted: ArrayLike<number>): number => {
  const n = sorted.length
  if (n === 0) return NaN
  const h = n >> 1
  return n % 2 === 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2
}

/**
 * Percentile `p` in [0, 1] of ascending-sorted values by linear interpolation between closest ranks
 * (Hyndman–Fan type 7, numpy's default): h = (n − 1)·p, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 */
export const percentileSorted = (sorted: ArrayLike<number>, p: number): number => {
  const n = sorted.length
  if (n === 0) return NaN
  const h = (n - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, n - 1)
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo])
}

export const nullIfNaN = (x: number): number | null => (Number.isNaN(x) ? null : x)
