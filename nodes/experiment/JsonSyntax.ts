/**
 * Where JSON text stops being JSON: the first syntax error's line and column (1-based, in
 * characters) and what was expected there. `JSON.parse` names a character offset for some errors
 * and nothing at all for others ("Unexpected token '}', … is not valid JSON"), so the text is
 * scanned again by a small recursive-descent reader of the JSON grammar (RFC 8259).
 */

export interface JsonSyntaxProblem {
  /** 0-based offset of the offending character (the text's length at its end). */
  readonly offset: number
  /** 1-based. */
  readonly line: number
  /** 1-based, in UTF-16 code units from the start of the line. */
  readonly column: number
  /** e.g. `expected ',' or '}' after a property value, found ','`. */
  readonly reason: string
}

class Stop {
  constructor(readonly offset: number, readonly reason: string) {}
}

const describe = (text: string, at: number): string => {
  if (at >= text.length) return "the end of the text"
  const ch = text[at]!
  if (ch === "\n") return "a line break"
  if (ch.charCodeAt(0) < 0x20 || ch === "\u007f") return `the control character U+${ch.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`
  if (ch === "\ufeff") return "a byte order mark"
  return `'${ch}'`
}

/** The first syntax error of `text`, or undefined when it is valid JSON. */
export const jsonSyntaxProblem = (text: string): JsonSyntaxProblem | undefined => {
  let i = 0
  const fail = (expected: string, at = i): never => {
    throw new Stop(at, `expected ${expected}, found ${describe(text, at)}`)
  }
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++
  }
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++) {
      if (text[i + k] !== word[k]) fail(`'${word}'`, i)
    }
    i += word.length
  }
  const digits = (what: string) => {
    if (!(text[i]! >= "0" && text[i]! <= "9")) fail(what)
    while (text[i]! >= "0" && text[i]! <= "9") i++
  }
  const number = () => {
    if (text[i] === "-") i++
    if (text[i] === "0") i++
    else digits("a digit")
    if (text[i] === ".") {
      i++
      digits("a digit after the decimal point")
    }
    if (text[i] === "e" || text[i] === "E") {
      i++
      if (text[i] === "+" || text[i] === "-") i++
      digits("a digit in the exponent")
    }
  }
  const string = () => {
    i++ // the opening quote
    for (;;) {
      if (i >= text.length) fail("a closing '\"'")
      const ch = text[i]!
      if (ch === "\"") {
        i++
        return
      }
      if (ch.charCodeAt(0) < 0x20) fail("a closing '\"' (a line break or control character in a string must be escaped)")
      if (ch === "\\") {
        const next = text[i + 1]
        if (next === "u") {
          for (let k = 2; k < 6; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) fail("four hex digits after \\u", i + k)
          }
          i += 6
          continue
        }
        if (next === undefined || !"\"\\/bfnrt".includes(next)) fail("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", i + 1)
        i += 2
        continue
      }
      i++
    }
  }
  const value = (): void => {
    ws()
    const ch = text[i]
    if (ch === "{") return object()
    if (ch === "[") return array()
    if (ch === "\"") return string()
    if (ch === "t") return literal("true")
    if (ch === "f") return literal("false")
    if (ch === "n") return literal("null")
    if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9")) return number()
    fail("a value (an object, array, string, number, true, false or null)")
  }
  const object = () => {
    i++ // {
    ws()
    if (text[i] === "}") {
      i++
      return
    }
    for (;;) {
      ws()
      if (text[i] !== "\"") fail("a property name in double quotes")
      string()
      ws()
      if (text[i] !== ":") fail("':' after a property name")
      i++
      value()
      ws()
      if (text[i] === ",") {
        i++
        continue
      }
      if (text[i] === "}") {
        i++
        return
      }
      fail("',' or '}' after a property value")
    }
  }
  const array = () => {
    i++ // [
    ws()
    if (text[i] === "]") {
      i++
      return
    }
    for (;;) {
      value()
      ws()
      if (text[i] === ",") {
        i++
        continue
      }
      if (text[i] === "]") {
        i++
        return
      }
      fail("',' or ']' after an array element")
    }
  }
  try {
    value()
    ws()
    if (i < text.length) fail("the end of the text after the value")
    return undefined
  } catch (error) {
    // Nesting deeper than the stack: no location (the caller keeps JSON.parse's own message).
    if (error instanceof RangeError) return undefined
    if (!(error instanceof Stop)) throw error
    const before = text.slice(0, error.offset)
    const line = before.split("\n").length
    const column = error.offset - (before.lastIndexOf("\n") + 1) + 1
    return { offset: error.offset, line, column, reason: error.reason }
  }
}
