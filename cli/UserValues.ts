/**
 * User values inside messages: a message names the value at fault, but a 10,000-character name (or
 * a value holding control characters) must not flood or drive the terminal. Every expected failure
 * goes through `shortenValues` (renderError.ts); code building a message from a raw value uses
 * `abbreviate` or `quoteValue`.
 */

/** Characters of a long value kept in a message. */
export const KEPT_CHARS = 40
/** A quoted value longer than this (in characters) is shortened. */
export const MAX_QUOTED_CHARS = 80
/**
 * A bare run of non-space characters longer than this is shortened. Higher than for quoted values,
 * so that ordinary file paths (which are printed bare) stay whole.
 */
export const MAX_BARE_CHARS = 400

/** The number of characters (code points) of `text`. */
const characters = (text: string): number => {
  let n = 0
  for (const _ of text) n++
  return n
}

/** The first `n` code points of `text` (never half a surrogate pair). */
const head = (text: string, n: number): string => {
  let out = ""
  let i = 0
  for (const ch of text) {
    if (i++ >= n) break
    out += ch
  }
  return out
}

/**
 * C0 controls (except tab and newline), DEL and C1 controls as `\u00XX`, so that a message can never
 * carry a terminal escape sequence, a NUL or a carriage return.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g
export const escapeControls = (text: string): string =>
  text.replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * `value` as is when at most `max` characters, else its first `KEPT_CHARS` characters, an ellipsis
 * and its length: `aaaa… (10000 characters)`. Control characters are escaped.
 */
export const abbreviate = (value: string, max = MAX_QUOTED_CHARS): string => {
  const length = characters(value)
  return escapeControls(length <= max ? value : `${head(value, KEPT_CHARS)}… (${length} characters)`)
}

/** `value` JSON-quoted, shortened like `abbreviate`: `"aaaa…" (10000 characters)`. */
export const quoteValue = (value: string, max = MAX_QUOTED_CHARS): string => {
  const length = characters(value)
  if (length <= max) return escapeControls(JSON.stringify(value))
  return `${escapeControls(JSON.stringify(`${head(value, KEPT_CHARS)}…`))} (${length} characters)`
}

// A double-quoted segment: JSON-style escapes inside, no raw newline.
const QUOTED = /"(?:[^"\\\n]|\\.)*"/g
const BARE = new RegExp(`[^\\s"]{${MAX_BARE_CHARS + 1},}`, "g")

/** The text between the quotes of a JSON-quoted segment, decoded when it is valid JSON. */
const unquote = (segment: string): string => {
  try {
    const value: unknown = JSON.parse(segment)
    if (typeof value === "string") return value
  } catch {
    // Not JSON (e.g. built by SQL concatenation): the raw text between the quotes.
  }
  return segment.slice(1, -1)
}

/**
 * Shortens every long value in a rendered message: double-quoted values over `MAX_QUOTED_CHARS`
 * characters become `"aaaa…" (10000 characters)`, bare runs of non-space characters over
 * `MAX_BARE_CHARS` become `aaaa… (10000 characters)`; then escapes control characters. Field
 * names and paths before the values (`name: Expected …`) are kept.
 */
export const shortenValues = (text: string): string => {
  const quoted = text.replace(QUOTED, (segment) => {
    const value = unquote(segment)
    return characters(value) <= MAX_QUOTED_CHARS ? segment : quoteValue(value)
  })
  return escapeControls(quoted.replace(BARE, (token) => {
    // Punctuation that ends a token (`path:`) separates it from what follows: keep it after.
    const trailing = /[:;,.)\]]*$/.exec(token)![0]
    return abbreviate(token.slice(0, token.length - trailing.length), MAX_BARE_CHARS) + trailing
  }))
}
