/**
 * Probability of Backtest Overfitting by combinatorially symmetric cross-validation (CSCV; Bailey,
 * Borwein, López de Prado & Zhu, 2016), as fixed by the sweep's definition:
 *
 * - the input is a D × N matrix: for each of N variants (in variant id order), its net pnl per UTC
 *   day over D consecutive days (0 on days without exits);
 * - the days are cut into S contiguous blocks, block b holding days ⌊b·D/S⌋ … ⌊(b+1)·D/S⌋ − 1;
 * - for each of the C(S, S/2) choices of S/2 in-sample blocks (the rest out-of-sample), every
 *   variant's Sharpe of daily pnl (mean / sample sd) in and out of sample; a variant with sd 0 or
 *   fewer than 2 days has no Sharpe (−∞: never the best in sample unless all are, lowest out of
 *   sample); n* = the best in sample (ties: the smallest variant id, i.e. the first column);
 *   ω = (rank of n*'s out-of-sample Sharpe among all N, 1 = worst, ties averaged) / (N + 1);
 *   λ = ln(ω / (1 − ω));
 * - pbo = the share of combinations with λ ≤ 0; the slope of out-of-sample on in-sample Sharpe
 *   (least squares over the combinations where both are defined) measures the degradation.
 *
 * Fast by per-block aggregates: each variant's daily pnl is shifted by its own mean over all days
 * (which leaves every sd unchanged and keeps sums of squares well conditioned), then summed per
 * block (sum and sum of squares); a set of blocks' Sharpe comes from adding S/2 block aggregates,
 * never from re-scanning days, and combinations that share their first blocks share those blocks'
 * partial sums (a depth-first walk). A combination's out-of-sample blocks are another combination's
 * in-sample blocks, so each set of blocks is aggregated once for both. Every reduction runs in a
 * fixed order (blocks ascending, days ascending): the result does not depend on the machine.
 */

/** The largest block count accepted: C(20, 10) = 184,756 combinations. */
export const MAX_OVERFITTING_BLOCKS = 20

export const DEFAULT_OVERFITTING_BLOCKS = 16

export interface OverfittingCombination {
  /** Bit b set when block b is in sample. */
  readonly inSampleMask: number
  /** Column (variant index in variant id order) of the best in-sample variant n*. */
  readonly best: number
  /** n*'s in-sample Sharpe; null when undefined (every variant lacks one). */
  readonly isSharpe: number | null
  /** n*'s out-of-sample Sharpe; null when undefined. */
  readonly oosSharpe: number | null
  /** n*'s out-of-sample rank among all N (1 = worst, ties averaged). */
  readonly oosRank: number
  /** λ = ln(ω / (1 − ω)), ω = oosRank / (N + 1). */
  readonly logit: number
}

export interface OverfittingResult {
  readonly days: number
  readonly blocks: number
  readonly variants: number
  /** Every combination, in lexicographic order of their in-sample block sets. */
  readonly combinations: ReadonlyArray<OverfittingCombination>
  /** Share of combinations with λ ≤ 0. */
  readonly pbo: number
  /** Least-squares slope of out-of-sample on in-sample Sharpe; null with fewer than 2 defined pairs or no spread. */
  readonly degradationSlope: number | null
}

/** Block b's first day: ⌊b·D/S⌋. */
export const blockStart = (b: number, days: number, blocks: number): number => Math.floor((b * days) / blocks)

/** Every S/2-subset of S blocks as a bit mask, in lexicographic order of the ascending block lists. */
export const halfMasks = (blocks: number): Array<number> => {
  const half = blocks / 2
  const out: Array<number> = []
  const chosen: Array<number> = []
  const walk = (from: number) => {
    if (chosen.length === half) {
      let mask = 0
      for (const b of chosen) mask |= 1 << b
      out.push(mask)
      return
    }
    for (let b = from; b <= blocks - (half - chosen.length); b++) {
      chosen.push(b)
      walk(b + 1)
      chosen.pop()
    }
  }
  walk(0)
  return out
}

/** Why a block count is refused, or undefined when it is usable. */
export const blocksProblem = (blocks: number): string | undefined =>
  !Number.isInteger(blocks) || blocks < 2 || blocks > MAX_OVERFITTING_BLOCKS || blocks % 2 !== 0
    ? `overfitting blocks must be an even integer from 2 to ${MAX_OVERFITTING_BLOCKS}, got ${blocks}`
    : undefined

/**
 * PBO of `daily`: one Float64Array of D days per variant, columns in variant id order (so the first
 * column wins a tie). Throws on a block count `blocksProblem` refuses (callers validate first).
 */
