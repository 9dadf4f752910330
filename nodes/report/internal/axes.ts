/**
 * Scales and tick positions for the report's SVG charts. Pure and deterministic: ticks are
 * multiples of a "nice" step (1, 2 or 5 × 10^k for numbers; whole minutes, hours or days aligned
 * to UTC for times), computed by integer multiplication so no float drift enters the labels.
 */

export interface Scale {
  readonly domain: readonly [number, number]
  readonly range: readonly [number, number]
  readonly map: (x: number) => number
}

/** A linear map of `domain` onto `range` (a degenerate domain maps to the middle of the range). */
export const linearScale = (domain: readonly [number, number], range: readonly [number, number]): Scale => {
  const [d0, d1] = domain
  const [r0, r1] = range
  const span = d1 - d0
  return {
    domain,
    range,
    map: span === 0 ? () => (r0 + r1) / 2 : (x) => r0 + ((x - d0) / span) * (r1 - r0)
  }
}

/** The smallest 1, 2 or 5 × 10^k at least `rough` (rough > 0). */
export const niceStep = (rough: number): number => {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1
  const exponent = Math.floor(Math.log10(rough))
  const base = 10 ** exponent
  // Tolerance: 0.1 / 10^-1 is 1.0000000000000002 in floating point.
  const fraction = rough / base - 1e-9
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
  // Round away representation noise such as 0.30000000000000004.
  return Number((nice * base).toPrecision(12))
}

/** Decimals needed to print multiples of `step` exactly. */
export const decimalsOf = (step: number): number => Math.max(0, -Math.floor(Math.log10(step) + 1e-9))

export interface NumericTicks {
  /** The axis bounds, extended outwards to whole steps. */
  readonly min: number
  readonly max: number
  readonly step: number
  readonly decimals: number
  readonly ticks: ReadonlyArray<number>
}

/**
 * About `target` ticks covering [min, max], the bounds extended to multiples of the step. A
 * degenerate range is widened around its value first.
 */
export const niceTicks = (min: number, max: number, target: number): NumericTicks => {
  let lo = min
  let hi = max
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.01
    lo -= pad
    hi += pad
  }
  const step = niceStep((hi - lo) / Math.max(1, target))
  const first = Math.floor(lo / step + 1e-9)
  const last = Math.ceil(hi / step - 1e-9)
  const decimals = decimalsOf(step)
  const ticks: Array<number> = []
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toFixed(decimals)))
  return { min: ticks[0], max: ticks[ticks.length - 1], step, decimals, ticks }
}

/**
 * About `target` nice ticks strictly inside a domain that is [min, max] padded by `padding` of its
 * span on both sides (the axis hugs the data instead of jumping to the next whole step).
 */
export const paddedTicks = (min: number, max: number, target: number, padding = 0.05): NumericTicks => {
  let lo = min
  let hi = max
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.01
    lo -= pad
    hi += pad
  } else {
    const pad = (hi - lo) * padding
    lo -= pad
    hi += pad
  }
  const step = niceStep((hi - lo) / Math.max(1, target))
  const decimals = decimalsOf(step)
  const ticks: Array<number> = []
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++) {
    ticks.push(Number((k * step).toFixed(decimals)))
  }
  return { min: lo, max: hi, step, decimals, ticks }
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const TIME_STEPS: ReadonlyArray<number> = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  28 * DAY,
  56 * DAY,
  112 * DAY,
  364 * DAY
]

/** A time tick's label: the tick itself, and under it the date (or year) when it changes. */
export interface TimeTickLabel {
  /** `HH:MM` for steps below a day, `D Mon` from a day on. */
  readonly main: string
  /**
   * Below a day: `D Mon` on the first tick and where the UTC date changes (`D Mon YYYY` on the
   * first tick and where the year changes); from a day on: `YYYY` on the first tick and where the
   * year changes. Undefined elsewhere.
   */
  readonly context: string | undefined
}

export interface TimeTicks {
  readonly step: number
  /** Tick times (epoch ms), multiples of the step from the Unix epoch (UTC-aligned). */
  readonly ticks: ReadonlyArray<number>
  /** One label per tick. */
  readonly labels: ReadonlyArray<TimeTickLabel>
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const

const two = (n: number): string => (n < 10 ? `0${n}` : String(n))

/**
 * Labels for UTC time ticks `step` apart, readable without a legend (`12:00` under `2 Jan 2024`,
 * then `00:00` under `3 Jan`, …): the context line appears only where it changes. Uses no locale.
 */
export const timeTickLabels = (ticks: ReadonlyArray<number>, step: number): Array<TimeTickLabel> => {
  let previousDay = ""
  let previousYear = -1
  return ticks.map((ms) => {
    const date = new Date(ms)
    const year = date.getUTCFullYear()
    const day = `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`
    const newYear = year !== previousYear
    const newDay = day !== previousDay || newYear
    previousYear = year
    previousDay = day
    if (step < DAY) {
      return {
        main: `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}`,
        context: newDay ? (newYear ? `${day} ${year}` : day) : undefined
      }
    }
    return { main: day, context: newYear ? String(year) : undefined }
  })
}

/** At most about `target` UTC-aligned ticks inside [min, max] (epoch ms). */
export const timeTicks = (min: number, max: number, target: number): TimeTicks => {
  const span = Math.max(max - min, MINUTE)
  const step = TIME_STEPS.find((s) => span / s <= target) ?? Math.ceil(span / target / DAY) * DAY
  const ticks: Array<number> = []
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t)
  return { step, ticks, labels: timeTickLabels(ticks, step) }
}
