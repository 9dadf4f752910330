/**
 * Reading a source file into DuckDB: format detection, the header (read here, so that DuckDB never
 * guesses the dialect), blank lines (DuckDB skips them silently, which would shift line numbers),
 * header-name mapping, and the load itself into a typed temp table `src`.
 *
 * `src` keeps rows in file order (insertion order is preserved), so `src.rowid` is the record's
 * index; `LineMap` turns it back into a line number using the lines DuckDB did not turn into rows
 * (blank lines, rejected lines).
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Effect } from "effect"
import { stat } from "node:fs/promises"
import { basename } from "node:path"
import { Duck } from "../../duckdb/index.js"
import { ImportSourceError, ImportValidationError } from "../ImportError.js"
import type { Delimiter, ImportProgress, SourceFormat, TsUnit } from "../ImportOptions.js"
import { queryProgress, withProgress } from "./progress.js"
import { type LineEnding, MAX_LINE_BYTES, scanCsv } from "./scan.js"

export type FieldKind = "ts" | "double" | "varchar"

/** A value the importer looks for in the file. */
export interface FieldSpec {
  /** Contract column name (a plain identifier). */
  readonly name: string
  /** Accepted header names, lowercase, in priority order. */
  readonly aliases: ReadonlyArray<string>
  readonly kind: FieldKind
}

export interface MappedField {
  readonly spec: FieldSpec
  readonly index: number
  /** The column's name as the file (or the `columns` option) spells it. */
  readonly sourceName: string
  /** The DuckDB type of the source column (CSV: always VARCHAR). */
  readonly sourceType: string
}

export interface SourceInfo {
  readonly file: string
  readonly format: "csv" | "parquet"
  /** The file's size in bytes (when inspected). */
  readonly bytes: number
  readonly names: ReadonlyArray<string>
  readonly types: ReadonlyArray<string>
  /** Line of the header, or null. */
  readonly headerLine: number | null
  /** Line (CSV) or row (Parquet) number of the first record. */
  readonly firstRecordLine: number
  /** CSV lines that are empty and have records after them (DuckDB skips them). */
  readonly blankLines: ReadonlyArray<number>
  /** CSV lines that continue a record (a line end inside a quoted field). */
  readonly continuationLines: ReadonlyArray<number>
  /** CSV: the line ending of the file (from its first line); DuckDB is told to use it. */
  readonly lineEnding: LineEnding
  /** CSV: the non-empty data records the scan counted (DuckDB's rows and rejects must add up to it). */
  readonly dataRecords: number | null
  readonly delimiter: Delimiter
  /** CSV only: the first records, split into fields (for the timestamp format sniff). */
  readonly sample: ReadonlyArray<ReadonlyArray<string>>
}

/**
 * The most columns a CSV may have: DuckDB's reader is told every column, and half a million of them
 * (a 1 MiB header of one-letter names) took 50 s and 1.4 GB; 4,096 cost nothing measurable.
 */
export const MAX_COLUMNS = 4096

const sourceError = (file: string, reason: string) => new ImportSourceError({ file, reason })

const ioReason = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code)
  : cause instanceof Error ? cause.message
  : String(cause)

/** Splits one CSV line on `delimiter`, honouring double quotes ("" inside quotes is a quote). */
export const splitCsvLine = (line: string, delimiter: string): Array<string> => {
  const fields: Array<string> = []
  let current = ""
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"'
        i++
      } else if (ch === '"') quoted = false
      else current += ch
    } else if (ch === '"') quoted = true
    else if (ch === delimiter) {
      fields.push(current)
      current = ""
    } else current += ch
  }
  fields.push(current)
  return fields
}

const TEMPORAL_TYPE = /^(TIMESTAMP|DATE)/
const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/

export const isTemporalType = (type: string) => TEMPORAL_TYPE.test(type)
export const isNumericType = (type: string) => NUMERIC_TYPE.test(type)

export interface InspectOptions {
  readonly file: string
  readonly format?: SourceFormat | undefined
  readonly columns?: ReadonlyArray<string> | undefined
  readonly header?: boolean | undefined
  readonly delimiter?: Delimiter | undefined
}