export const probabilityOfOverfitting = (
  daily: ReadonlyArray<ArrayLike<number>>,
  blocks: number = DEFAULT_OVERFITTING_BLOCKS
): OverfittingResult => {
  const problem = blocksProblem(blocks)
  if (problem !== undefined) throw new Error(problem)
  const n = daily.length
  const days = n === 0 ? 0 : daily[0]!.length
  for (const column of daily) {
    if (column.length !== days) throw new Error(`every variant needs ${days} days, one has ${column.length}`)
  }

  // Per-block aggregates of the mean-shifted daily pnl, block-major (sums[b·N + v]).
  const shift = new Float64Array(n)
  const sums = new Float64Array(blocks * n)
  const squares = new Float64Array(blocks * n)
  const counts = new Float64Array(blocks)
  for (let b = 0; b < blocks; b++) counts[b] = blockStart(b + 1, days, blocks) - blockStart(b, days, blocks)
  for (let v = 0; v < n; v++) {
    const column = daily[v]!
    let total = 0
    for (let d = 0; d < days; d++) total += column[d]!
    const m = days > 0 ? total / days : 0
    shift[v] = m
    for (let b = 0; b < blocks; b++) {
      let s = 0
      let q = 0
      for (let d = blockStart(b, days, blocks), end = blockStart(b + 1, days, blocks); d < end; d++) {
        const x = column[d]! - m
        s += x
        q += x * x
      }
      sums[b * n + v] = s
      squares[b * n + v] = q
    }
  }

  /** Every variant's Sharpe from a set of blocks' sums, sums of squares and day count into `out` (−∞ when undefined). */
  const sharpes = (sum: Float64Array, square: Float64Array, count: number, out: Float64Array) => {
    if (count < 2) {
      out.fill(Number.NEGATIVE_INFINITY)
      return
    }
    for (let v = 0; v < n; v++) {
      const s = sum[v]!
      const variance = (square[v]! - (s * s) / count) / (count - 1)
      out[v] = variance > 0 ? (shift[v]! + s / count) / Math.sqrt(variance) : Number.NEGATIVE_INFINITY
    }
  }

  const masks = halfMasks(blocks)
  const indexOf = new Map(masks.map((mask, i) => [mask, i]))
  const combinations: Array<OverfittingCombination | undefined> = new Array(masks.length)
  const first = new Float64Array(n)
  const second = new Float64Array(n)
  const judge = (inSampleMask: number, inSample: Float64Array, outOfSample: Float64Array): OverfittingCombination => {
    let best = 0
    for (let v = 1; v < n; v++) if (inSample[v]! > inSample[best]!) best = v
    const target = outOfSample[best]!
    let below = 0
    let equal = 0
    for (let v = 0; v < n; v++) {
      const x = outOfSample[v]!
      if (x < target) below++
      else if (x === target) equal++
    }
    const oosRank = below + (equal + 1) / 2
    const omega = oosRank / (n + 1)
    return {
      inSampleMask,
      best,
      isSharpe: Number.isFinite(inSample[best]!) ? inSample[best]! : null,
      oosSharpe: Number.isFinite(target) ? target : null,
      oosRank,
      logit: Math.log(omega / (1 - omega))
    }
  }
  if (n > 0) {
    // Depth-first over blocks 0 … S−1, each put on side A (block 0 always) or side B, at most S/2 a
    // side: a leaf is a combination (A) with its complement (B). Each side's running sums live in
    // one buffer per depth, so a block is added once per tree node rather than once per leaf; the
    // sums still run over the side's blocks in ascending order from zero, as a direct sum would.
    const half = blocks / 2
    const zero = new Float64Array(n)
    const buffers = () => Array.from({ length: blocks + 1 }, () => [new Float64Array(n), new Float64Array(n)] as const)
    const bufferA = buffers()
    const bufferB = buffers()
    const add = (into: readonly [Float64Array, Float64Array], from: readonly [Float64Array, Float64Array], b: number) => {
      const [sumInto, squareInto] = into
      const [sumFrom, squareFrom] = from
      const base = b * n
      for (let v = 0; v < n; v++) {
        sumInto[v] = sumFrom[v]! + sums[base + v]!
        squareInto[v] = squareFrom[v]! + squares[base + v]!
      }
      return into
    }
    type Side = { readonly mask: number; readonly size: number; readonly count: number; readonly acc: readonly [Float64Array, Float64Array] }
    const walk = (b: number, a: Side, other: Side) => {
      if (b === blocks) {
        sharpes(a.acc[0], a.acc[1], a.count, first)
        sharpes(other.acc[0], other.acc[1], other.count, second)
        combinations[indexOf.get(a.mask)!] = judge(a.mask, first, second)
        combinations[indexOf.get(other.mask)!] = judge(other.mask, second, first)
        return
      }
      if (a.size < half) {
        walk(b + 1, { mask: a.mask | (1 << b), size: a.size + 1, count: a.count + counts[b]!, acc: add(bufferA[b + 1]!, a.acc, b) }, other)
      }
      if (b > 0 && other.size < half) {
        const acc = add(bufferB[b + 1]!, other.acc, b)
        walk(b + 1, a, { mask: other.mask | (1 << b), size: other.size + 1, count: other.count + counts[b]!, acc })
      }
    }
    const empty: Side = { mask: 0, size: 0, count: 0, acc: [zero, zero] }
    walk(0, empty, empty)
  }
  const done = n > 0 ? combinations.map((c) => c!) : []

  return { days, blocks, variants: n, combinations: done, ...overfittingSummary(done) }
}

