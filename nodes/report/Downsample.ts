/**
 * Deterministic downsampling of a curve for plotting, keeping its extremes.
 *
 * The points are cut into equal buckets of consecutive indices; each bucket keeps its first and
 * last point and, for every series, the point of its minimum and of its maximum (the first such
 * index on ties). So the global extremes of every series, the first and the last point always
 * survive, a drawdown's trough is never smoothed away, and the result depends only on the input.
 */

/**
 * The indices (ascending, distinct) of at most `maxPoints` points to keep out of `length`.
 * `series` are the values to preserve extremes of, read by index. All indices when
 * `length ≤ maxPoints`.
 */
export const downsampleIndices = (
  length: number,
  maxPoints: number,
  series: ReadonlyArray<(index: number) => number>
): Array<number> => {
  if (length <= maxPoints) return Array.from({ length }, (_, i) => i)
  const perBucket = 2 + 2 * series.length
  const buckets = Math.max(1, Math.floor(maxPoints / perBucket))
  const keep = new Set<number>()
  for (let b = 0; b < buckets; b++) {
    // Integer bucket bounds: floor(b × length / buckets), exact for any length below 2^53 / buckets.
    const start = Math.floor((b * length) / buckets)
    const end = Math.floor(((b + 1) * length) / buckets) // exclusive
    if (end <= start) continue
    keep.add(start)
    keep.add(end - 1)
    for (const value of series) {
      let minIndex = start
      let maxIndex = start
      let min = value(start)
      let max = min
      for (let i = start + 1; i < end; i++) {
        const v = value(i)
        if (v < min) {
          min = v
          minIndex = i
        }
        if (v > max) {
          max = v
          maxIndex = i
        }
      }
      keep.add(minIndex)
      keep.add(maxIndex)
    }
  }
  return [...keep].sort((a, b) => a - b)
}

/** `points` reduced to at most `maxPoints` by `downsampleIndices`, in their original order. */
export const downsample = <A>(
  points: ReadonlyArray<A>,
  maxPoints: number,
  series: ReadonlyArray<(point: A) => number>
): Array<A> =>
  downsampleIndices(
    points.length,
    maxPoints,
    series.map((value) => (index: number) => value(points[index]))
  ).map((index) => points[index])
