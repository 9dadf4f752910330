/**
 * Problems with line numbers: DuckDB's rejected lines, the mapping from `src.rowid` back to the
 * source line (skipping lines DuckDB did not turn into records), and the combined error.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Effect } from "effect"
import { Duck } from "../../duckdb/index.js"
import { type ImportProblem, ImportSourceError, ImportValidationError, MAX_REPORTED_PROBLEMS } from "../ImportError.js"
import type { SourceInfo } from "./source.js"

/** A problem found by SQL: the record's `src.rowid`, and optionally another record it refers to. */
export interface RowProblem {
  readonly rid: number
  readonly column: string | null
  /** May contain `{line}`: replaced by the line of `otherRid`. */
  readonly message: string
  readonly otherRid: number | null
}

/** Record index → line number, skipping lines DuckDB did not turn into records. */
export class LineMap {
  private readonly skipped: ReadonlyArray<number>
  constructor(private readonly firstRecordLine: number, skippedLines: ReadonlyArray<number>) {
    this.skipped = [...new Set(skippedLines)].filter((line) => line >= firstRecordLine).sort((a, b) => a - b)
  }
  line(rid: number): number {
    let line = this.firstRecordLine + rid
    for (const skipped of this.skipped) {
      if (skipped <= line) line++
      else break
    }
    return line
  }
}

/** Structural problems DuckDB reported while reading (too many fields, bad encoding, …). */
export const readRejects = (
  conn: DuckDBConnection,
  source: SourceInfo
): Effect.Effect<{ readonly lines: ReadonlyArray<number>; readonly problems: ReadonlyArray<ImportProblem> }, ImportSourceError> => {
  if (source.format !== "csv") return Effect.succeed({ lines: [], problems: [] })
  return Duck.readRowsJson(
    conn,
    `SELECT line, any_value(error_type ORDER BY column_idx) AS error_type, any_value(error_message ORDER BY column_idx) AS error_message
     FROM reject_errors GROUP BY line ORDER BY line`
  ).pipe(
    Effect.map((rows) => {
      // DuckDB numbers records (empty lines and the header included), not lines: a record
      // spanning several lines through quoted line ends counts once.
      const recordLines = new LineMap(1, source.continuationLines)
      const lines = rows.map((row) => recordLines.line(Number(row.line) - 1))
      const problems = rows.map((row, i) => ({
        row: lines[i]!,
        column: null,
        message: `${String(row.error_type).toLowerCase()}: ${String(row.error_message)}`
      }))
      return { lines, problems }
    }),
    Effect.mapError((error) => new ImportSourceError({ file: source.file, reason: error.message }))
  )
}

/**
 * Proves that DuckDB turned every non-empty record the scan counted into a row or a reject (its
 * reader is known to drop records without a word, e.g. one larger than its buffer).
 */
export const ensureEveryRecordRead = (
  source: SourceInfo,
  rows: number,
  rejects: { readonly lines: ReadonlyArray<number> }
): Effect.Effect<void, ImportSourceError> => {
  if (source.dataRecords === null) return Effect.void
  const read = rows + new Set(rejects.lines).size
  return read === source.dataRecords ? Effect.void : Effect.fail(
    new ImportSourceError({
      file: source.file,
      reason: `the file holds ${source.dataRecords} records but the CSV reader returned ${read}: ` +
        "nothing was imported rather than dropping rows"
    })
  )
}

/**
 * Combines file-level problems (already with lines) and SQL row problems into one error, or
 * succeeds when there are none. Reports the first `MAX_REPORTED_PROBLEMS` by row, then column order.
 */
export const failOnProblems = (
  source: SourceInfo,
  lineMap: LineMap,
  lineProblems: ReadonlyArray<ImportProblem>,
  rowProblems: ReadonlyArray<RowProblem>,
  rowProblemsTotal: number
): Effect.Effect<void, ImportValidationError> => {
  const total = lineProblems.length + rowProblemsTotal
  if (total === 0) return Effect.void
  const mapped: Array<ImportProblem> = rowProblems.map((problem) => ({
    row: lineMap.line(problem.rid),
    column: problem.column,
    message: problem.otherRid === null ? problem.message : problem.message.replace("{line}", String(lineMap.line(problem.otherRid)))
  }))
  const problems = [...lineProblems, ...mapped]
    .map((problem, order) => ({ problem, order }))
    .sort((a, b) => (a.problem.row ?? 0) - (b.problem.row ?? 0) || a.order - b.order)
    .slice(0, MAX_REPORTED_PROBLEMS)
    .map(({ problem }) => problem)
  return Effect.fail(new ImportValidationError({ file: source.file, problems, totalProblems: total }))
}
