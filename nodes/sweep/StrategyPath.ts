/**
 * Strategy paths (`exit.targets[0].multiple`): parsing, reading and writing them in the encoded
 * (JSON) form of a strategy. Writing never mutates its input: it copies along the path.
 */
import { PATH_PATTERN } from "./SweepSpec.js"

export type PathSegment = string | number

/** `exit.targets[0].multiple` → ["exit", "targets", 0, "multiple"]; undefined when malformed. */
export const parsePath = (path: string): ReadonlyArray<PathSegment> | undefined => {
  if (!PATH_PATTERN.test(path)) return undefined
  const segments: Array<PathSegment> = []
  for (const part of path.split(".")) {
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(part)![0]
    segments.push(name)
    for (const index of part.slice(name.length).matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]))
  }
  return segments
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The value at `path` in `root`, or undefined when the path does not exist there. */
export const readPath = (root: unknown, segments: ReadonlyArray<PathSegment>): unknown => {
  let at: unknown = root
  for (const segment of segments) {
    if (typeof segment === "number") {
      if (!Array.isArray(at)) return undefined
      at = at[segment]
    } else {
      if (!isRecord(at)) return undefined
      at = Object.prototype.hasOwnProperty.call(at, segment) ? at[segment] : undefined
    }
  }
  return at
}

/**
 * `root` with `value` written at `path`: missing objects along the path are created (the strategy's
 * own decoding then says which fields such a new section still needs). Left(message) when the path
 * indexes past the end of an array or goes through a value that is not an object or array.
 */
export const writePath = (
  root: unknown,
  segments: ReadonlyArray<PathSegment>,
  value: unknown,
  shown = ""
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string } => {
  if (segments.length === 0) return { ok: true, value }
  const [head, ...rest] = segments
  if (typeof head === "number") {
    if (!Array.isArray(root)) return { ok: false, message: `${shown || "<root>"} is not a list` }
    if (head >= root.length) {
      return { ok: false, message: `${shown}[${head}] does not exist (${shown} has ${root.length} element(s))` }
    }
    const inner = writePath(root[head], rest, value, `${shown}[${head}]`)
    if (!inner.ok) return inner
    const copy = [...root]
    copy[head] = inner.value
    return { ok: true, value: copy }
  }
  const base = root === undefined ? {} : root
  const here = shown === "" ? head! : `${shown}.${head}`
  if (!isRecord(base)) return { ok: false, message: `${shown || "<root>"} is not an object, so ${here} cannot be set` }
  const inner = writePath(base[head!], rest, value, here)
  if (!inner.ok) return inner
  return { ok: true, value: { ...base, [head!]: inner.value } }
}
