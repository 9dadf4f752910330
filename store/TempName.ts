/**
 * The names the store gives to what it creates under tmp/: the one definition that every writer
 * (atomic writes, object staging, scratch paths and the projections in them, tracker records, the
 * verify overlay) uses to make a name and that gc uses to recognise one. gc removes only names of
 * this pattern; anything else in tmp/ is not the store's and is left alone.
 *
 * `<kind>-<pid>-<counter base 36>-<16 random hex><suffix>`, the suffix made of `[A-Za-z0-9._-]`
 * (e.g. `-projection.duckdb`, and what DuckDB adds beside it: `.wal`, `.tmp`). The pid lets gc tell
 * a live writer's file from debris.
 */
import { randomBytes } from "node:crypto"

/** What creates temp names: one kind per writer. */
export const TEMP_KINDS = ["write", "put", "scratch", "overlay", "tracker", "materialise"] as const
export type TempKind = (typeof TEMP_KINDS)[number]

/** The characters a temp name's suffix may hold (no separator, no glob or shell metacharacter). */
export const TEMP_SUFFIX = /^[A-Za-z0-9._-]*$/

/** A whole tmp/ entry name of the store's pattern. */
export const TEMP_NAME = new RegExp(`^(${TEMP_KINDS.join("|")})-(\\d{1,10})-([0-9a-z]{1,13})-([0-9a-f]{16})([A-Za-z0-9._-]*)$`)

let counter = 0

/**
 * A name no other writer uses, in this process or any other sharing the store. `suffix` must match
 * `TEMP_SUFFIX` (callers that take a suffix from elsewhere check it first).
 */
export const tempName = (kind: TempKind, suffix = ""): string => {
  if (!TEMP_SUFFIX.test(suffix)) throw new Error(`tempName: invalid suffix ${JSON.stringify(suffix)}`)
  return `${kind}-${process.pid}-${(counter++).toString(36)}-${randomBytes(8).toString("hex")}${suffix}`
}

export interface ParsedTempName {
  readonly kind: TempKind
  /** The writer's process id. */
  readonly pid: number
}

const isKind = (text: string): text is TempKind => (TEMP_KINDS as ReadonlyArray<string>).includes(text)

/** The kind and owner pid of a store temp name; `undefined` for any other name. */
export const parseTempName = (name: string): ParsedTempName | undefined => {
  const match = TEMP_NAME.exec(name)
  if (match === null || !isKind(match[1]!)) return undefined
  return { kind: match[1], pid: Number(match[2]) }
}
