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
import { open, stat } from "node:fs/promises"
import { basename } from "node:path"
import { Duck } from "../../duckdb/index.js"
import { ImportSourceError, ImportValidationError } from "../ImportError.js"
import type { Delimiter, ImportProgress, SourceFormat, TsUnit } from "../ImportOptions.js"
import { queryProgress, withProgress } from "./progress.js"

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
  readonly delimiter: Delimiter
  /** CSV only: the first records, split into fields (for the timestamp format sniff). */
  readonly sample: ReadonlyArray<ReadonlyArray<string>>
}

const CHUNK_BYTES = 1024 * 1024
const NEWLINE = 0x0a
const CR = 0x0d

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

interface CsvScan {
  readonly firstLine: string
  /** The first `SAMPLE_LINES` lines (header included), for the timestamp format sniff. */
  readonly sampleLines: ReadonlyArray<string>
  readonly blankLines: ReadonlyArray<number>
}

const SAMPLE_LINES = 101
const SAMPLE_BYTES = 64 * 1024

/**
 * One streaming pass over the file: the first line, and every empty line ("" or "\r") that is
 * followed by a non-empty one. Memory stays flat; newlines are found with Buffer.indexOf.
 */
const scanCsv = (file: string, scanned: { bytes: number }): Effect.Effect<CsvScan, ImportSourceError> =>
  Effect.tryPromise({
    try: async () => {
      const handle = await open(file, "r")
      try {
        const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
        const firstLineParts: Array<Buffer> = []
        let firstLineDone = false
        const blanks: Array<number> = []
        let pendingBlanks: Array<number> = []
        let line = 1
        let lineLength = 0 // bytes of the current line seen so far (across chunks)
        let lineFirstByte = -1
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null)
          if (bytesRead === 0) break
          scanned.bytes += bytesRead
          const chunk = buffer.subarray(0, bytesRead)
          let start = 0
          for (;;) {
            const nl = chunk.indexOf(NEWLINE, start)
            const end = nl === -1 ? bytesRead : nl
            if (!firstLineDone) firstLineParts.push(Buffer.from(chunk.subarray(start, end)))
            if (end > start && lineLength === 0) lineFirstByte = chunk[start]!
            lineLength += end - start
            if (nl === -1) break
            const blank = lineLength === 0 || (lineLength === 1 && lineFirstByte === CR)
            if (blank) pendingBlanks.push(line)
            else if (pendingBlanks.length > 0) {
              blanks.push(...pendingBlanks)
              pendingBlanks = []
            }
            firstLineDone = true
            line++
            lineLength = 0
            lineFirstByte = -1
            start = nl + 1
          }
        }
        // A last line without a newline that has content makes earlier blank lines count.
        if (lineLength > 1 || (lineLength === 1 && lineFirstByte !== CR)) blanks.push(...pendingBlanks)
        let firstLine = Buffer.concat(firstLineParts).toString("utf8")
        if (firstLine.charCodeAt(0) === 0xfeff) firstLine = firstLine.slice(1)
        if (firstLine.endsWith("\r")) firstLine = firstLine.slice(0, -1)
        const head = Buffer.allocUnsafe(SAMPLE_BYTES)
        const { bytesRead } = await handle.read(head, 0, SAMPLE_BYTES, 0)
        const sampleLines = head.subarray(0, bytesRead).toString("utf8").replace(/^\uFEFF/, "").split("\n").slice(0, SAMPLE_LINES)
          .map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line))
        if (bytesRead === SAMPLE_BYTES) sampleLines.pop() // possibly cut short
        return { firstLine, sampleLines, blankLines: blanks }
      } finally {
        await handle.close()
      }
    },
    catch: (cause) => sourceError(file, ioReason(cause))
  })

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
): Effect.Effect<SourceInfo, ImportSourceError> =>
  Effect.gen(function* () {
    const file = options.file
    if (/[*?[\]{}]/.test(file)) {
      return yield* Effect.fail(sourceError(file, "the path contains glob characters (* ? [ ] { }), which DuckDB would expand"))
    }
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
        [file]
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
        delimiter,
        sample: []
      }
    }
    const scanned = { bytes: 0 }
    const scan = yield* withProgress(scanCsv(file, scanned), () => scanned.bytes, info.size, "bytes scanned", onProgress)
    const header = options.header ?? options.columns === undefined
    const names = options.columns ?? splitCsvLine(scan.firstLine, delimiter)
    const headerFields = header ? splitCsvLine(scan.firstLine, delimiter).length : names.length
    if (options.columns !== undefined && header && headerFields !== names.length) {
      return yield* Effect.fail(
        sourceError(file, `the header has ${headerFields} columns but the columns option names ${names.length}`)
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
      `columns={${ids.map((id) => `'${id}': 'VARCHAR'`).join(", ")}})`
  const expressions = fields.map((field) => fieldExpressions(field, tsParse))
  const sql = `CREATE TEMP TABLE src AS SELECT ${expressions.map((e) => e.outer).join(", ")} ` +
    `FROM (SELECT ${expressions.map((e) => e.inner).join(", ")} FROM ${reader})`
  return withProgress(
    Duck.run(conn, sql, [source.file]).pipe(
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