/** pbo (NaN without combinations) and the degradation slope of a list of combinations, in their order. */
export const overfittingSummary = (
  combinations: ReadonlyArray<Pick<OverfittingCombination, "isSharpe" | "oosSharpe" | "logit">>
): { readonly pbo: number; readonly degradationSlope: number | null } => {
  let overfit = 0
  for (const c of combinations) if (c.logit <= 0) overfit++
  return {
    pbo: combinations.length > 0 ? overfit / combinations.length : Number.NaN,
    degradationSlope: slope(combinations)
  }
}

/** Least-squares slope of oosSharpe on isSharpe over the combinations where both are defined. */
const slope = (combinations: ReadonlyArray<Pick<OverfittingCombination, "isSharpe" | "oosSharpe">>): number | null => {
  let count = 0
  let sx = 0
  let sy = 0
  for (const c of combinations) {
    if (c.isSharpe === null || c.oosSharpe === null) continue
    count++
    sx += c.isSharpe
    sy += c.oosSharpe
  }
  if (count < 2) return null
  const mx = sx / count
  const my = sy / count
  let sxy = 0
  let sxx = 0
  for (const c of combinations) {
    if (c.isSharpe === null || c.oosSharpe === null) continue
    sxy += (c.isSharpe - mx) * (c.oosSharpe - my)
    sxx += (c.isSharpe - mx) * (c.isSharpe - mx)
  }
  return sxx > 0 ? sxy / sxx : null
}

/** The UTC day (days since 1970-01-01) of an epoch-ms instant. */
export const utcDay = (ms: number): number => Math.floor(ms / 86_400_000)

/**
 * The day range of the matrix: from the UTC day of `from` to the later of the day of the last
 * instant before `to` and `lastExitDay` (the last exit day of any variant, when there is one).
 */
export const overfittingDays = (
  dateRange: { readonly from: number; readonly to: number },
  lastExitDay: number | undefined
): { readonly first: number; readonly days: number } => {
  const first = utcDay(dateRange.from)
  const last = Math.max(utcDay(dateRange.to - 1), lastExitDay ?? Number.NEGATIVE_INFINITY)
  return { first, days: Math.max(0, last - first + 1) }
}

/** A variant's net pnl per UTC day of exit, on the days with at least one exit (ascending). */
export interface DailyPnl {
  /** UTC days (days since 1970-01-01), ascending. */
  readonly day: Int32Array
  /** Net pnl of the trades exiting that day, summed in the order the trades were given. */
  readonly netPnl: Float64Array
}

/** Net pnl summed per UTC day of `exit_ts`, in the order the trades are given; days with exits only. */
export const dailyNetPnl = (trades: ReadonlyArray<{ readonly exit_ts: number; readonly net_pnl: number }>): DailyPnl => {
  if (trades.length === 0) return { day: new Int32Array(0), netPnl: new Float64Array(0) }
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const trade of trades) {
    const d = utcDay(trade.exit_ts)
    if (d < lo) lo = d
    if (d > hi) hi = d
  }
  const sums = new Float64Array(hi - lo + 1)
  const counts = new Int32Array(hi - lo + 1)
  for (const trade of trades) {
    const d = utcDay(trade.exit_ts) - lo
    sums[d] += trade.net_pnl
    counts[d]++
  }
  let present = 0
  for (const c of counts) if (c > 0) present++
  const day = new Int32Array(present)
  const netPnl = new Float64Array(present)
  for (let d = 0, k = 0; d < counts.length; d++) {
    if (counts[d] === 0) continue
    day[k] = lo + d
    netPnl[k++] = sums[d]!
  }
  return { day, netPnl }
}

/** The last exit day of any of `series`; undefined when none has an exit. */
export const lastExitDay = (series: Iterable<DailyPnl>): number | undefined => {
  let last: number | undefined
  for (const s of series) if (s.day.length > 0) last = Math.max(last ?? Number.NEGATIVE_INFINITY, s.day[s.day.length - 1]!)
  return last
}

/** `series` as `days` dense days from day `first` (0 on days without exits; exits outside are left out). */
export const denseDaily = (series: DailyPnl, first: number, days: number): Float64Array => {
  const out = new Float64Array(days)
  for (let k = 0; k < series.day.length; k++) {
    const d = series.day[k]! - first
    if (d >= 0 && d < days) out[d] = series.netPnl[k]!
  }
  return out
}
