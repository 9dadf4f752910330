/**
 * The rows of artifacts this process has just written from JS rows, kept in the form `readRows`
 * would return them, so the next node of the same run reads its inputs without a DuckDB scan: an
 * experiment's publish node reads back the three tables simulate has just written (and the run's
 * results the metrics and diagnostics), ~35–45 ms of a cold run at bench size S.
 *
 * An artifact id fixes the object's bytes (its digest is part of the id), and the bytes were
 * written from these very rows (`writeRows`, the canonical writer), so the rows read back from
 * them are a pure function of the rows written: this is a cache of that function. It is kept only
 * where the function is known exactly, else the rows are read from the file as before:
 * - each value is put in its read-back form: TIMESTAMP as whole epoch milliseconds (the writer
 *   rounds to them), BIGINT as a number, columns outside the contract dropped; a value whose
 *   round trip is not plain — a non-finite or negative-zero DOUBLE, a non-integer INTEGER or
 *   BIGINT, a BIGINT beyond 2^53, a value of the wrong JS type — keeps none of the table;
 * - rows are put in the contract's order (its sort keys: strings by code point, which is DuckDB's
 *   VARCHAR order, numbers and booleans ascending), and kept only when that order is strict —
 *   no NULL sort key, no two rows alike on every key — since ties leave the order to DuckDB.
 * Bounded: the oldest tables go first past 64 tables or 1,000,000 rows, so a long sweep holds
 * no more than the last few variants'.
 */
import { Effect } from "effect"
import { type ArtifactId, compareNumbers, compareStrings } from "../../store/index.js"
import { contractDataPath } from "../contracts/ArtifactColumns.js"
import type { AnyContract, ColumnDef, Contract, JsRowOf } from "../contracts/Contract.js"
import { readRows } from "./RowsParquet.js"

type Row = Readonly<Record<string, unknown>>

const MAX_TABLES = 64
const MAX_ROWS = 1_000_000

const known = new Map<string, { readonly contract: AnyContract; readonly rows: ReadonlyArray<Row> }>()
let knownRows = 0

/** Not kept: the value has no plain round trip. */
const UNKEPT = Symbol("unkept")

const TWO_POW_53 = 2 ** 53

/** A NUL or a surrogate: rare, then looked at closely. */
const UNUSUAL_STRING = /[\u0000\uD800-\uDFFF]/
const AWKWARD_STRING = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** A value in the form `readRowsParquet` returns it, or UNKEPT. */
const readBack = (type: ColumnDef["duckdbType"], nullable: boolean, value: unknown): unknown => {
  if (value === null || value === undefined) return nullable ? null : UNKEPT
  switch (type) {
    case "VARCHAR":
      // A lone surrogate has no UTF-8 form, a NUL may not come back alike: read from the file.
      return typeof value === "string" && !(UNUSUAL_STRING.test(value) && AWKWARD_STRING.test(value)) ? value : UNKEPT
    case "BOOLEAN":
      return typeof value === "boolean" ? value : UNKEPT
    case "DOUBLE":
      return typeof value === "number" && Number.isFinite(value) && (value !== 0 || 1 / value > 0) ? value : UNKEPT
    case "INTEGER":
      return typeof value === "number" && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 &&
          (value !== 0 || 1 / value > 0)
        ? value
        : UNKEPT
    case "BIGINT":
      return typeof value === "number" && Number.isInteger(value) && Math.abs(value) <= TWO_POW_53 && (value !== 0 || 1 / value > 0)
        ? value
        : UNKEPT
    case "TIMESTAMP": {
      if (typeof value !== "number" || !Number.isFinite(value)) return UNKEPT
      // The writer stores Math.round(ms) · 1000 µs; epoch_ms reads that back (never -0).
      const ms = Math.round(value)
      return Math.abs(ms) <= TWO_POW_53 ? ms + 0 : UNKEPT
    }
  }
}