const formatOf = (file: string, format: SourceFormat | undefined): "csv" | "parquet" | "gzip" => {
  if (format === "csv" || format === "parquet") return format
  const lower = file.toLowerCase()
  if (lower.endsWith(".gz") || lower.endsWith(".zst")) return "gzip"
  return lower.endsWith(".parquet") || lower.endsWith(".pq") ? "parquet" : "csv"
}

/**
 * Looks at the file (never at its data rows, except for the CSV blank-line scan, whose progress
 * goes to `onProgress` in "bytes scanned").
 */
export const inspectSource = (
  conn: DuckDBConnection,
  options: InspectOptions,
  onProgress?: ImportProgress
): Effect.Effect<SourceInfo, ImportSourceError | ImportValidationError> =>
  Effect.gen(function* () {
    const file = options.file
    const info = yield* Effect.tryPromise({ try: () => stat(file), catch: (cause) => sourceError(file, ioReason(cause)) })
    if (!info.isFile()) return yield* Effect.fail(sourceError(file, "not a regular file"))
    const format = formatOf(file, options.format)
    const delimiter = options.delimiter ?? ","
    if (format === "gzip") {
      return yield* Effect.fail(sourceError(file, "compressed files are not supported: decompress first"))
    }
    if (format === "parquet") {
      const described = yield* Duck.readRowsJson(
        conn,
        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))",
        [Duck.literalPath(file)]
      ).pipe(Effect.mapError((error) => sourceError(file, `not a readable Parquet file: ${error.message}`)))
      const parquetNames = described.map((row) => String(row.column_name))
      if (options.columns !== undefined && options.columns.length !== parquetNames.length) {
        return yield* Effect.fail(
          sourceError(file, `the file has ${parquetNames.length} columns but the columns option names ${options.columns.length}`)
        )
      }
      return {
        file,
        format,
        bytes: info.size,
        names: options.columns ?? parquetNames,
        types: described.map((row) => String(row.column_type)),
        headerLine: null,
        firstRecordLine: 1,
        blankLines: [],
        continuationLines: [],
        lineEnding: "\n" as const,
        dataRecords: null,
        delimiter,
        sample: []
      }
    }
    const scanned = { bytes: 0 }
    const scan = yield* withProgress(scanCsv(file, delimiter, scanned), () => scanned.bytes, info.size, "bytes scanned", onProgress)
    const header = options.header ?? options.columns === undefined
    const names = options.columns ?? splitCsvLine(scan.firstLine, delimiter)
    const headerFields = header ? splitCsvLine(scan.firstLine, delimiter).length : names.length
    if (options.columns !== undefined && header && headerFields !== names.length) {
      return yield* Effect.fail(
        sourceError(file, `the header has ${headerFields} columns but the columns option names ${names.length}`)
      )
    }
    if (names.length > MAX_COLUMNS || headerFields > MAX_COLUMNS) {
      const count = Math.max(names.length, headerFields).toLocaleString("en-US")
      return yield* Effect.fail(
        sourceError(file, `the ${header ? "header" : "first line"} has ${count} columns, more than the limit of ${MAX_COLUMNS.toLocaleString("en-US")}`)
      )
    }
    const firstRecordLine = header ? 2 : 1
    return {
      file,
      format,
      bytes: info.size,
      names,
      types: names.map(() => "VARCHAR"),
      headerLine: header ? 1 : null,
      firstRecordLine,
      blankLines: scan.blankLines.filter((line) => line >= firstRecordLine),
      continuationLines: scan.continuationLines,
      lineEnding: scan.lineEnding,
      dataRecords: scan.records - (header && scan.records > 0 ? 1 : 0),
      delimiter,
      sample: scan.sampleLines.slice(firstRecordLine - 1).filter((line) => line !== "")
        .map((line) => splitCsvLine(line, delimiter))
    }
  })

const normalizeName = (name: string) => name.trim().toLowerCase()

export interface FieldMapping {
  readonly mapped: ReadonlyMap<string, MappedField>
  readonly missing: ReadonlyArray<FieldSpec>
}

