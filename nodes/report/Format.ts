/**
 * Deterministic text for the report: the same number always gives the same characters, on every
 * machine and locale (no `toLocaleString`, no `Intl`: only `toFixed`, which ECMAScript specifies
 * exactly), and every string from the data is escaped before it reaches HTML.
 */

/** Escapes `& < > " '` so that any string is safe as HTML text or inside a quoted attribute. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"
  )

/** Shown for a missing or undefined value. */
export const NO_VALUE = "—"

const MINUS = "−"

const isNumber = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x)

const groupThousands = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")

/**
 * `x` with exactly `decimals` decimals, thousands separated by commas and a typographic minus:
 * `formatFixed(-1234.5, 2)` = `−1,234.50`. A value that rounds to zero has no sign. Null, NaN and
 * ±Infinity give `—`.
 */
export const formatFixed = (x: number | null | undefined, decimals: number): string => {
  if (!isNumber(x)) return NO_VALUE
  const fixed = Math.abs(x).toFixed(decimals)
  const [whole, fraction] = fixed.split(".")
  const body = fraction === undefined ? groupThousands(whole) : `${groupThousands(whole)}.${fraction}`
  const isZero = /^[0.]*$/.test(fixed)
  return x < 0 && !isZero ? `${MINUS}${body}` : body
}

/** `x` (a fraction) as a percentage: `formatPercent(0.1234, 1)` = `12.3%`. */
export const formatPercent = (x: number | null | undefined, decimals = 2): string =>
  isNumber(x) ? `${formatFixed(x * 100, decimals)}%` : NO_VALUE

/** `formatPercent` with an explicit `+` on positive values (returns, pnl changes). */
export const formatSignedPercent = (x: number | null | undefined, decimals = 2): string =>
  isNumber(x) && x > 0 && formatFixed(x * 100, decimals) !== formatFixed(0, decimals)
    ? `+${formatPercent(x, decimals)}`
    : formatPercent(x, decimals)

/**
 * A number of any magnitude with about `significant` significant digits, in fixed notation
 * (prices of tokens range from 1e-9 to 1e5): `formatSignificant(0.000012345, 3)` = `0.0000123`.
 */
export const formatSignificant = (x: number | null | undefined, significant = 4): string => {
  if (!isNumber(x)) return NO_VALUE
  if (x === 0) return "0"
  const magnitude = Math.floor(Math.log10(Math.abs(x)))
  const decimals = Math.min(12, Math.max(0, significant - 1 - magnitude))
  return formatFixed(x, decimals)
}

/**
 * A price: `significant` significant digits in fixed notation from 0.001 up, in scientific
 * notation below (`1.718e−9`), so token prices of any size stay short.
 */
export const formatPrice = (x: number | null | undefined, significant = 5): string => {
  if (!isNumber(x)) return NO_VALUE
  if (x === 0 || Math.abs(x) >= 0.001) return formatSignificant(x, significant)
  const [mantissa, exponent] = Math.abs(x).toExponential(significant - 1).split("e")
  return `${x < 0 ? MINUS : ""}${mantissa}e${exponent.replace("-", MINUS)}`
}

/** An integer count with thousands separators. */
export const formatInt = (x: number | null | undefined): string => formatFixed(x, 0)

/** Bytes in binary units: `1.5 MiB`. */
export const formatBytes = (bytes: number): string => {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"]
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${formatInt(value)} B` : `${formatFixed(value, 1)} ${units[unit]}`
}

/** Epoch ms as `2024-01-01 12:34:56` (UTC). */
export const formatTimestamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace("T", " ")

/** Epoch ms as `2024-01-01 12:34` (UTC). */
export const formatMinute = (ms: number): string => formatTimestamp(ms).slice(0, 16)

/** A duration in ms as `850ms`, `12.3s`, `4m05s`, `2h03m`. */
export const formatDuration = (ms: number): string => {
  if (!isNumber(ms)) return NO_VALUE
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const totalSeconds = Math.round(ms / 1000)
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, "0")}s`
  }
  const totalMinutes = Math.round(ms / 60_000)
  return `${Math.floor(totalMinutes / 60)}h${String(totalMinutes % 60).padStart(2, "0")}m`
}

/** `art_0123456789abcdef…` → `art_0123456789ab` (the first 12 hex digits; a usable prefix). */
export const shortId = (id: string, hexDigits = 12): string => {
  const underscore = id.indexOf("_")
  return underscore < 0 ? id.slice(0, hexDigits) : id.slice(0, underscore + 1 + hexDigits)
}

/** Numbers for SVG coordinates: fixed decimals, no `-0`. */
export const coord = (x: number, decimals = 1): string => {
  const fixed = x.toFixed(decimals)
  return /^-[0.]*$/.test(fixed) ? fixed.slice(1) : fixed
}

/**
 * JSON with object keys sorted at every level (for showing a definition: the same value always
 * prints the same way, whatever order its file had).
 */
export const stableJson = (value: unknown, indent = 2): string => JSON.stringify(sortKeys(value), null, indent)

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}
