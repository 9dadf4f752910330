/**
 * The one string order of the code base: by Unicode code point, which is also UTF-8 byte order
 * (DuckDB's VARCHAR order). JavaScript's `<` compares UTF-16 code units, which differs for
 * characters above U+FFFF versus U+E000..U+FFFF; `localeCompare` depends on the machine's locale.
 * (Canonical encoding keeps its own, documented, code-unit order of object keys: it is part of
 * every key and never changes.)
 */
export const compareStrings = (a: string, b: string): number => {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i)
    let cb = b.charCodeAt(i)
    if (ca !== cb) {
      // Surrogates (D800–DFFF) encode code points ≥ 0x10000: move them above E000–FFFF.
      if (ca >= 0xd800 && cb >= 0xd800) {
        ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000
        cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000
      }
      return ca < cb ? -1 : 1
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0
}

export const compareNumbers = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0)
