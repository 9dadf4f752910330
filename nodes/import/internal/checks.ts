/**
 * SQL shared by the ohlcv and alerts importers: timestamp unit resolution, the timestamp
 * expression, the problem query runner and the ISO format of min/max timestamps.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Effect } from "effect"
import { Duck, type DuckDBError } from "../../duckdb/index.js"
import { ImportOptionsError, MAX_REPORTED_PROBLEMS } from "../ImportError.js"
import type { TsUnit } from "../ImportOptions.js"
import type { RowProblem } from "./problems.js"
import type { MappedField, TsParse } from "./source.js"

export type ResolvedTsUnit = "iso" | "s" | "ms" | "us" | "native"

/** strftime format of manifest timestamps: ISO-8601, UTC, µs. */
export const ISO_MICROS = "'%Y-%m-%dT%H:%M:%S.%fZ'"

const EPOCH_MULTIPLIER: Record<"s" | "ms" | "us", string> = { s: "1000000", ms: "1000", us: "1" }
/** |epoch| bounds per unit: about ±year 2198, far inside DuckDB's TIMESTAMP range. */
const EPOCH_BOUND: Record<"s" | "ms" | "us", string> = { s: "7.2e9", ms: "7.2e12", us: "7.2e15" }

export const EXPECTED_TS: Record<ResolvedTsUnit, string> = {
  iso: "ISO-8601 such as 2023-03-01T00:00:00Z",
  s: "epoch seconds",
  ms: "epoch milliseconds",
  us: "epoch microseconds",
  native: "a timestamp"
}

/**
 * Decides the timestamp unit of a loaded `ts` field. Explicit units win; an epoch column's unit is
 * decided by the largest magnitude in the whole file (< 1e11 → s, < 1e14 → ms, else µs); a column
 * parsed both ways (Parquet text, `auto`) goes to whichever way parsed more values (ties: ISO).
 */
export const resolveTsUnit = (
  conn: DuckDBConnection,
  file: string,
  field: MappedField,
  parse: TsParse,
  unit: TsUnit | undefined
): Effect.Effect<ResolvedTsUnit, DuckDBError | ImportOptionsError> =>
  Effect.gen(function* () {
    const name = field.spec.name
    if (parse === "native-timestamp") return "native" as const
    if (parse === "native-number" && unit === "iso") {
      return yield* Effect.fail(
        new ImportOptionsError({ file, option: "tsUnit", reason: `column ${field.sourceName} is numeric, not ISO-8601 text` })
      )
    }
    if (parse === "iso") return "iso" as const
    if (unit !== undefined && unit !== "auto") return unit
    const rows = yield* Duck.readRowsJson(
      conn,
      `SELECT count(n_${name}) AS numeric, count(i_${name}) AS iso,
              max(abs(n_${name})) FILTER (WHERE isfinite(n_${name})) AS max_abs FROM src`
    )
    const numeric = Number(rows[0]?.numeric ?? 0)
    const iso = Number(rows[0]?.iso ?? 0)
    if (parse === "both" && (numeric === 0 || iso >= numeric)) return "iso" as const
    const maxAbs = Number(rows[0]?.max_abs ?? 0)
    return maxAbs < 1e11 ? "s" as const : maxAbs < 1e14 ? "ms" as const : "us" as const
  })

/** The TIMESTAMP expression of ts field `name` over `src` aliased `s`. */
export const tsExpression = (name: string, unit: ResolvedTsUnit): string => {
  if (unit === "iso" || unit === "native") return `s.i_${name}`
  return `CASE WHEN abs(s.n_${name}) < ${EPOCH_BOUND[unit]} ` +
    `THEN make_timestamp(CAST(round(s.n_${name} * ${EPOCH_MULTIPLIER[unit]}) AS BIGINT)) END`
}

/** Problem message of an unparseable or missing ts value (a CASE over the view's ts columns). */
export const tsProblemMessage = (prefix: string, unit: ResolvedTsUnit): string =>
  `CASE WHEN ${prefix}_num IS NULL AND ${prefix}_iso IS NULL AND ${prefix}_raw IS NULL THEN 'missing value' ` +
  `ELSE 'not a valid timestamp: "' || coalesce(${prefix}_raw, CAST(${prefix}_num AS VARCHAR), CAST(${prefix}_iso AS VARCHAR)) ` +
  `|| '" (expected ${EXPECTED_TS[unit]})' END`

/**
 * Refuses a timestamp the manifest cannot state in ISO-8601 (`YYYY-MM-DDTHH:MM:SS.ffffffZ`): a year
 * before 0001 or after 9999 (ISO text and native timestamps can hold them; epochs are bounded).
 */
export const tsRangeCheck = (k: number, f: string): RowCheck => ({
  k,
  when: `year(${f}) < 1 OR year(${f}) > 9999`,
  message: `'year ' || year(${f}) || ' is outside the years 0001–9999 (timestamps must be ISO-8601 dates)'`
})

