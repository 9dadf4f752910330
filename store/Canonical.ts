/**
 * The canonical, injective encoding of key material (docs/DESIGN.md §3).
 *
 * Canonical JSON with explicit rules, chosen over a binary TLV encoding so that the very bytes that
 * are hashed can be shown by `pipeline explain` and diffed field by field:
 * - object keys sorted by code unit; arrays keep their order;
 * - strings JSON-escaped (so `{a:"bc"}` and `{ab:"c"}`, `["a","b"]` and `["ab"]` differ);
 * - numbers must be finite; -0 is normalised to 0; integers print without exponent up to 2^53;
 * - `bigint` and `Date` are tagged objects (`{"$bigint":"…"}`, `{"$date":"…"}`), so they never
 *   collide with a number or a string; a plain object key starting with `$` is escaped as `$$…`;
 * - `undefined` (also array holes), functions, symbols, NaN, ±Infinity, Map, Set and raw bytes are
 *   rejected with the path that holds them.
 * JSON's own grammar makes the whole encoding injective: distinct values give distinct texts.
 */
import { Effect, Schema } from "effect"
import { type Digest, hashString } from "./Digest.js"

export class CanonicalEncodingError extends Schema.TaggedError<CanonicalEncodingError>()(
  "CanonicalEncodingError",
  { path: Schema.String, reason: Schema.String }
) {
  override get message() {
    return `cannot encode key material at ${this.path || "<root>"}: ${this.reason}`
  }
}

const fail = (path: string, reason: string): never => {
  throw new CanonicalEncodingError({ path, reason })
}

const encodeValue = (value: unknown, path: string): string => {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value)
    case "boolean":
      return value ? "true" : "false"
    case "number":
      if (!Number.isFinite(value)) return fail(path, `${value} is not a finite number`)
      return Object.is(value, -0) ? "0" : JSON.stringify(value)
    case "bigint":
      return `{"$bigint":${JSON.stringify(value.toString())}}`
    case "undefined":
      return fail(path, "undefined is not allowed (omit the field or use null)")
    case "object": {
      if (value === null) return "null"
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) return fail(path, "invalid Date")
        return `{"$date":${JSON.stringify(value.toISOString())}}`
      }
      if (Array.isArray(value)) {
        // An index loop, not `map`: `map` skips holes, and `[1,,2]` would encode as invalid JSON.
        const items: Array<string> = []
        for (let i = 0; i < value.length; i++) items.push(encodeValue(value[i], `${path}[${i}]`))
        return `[${items.join(",")}]`
      }
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        return fail(path, "raw bytes are not key material; hash them first")
      }
      // Object.keys of a Map or Set is empty: they would all encode as `{}`.
      if (value instanceof Map || value instanceof Set) {
        return fail(path, `${value instanceof Map ? "Map" : "Set"} is not allowed (use a plain object or an array)`)
      }
      const keys = Object.keys(value).sort()
      const fields = keys.map((key) => {
        const escaped = key.startsWith("$") ? `$${key}` : key
        return `${JSON.stringify(escaped)}:${encodeValue((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key)}`
      })
      return `{${fields.join(",")}}`
    }
    default:
      return fail(path, `${typeof value} is not allowed`)
  }
}

/** The canonical text of a value; fails with the path of the first value that cannot be encoded. */
export const canonicalize = (value: unknown): Effect.Effect<string, CanonicalEncodingError> =>
  Effect.try({
    try: () => encodeValue(value, ""),
    catch: (error) =>
      error instanceof CanonicalEncodingError ? error : new CanonicalEncodingError({ path: "", reason: String(error) })
  })

/** `blake3(canonical(value))`. */
export const canonicalDigest = (value: unknown): Effect.Effect<Digest, CanonicalEncodingError> =>
  Effect.flatMap(canonicalize(value), hashString)
