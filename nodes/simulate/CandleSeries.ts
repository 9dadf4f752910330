/**
 * One mint's candles in typed arrays: the simulation kernel's input form (docs/DESIGN.md §7).
 *
 * Invariants the kernel relies on (the validate node guarantees them for `ohlcv_slice_v2` data):
 * `ts` strictly increasing; `low ≤ min(open, close)`, `max(open, close) ≤ high`, all prices > 0.
 * Only indices `0 .. length-1` are read, so a loader may hand out views into reused buffers
 * (`subarray`) longer than the series. The kernel never keeps a reference to the arrays.
 */

export interface CandleSeries {
  /** Candle open time, epoch milliseconds (UTC), strictly increasing. */
  readonly ts: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  /** Number of candles; the arrays may be longer. */
  readonly length: number
  /** Candle interval in milliseconds (interval_s × 1000). */
  readonly intervalMs: number
}

/** A series tagged with what it is: candles are matched to alerts on (chain, mint) together. */
/** Map key of a (chain, mint) pair (length-prefixed: no two pairs share one). */
export const mintKeyOf = (chain: string, mint: string): string => `${chain.length}:${chain}/${mint}`

export interface MintSeries {
  readonly chain: string
  readonly mint: string
  readonly series: CandleSeries
}

/** One candle as a plain object (tests, small fixtures). */
export interface Candle {
  readonly ts: number
  readonly open: number
  readonly high: number
  readonly low: number
  readonly close: number
}

/** Builds a CandleSeries from candle objects (copies; for tests and small fixtures). */
export const makeCandleSeries = (candles: ReadonlyArray<Candle>, intervalMs: number): CandleSeries => {
  const n = candles.length
  const series = {
    ts: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    length: n,
    intervalMs
  }
  for (let i = 0; i < n; i++) {
    const c = candles[i]
    series.ts[i] = c.ts
    series.open[i] = c.open
    series.high[i] = c.high
    series.low[i] = c.low
    series.close[i] = c.close
  }
  return series
}

/**
 * Index of the first value ≥ `t` among `sorted[0 .. end)` (ascending), or `end` when there is none.
 * `end` bounds the search for arrays longer than their data (a CandleSeries' `ts` and `length`).
 */
export const lowerBoundOf = (sorted: ArrayLike<number>, t: number, end: number = sorted.length): number => {
  let lo = 0
  let hi = end
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] < t) lo = mid + 1
    else hi = mid
  }
  return lo
}