/** Maps each field to the first source column matching its aliases (case-insensitive, trimmed). */
export const mapFields = (source: SourceInfo, specs: ReadonlyArray<FieldSpec>): FieldMapping => {
  const normalized = source.names.map(normalizeName)
  const mapped = new Map<string, MappedField>()
  const missing: Array<FieldSpec> = []
  for (const spec of specs) {
    let found = -1
    for (const alias of spec.aliases) {
      found = normalized.indexOf(alias)
      if (found !== -1) break
    }
    if (found === -1) missing.push(spec)
    else {
      mapped.set(spec.name, {
        spec,
        index: found,
        sourceName: source.names[found]!.trim(),
        sourceType: source.types[found] ?? "VARCHAR"
      })
    }
  }
  return { mapped, missing }
}

/**
 * Fails when a name a field looks for appears more than once among the source's columns (which one
 * is meant is unknowable); other repeated names (never read) are let be.
 */
export const refuseDuplicateColumns = (
  source: SourceInfo,
  specs: ReadonlyArray<FieldSpec>
): Effect.Effect<void, ImportValidationError> => {
  const normalized = source.names.map(normalizeName)
  const where = source.headerLine !== null ? "the header" : source.format === "csv" ? "the columns option" : "the columns"
  const problems = [...new Set(specs.flatMap((spec) => spec.aliases))].flatMap((alias) => {
    const positions = normalized.flatMap((name, i) => (name === alias ? [i + 1] : []))
    if (positions.length < 2) return []
    const times = positions.length === 2 ? "twice" : `${positions.length} times`
    const columns = `${positions.slice(0, -1).join(", ")} and ${positions[positions.length - 1]}`
    return [{
      row: source.headerLine,
      column: source.names[positions[0]! - 1]!.trim(),
      message: `appears ${times} in ${where} (columns ${columns}): which one is meant is ambiguous`
    }]
  })
  return problems.length === 0
    ? Effect.void
    : Effect.fail(new ImportValidationError({ file: source.file, problems, totalProblems: problems.length }))
}

/** Fails with one problem per required field the file lacks. */
export const failMissingColumns = (
  source: SourceInfo,
  missing: ReadonlyArray<FieldSpec>
): Effect.Effect<never, ImportValidationError> => {
  const looksLikeData = source.headerLine !== null && source.names.length > 0 &&
    source.names.every((name) => name.trim() !== "" && !Number.isNaN(Number(name)))
  const hint = looksLikeData ? "; the first line looks like data: pass columns for a headerless file" : ""
  const problems = missing.map((spec, i) => ({
    row: source.headerLine,
    column: spec.name,
    message: `missing column (looked for ${spec.aliases.join(", ")})${i === 0 ? hint : ""}`
  }))
  return Effect.fail(new ImportValidationError({ file: source.file, problems, totalProblems: problems.length }))
}

export const columnId = (index: number) => `c${index}`

/**
 * How a `ts` field is parsed at load time: as ISO-8601 text, as a number (epoch), both (text
 * columns of Parquet files with `tsUnit` auto), or natively (TIMESTAMP/DATE or numeric Parquet).
 */
export type TsParse = "iso" | "epoch" | "both" | "native-timestamp" | "native-number"

const EPOCH_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/

/**
 * Decides the parse of a `ts` field. With `tsUnit` auto, a CSV's first records decide: all
 * numeric → epoch, else ISO (rows in the other format are then reported as invalid). Parsing one
 * way only matters: a failing cast costs more than a successful one.
 */
export const tsParseOf = (source: SourceInfo, field: MappedField, unit: TsUnit | undefined): TsParse => {
  if (isTemporalType(field.sourceType)) return "native-timestamp"
  if (isNumericType(field.sourceType)) return "native-number"
  if (unit === "iso") return "iso"
  if (unit === "s" || unit === "ms" || unit === "us") return "epoch"
  const values = source.sample.map((fields) => fields[field.index] ?? "").filter((value) => value.trim() !== "")
  if (values.length === 0) return "both"
  return values.every((value) => EPOCH_TEXT.test(value)) ? "epoch" : "iso"
}

/** TIMESTAMP (UTC) from text with an optional offset; epoch_us avoids a per-row ICU calendar. */
const isoToTimestamp = (text: string) => `make_timestamp(epoch_us(TRY_CAST(${text} AS TIMESTAMPTZ)))`

