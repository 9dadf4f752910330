/**
 * The one rule for when a Sharpe ratio (mean / sample sd of returns) exists.
 *
 * Identical returns have sd 0 in exact arithmetic, but the computed sd of, say, three returns of
 * 0.1 is ~1.7e-17: the mean itself is rounded, so every deviation is a rounding residue. Taken at
 * face value that gives a Sharpe of ~5.9e15 — and a bootstrap resample that draws one trade n
 * times gives such a value too, which then lands in a percentile interval. An sd at or below
 * `SHARPE_SD_FLOOR` × |mean| is treated as that residue: the ratio is undefined (null), as for sd 0.
 */
export const SHARPE_SD_FLOOR = 1e-9

/** mean / sd, or null when sd is 0, not finite, or no larger than rounding noise of the mean. */
export const sharpeRatio = (mean: number, sd: number): number | null =>
  Number.isFinite(sd) && sd > SHARPE_SD_FLOOR * Math.abs(mean) ? mean / sd : null
