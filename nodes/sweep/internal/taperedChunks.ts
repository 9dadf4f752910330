/**
 * `items` cut into as many batches as chunks of `size` would make, but tapering: the first batch
 * is about 1.5 × the mean, each next one smaller, the last about 0.5 × (sizes fall linearly). Workers
 * taking batches as they free up then end the sweep on small batches, so the last one running
 * alone while the others have nothing left is short. Fewer than four batches are cut evenly (a
 * taper there would leave a worker idle from the start). Deterministic: the same items and size
 * always give the same batches.
 */
export const taperedChunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const n = items.length
  const k = Math.ceil(n / size)
  const out: Array<ReadonlyArray<A>> = []
  if (k < 4) {
    for (let i = 0; i < n; i += size) out.push(items.slice(i, i + size))
    return out
  }
  // Batch i's weight is (3(k−1) − 2i) / (2(k−1)) (1.5 down to 0.5, summing to k): the first j
  // batches hold n · (3(k−1)j − j(j−1)) / (2k(k−1)) items, in integers so no rounding drifts.
  const boundary = (j: number) => Math.floor((n * (3 * (k - 1) * j - j * (j - 1))) / (2 * k * (k - 1)))
  for (let j = 0; j < k; j++) out.push(items.slice(boundary(j), boundary(j + 1)))
  return out
}