/** `rows` in their read-back form and the contract's order, or undefined when that is not exact. */
const readBackRows = (contract: AnyContract, rows: ReadonlyArray<Row>): ReadonlyArray<Row> | undefined => {
  const names = contract.columns.map((column) => column.name)
  const types = contract.columns.map((column) => column.duckdbType)
  const nullable = contract.columns.map((column) => column.nullable)
  const width = names.length
  const out: Array<Row> = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const source = rows[i]!
    const row: Record<string, unknown> = {}
    for (let c = 0; c < width; c++) {
      const name = names[c]!
      const value = readBack(types[c]!, nullable[c]!, source[name])
      if (value === UNKEPT) return undefined
      row[name] = value
    }
    out[i] = row
  }
  const keys = contract.sortKeys
  for (const row of out) for (const key of keys) if (row[key] === null) return undefined
  const compareRows = (a: Row, b: Row): number => {
    for (const key of keys) {
      const x = a[key]
      const y = b[key]
      // Same column, so the same JS type (a NULL sort key was ruled out above).
      const c = typeof x === "string" ? compareStrings(x, y as string) : compareNumbers(Number(x), Number(y))
      if (c !== 0) return c
    }
    return 0
  }
  out.sort(compareRows)
  for (let i = 1; i < out.length; i++) if (!(compareRows(out[i - 1]!, out[i]!) < 0)) return undefined
  return out
}

const keyOf = (artifactId: string, contract: AnyContract) => `${artifactId}\u0000${contract.type}\u0000${contract.schemaVersion}`

/** Rows of a contract in read-back form (`readBackForm`), ready to be remembered for an artifact. */
export interface ReadBackRows {
  readonly contract: AnyContract
  readonly rows: ReadonlyArray<Row>
}

/**
 * `rows` of `contract` in the form reading their canonical Parquet file back would give, when that
 * is exact (see above); else undefined. CPU only: a writer may compute it while its file is being
 * made durable, then `remember` it under the artifact's id.
 */
export const readBackForm = (contract: AnyContract, rows: ReadonlyArray<Row>): ReadBackRows | undefined => {
  if (rows.length > MAX_ROWS) return undefined
  const kept = readBackRows(contract, rows)
  return kept === undefined ? undefined : { contract, rows: kept }
}

/** Records that the data file of `artifactId` holds `readBack` (rows written in this process). */
export const remember = (artifactId: string, readBack: ReadBackRows): void => {
  const { contract, rows: kept } = readBack
  const key = keyOf(artifactId, contract)
  const previous = known.get(key)
  if (previous !== undefined) {
    known.delete(key)
    knownRows -= previous.rows.length
  }
  known.set(key, { contract, rows: kept })
  knownRows += kept.length
  for (const [oldest, entry] of known) {
    if (known.size <= MAX_TABLES && knownRows <= MAX_ROWS) break
    known.delete(oldest)
    knownRows -= entry.rows.length
  }
}

/**
 * Records that the data file of `artifactId` holds `rows` of `contract`, written by the canonical
 * row writer (`writeRows`) in this process: kept in read-back form when that is exact (see above).
 */
export const rememberRows = (artifactId: string, contract: AnyContract, rows: ReadonlyArray<Row>): void => {
  const readBack = readBackForm(contract, rows)
  if (readBack !== undefined) remember(artifactId, readBack)
}

/** The rows `readRows(contract, <data file of artifactId>)` returns, when this process knows them. */
export const rememberedRows = <Cols extends ReadonlyArray<ColumnDef>>(
  artifactId: string,
  contract: Contract<Cols>
): ReadonlyArray<JsRowOf<Cols>> | undefined => {
  const entry = known.get(keyOf(artifactId, contract))
  // Same type and schema version, and the very contract whose columns shaped the rows.
  if (entry === undefined || entry.contract !== contract) return undefined
  // Read-back form of `contract`'s columns, as readRows types its result.
  return entry.rows as ReadonlyArray<JsRowOf<Cols>>
}

/**
 * The rows of artifact `artifactId` as `readRows` gives them: remembered (`rememberRows`), else
 * read from its data file after checking its columns (`contractDataPath`).
 */
export const readArtifactRows = <Cols extends ReadonlyArray<ColumnDef>>(artifactId: ArtifactId, contract: Contract<Cols>) =>
  Effect.suspend(() => {
    const remembered = rememberedRows(artifactId, contract)
    return remembered !== undefined
      ? Effect.succeed(remembered)
      : Effect.flatMap(contractDataPath(artifactId, contract), (path) => readRows(contract, path))
  })