/**
 * Columns of `src` per field `f`: varchar → `f_<f>`; double → `f_<f>` (parsed) and `r_<f>` (the
 * text, only when it did not parse); ts → `n_<f>` (as a number), `i_<f>` (as a timestamp, UTC) and
 * `r_<f>` (the text, only when neither parsed). The inner SELECT parses once; the outer keeps the
 * text only for values that failed.
 */
const fieldExpressions = (field: MappedField, parse: TsParse | undefined): { inner: string; outer: string } => {
  const c = columnId(field.index)
  const n = field.spec.name
  const text = `CAST(${c} AS VARCHAR)`
  switch (field.spec.kind) {
    case "varchar":
      return { inner: `nullif(${text}, '') AS f_${n}`, outer: `f_${n}` }
    case "double":
      return {
        inner: `TRY_CAST(${c} AS DOUBLE) AS f_${n}, ${text} AS t_${n}`,
        outer: `f_${n}, CASE WHEN f_${n} IS NULL THEN t_${n} END AS r_${n}`
      }
    case "ts": {
      const [numeric, iso] =
        parse === "native-timestamp" ? ["NULL::DOUBLE", `CAST(${c} AS TIMESTAMP)`]
        : parse === "native-number" ? [`CAST(${c} AS DOUBLE)`, "NULL::TIMESTAMP"]
        : parse === "iso" ? ["NULL::DOUBLE", isoToTimestamp(text)]
        : parse === "epoch" ? [`TRY_CAST(${c} AS DOUBLE)`, "NULL::TIMESTAMP"]
        : [`TRY_CAST(${c} AS DOUBLE)`, isoToTimestamp(text)]
      return {
        inner: `${numeric} AS n_${n}, ${iso} AS i_${n}, ${text} AS t_${n}`,
        outer: `n_${n}, i_${n}, CASE WHEN n_${n} IS NULL AND i_${n} IS NULL THEN t_${n} END AS r_${n}`
      }
    }
  }
}

const NEW_LINE_SQL: Record<LineEnding, string> = { "\n": "'\\n'", "\r\n": "'\\r\\n'", "\r": "'\\r'" }

const CSV_DELIMITER_SQL: Record<Delimiter, string> = { ",": "','", ";": "';'", "\t": "'\\t'", "|": "'|'" }

/**
 * Loads the file into the temp table `src`, one typed row per record, in file order; progress in
 * "bytes loaded" (DuckDB's query progress, which needs `enableQueryProgress`).
 */
export const loadSource = (
  conn: DuckDBConnection,
  source: SourceInfo,
  fields: ReadonlyArray<MappedField>,
  tsParse: TsParse,
  onProgress?: ImportProgress
): Effect.Effect<void, ImportSourceError> => {
  const ids = source.names.map((_, i) => columnId(i))
  const reader = source.format === "parquet"
    ? `read_parquet($1) AS t(${ids.join(", ")})`
    : `read_csv($1, delim=${CSV_DELIMITER_SQL[source.delimiter]}, quote='"', escape='"', header=false, ` +
      `skip=${source.headerLine === null ? 0 : 1}, auto_detect=false, null_padding=true, store_rejects=true, ` +
      `new_line=${NEW_LINE_SQL[source.lineEnding]}, max_line_size=${MAX_LINE_BYTES + 2}, ` +
      // DuckDB's parallel reader refuses quoted line ends together with null_padding.
      (source.continuationLines.length > 0 ? "parallel=false, " : "") +
      `columns={${ids.map((id) => `'${id}': 'VARCHAR'`).join(", ")}})`
  const expressions = fields.map((field) => fieldExpressions(field, tsParse))
  const sql = `CREATE TEMP TABLE src AS SELECT ${expressions.map((e) => e.outer).join(", ")} ` +
    `FROM (SELECT ${expressions.map((e) => e.inner).join(", ")} FROM ${reader})`
  return withProgress(
    Duck.run(conn, sql, [Duck.literalPath(source.file)]).pipe(
      Effect.asVoid,
      Effect.mapError((error) => sourceError(source.file, error.message))
    ),
    queryProgress(conn, source.bytes),
    source.bytes,
    "bytes loaded",
    onProgress
  )
}

/** The default artifact name of a file: its base name without extension. */
export const fileStem = (file: string): string => {
  const base = basename(file)
  const dot = base.indexOf(".")
  return dot > 0 ? base.slice(0, dot) : base
}
