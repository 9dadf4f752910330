/**
 * Field-by-field differences between two JSON values, as paths a user can read:
 * `config.exit.targets[0].multiple: 2 → 3`, `inputs.ohlcv[1].outputs.data: blake3:ab… → blake3:cd…`.
 */

export interface FieldChange {
  readonly path: string
  readonly before: unknown
  readonly after: unknown
}

const MISSING = Symbol("missing")

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`)

const walk = (before: unknown, after: unknown, path: string, out: Array<FieldChange>): void => {
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      walk(i < before.length ? before[i] : MISSING, i < after.length ? after[i] : MISSING, `${path}[${i}]`, out)
    }
    return
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    for (const key of keys) {
      walk(key in before ? before[key] : MISSING, key in after ? after[key] : MISSING, join(path, key), out)
    }
    return
  }
  if (before === after || JSON.stringify(before) === JSON.stringify(after)) return
  out.push({
    path,
    before: before === MISSING ? undefined : before,
    after: after === MISSING ? undefined : after
  })
}

/** Every leaf that differs, in path order (object keys sorted, arrays by index). */
export const diffValues = (before: unknown, after: unknown): ReadonlyArray<FieldChange> => {
  const out: Array<FieldChange> = []
  walk(before, after, "", out)
  return out
}

const show = (value: unknown): string =>
  value === undefined ? "(absent)" : typeof value === "string" ? value : JSON.stringify(value)

export const formatChange = (change: FieldChange): string =>
  `${change.path}: ${show(change.before)} → ${show(change.after)}`