/** One row-level check over the view `v`: `when` is true for a row with the problem. */
export interface RowCheck {
  /** The contract column's position: orders the problems of one row. */
  readonly k: number
  readonly when: string
  /** SQL text of the message (may use the row's values). */
  readonly message: string
}

/**
 * Runs the row checks in one scan of `v` (the rows failing any check are materialized, then each
 * check runs over those few), plus `extraBranches` (`SELECT rid, k, message, other_rid …`), and
 * returns the first problems by (row, column) and the total count.
 */
export const queryProblems = (
  conn: DuckDBConnection,
  checks: ReadonlyArray<RowCheck>,
  extraBranches: ReadonlyArray<string>,
  params: ReadonlyArray<number | bigint>,
  columnName: (k: number) => string | null
): Effect.Effect<{ readonly problems: ReadonlyArray<RowProblem>; readonly total: number }, DuckDBError> => {
  const branches = [
    ...checks.map((check) =>
      `SELECT rid, ${check.k} AS k, ${check.message} AS message, NULL::BIGINT AS other_rid FROM bad WHERE ${check.when}`
    ),
    ...extraBranches
  ]
  return Duck.readRowsJson(
    conn,
    `WITH bad AS MATERIALIZED (SELECT * FROM v WHERE ${checks.map((check) => `(${check.when})`).join(" OR ")}),
     problems AS (${branches.map((branch) => `(${branch})`).join(" UNION ALL ")})
     SELECT rid, k, message, other_rid, count(*) OVER () AS total
     FROM problems ORDER BY rid, k, message LIMIT ${MAX_REPORTED_PROBLEMS}`,
    params
  ).pipe(
    Effect.map((rows) => ({
      total: rows.length === 0 ? 0 : Number(rows[0]!.total),
      problems: rows.map((row) => ({
        rid: Number(row.rid),
        column: columnName(Number(row.k)),
        message: String(row.message),
        otherRid: row.other_rid === null ? null : Number(row.other_rid)
      }))
    }))
  )
}

/**
 * Checks of a DOUBLE field `f` of the view: missing, not a number, NaN, ±Infinity, then the
 * field's own rule (`invalid` true for a finite value that breaks it, `explain` its message).
 */
export const numberCheck = (k: number, f: string, invalid: string, explain: string): RowCheck => ({
  k,
  when: `${f} IS NULL OR NOT isfinite(${f}) OR ${invalid}`,
  message: `CASE WHEN ${f} IS NULL AND ${f}_raw IS NULL THEN 'missing value' ` +
    `WHEN ${f}_raw IS NOT NULL THEN 'not a number: "' || ${f}_raw || '"' ` +
    `WHEN isnan(${f}) THEN 'NaN is not allowed' ` +
    `WHEN isinf(${f}) THEN 'Infinity is not allowed' ` +
    `ELSE ${explain} END`
})

/** A logical-key segment: the value with `%` and `/` percent-encoded (so `/` stays a separator). */
export const keySegment = (value: string): string => value.replaceAll("%", "%25").replaceAll("/", "%2F")

/** C0 control characters other than tab, as an RE2 class inside a SQL string literal. */
const CONTROL_CLASS = "[\\x00-\\x08\\x0A-\\x1F]"

/**
 * Refuses C0 control characters other than tab (NUL, newline, carriage return, escape, …) in the
 * text field `f` of the view: identifiers and names must print and compare as written. The message
 * names the first such character by code point and position, never echoing it.
 */
export const controlCharacterCheck = (k: number, f: string): RowCheck => ({
  k,
  when: `regexp_matches(${f}, '${CONTROL_CLASS}')`,
  message: `'control character U+' || printf('%04X', ord(regexp_extract(${f}, '${CONTROL_CLASS}'))) || ` +
    `' at character ' || strpos(${f}, regexp_extract(${f}, '${CONTROL_CLASS}')) || ' is not allowed (tab is the only one)'`
})

const CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f]/

/** Whether `text` holds a C0 control character other than tab. */
export const hasControlCharacter = (text: string): boolean => CONTROL_CHARACTER.test(text)

/** Fails with ImportOptionsError naming the first option value holding a control character. */
export const refuseControlCharacters = (
  file: string,
  values: Readonly<Record<string, string | undefined>>
): Effect.Effect<void, ImportOptionsError> => {
  for (const [option, value] of Object.entries(values)) {
    if (value !== undefined && hasControlCharacter(value)) {
      const ch = CONTROL_CHARACTER.exec(value)![0]
      const code = ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")
      return Effect.fail(
        new ImportOptionsError({ file, option, reason: `control character U+${code} is not allowed (tab is the only one)` })
      )
    }
  }
  return Effect.void
}
