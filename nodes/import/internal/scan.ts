/**
 * The one streaming pass over a CSV file before DuckDB reads it. It decides the line ending once
 * (from the first line: LF, CR LF or a bare CR), and follows records as DuckDB will (a line end
 * inside a quoted field continues the record), so that
 * - the header, the timestamp sample and DuckDB all split the file the same way;
 * - every record longer than `MAX_LINE_BYTES` is named (DuckDB's reader drops a record larger than
 *   its buffer without a word, even with store_rejects);
 * - records are counted independently of DuckDB, so the importer can prove that none was dropped;
 * - blank lines (which DuckDB skips) and the continuation lines of records spanning several lines
 *   are known, so that row numbers can be mapped back to lines.
 * Memory stays flat: 1 MiB reads; line ends found with Buffer.indexOf in chunks without quotes.
 */
import { Effect } from "effect"
import { open } from "node:fs/promises"
import { type ImportProblem, ImportSourceError, ImportValidationError, MAX_REPORTED_PROBLEMS } from "../ImportError.js"
import type { Delimiter } from "../ImportOptions.js"

/** The longest record (line, or lines of one record with quoted line ends) accepted, in bytes. */
export const MAX_LINE_BYTES = 1024 * 1024

export type LineEnding = "\n" | "\r\n" | "\r"

export interface CsvScan {
  readonly lineEnding: LineEnding
  /** The first record (the header, or the first data record), without BOM and line end. */
  readonly firstLine: string
  /** The first `SAMPLE_LINES` records (header included), each whole, for the timestamp sniff. */
  readonly sampleLines: ReadonlyArray<string>
  /** Empty lines followed by a non-empty record (DuckDB skips them). */
  readonly blankLines: ReadonlyArray<number>
  /** Lines that continue a record (a line end inside a quoted field), in order. */
  readonly continuationLines: ReadonlyArray<number>
  /** Non-empty records, the first one (a header or not) included. */
  readonly records: number
}

const CHUNK_BYTES = 1024 * 1024
const HEAD_BYTES = MAX_LINE_BYTES + 2
const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22
const SAMPLE_LINES = 101
const SAMPLE_BYTES = 64 * 1024

const grouped = (n: number) => n.toLocaleString("en-US")

const ENDING_NAME: Record<LineEnding, string> = { "\n": "LF", "\r\n": "CR LF", "\r": "CR" }

/** The line ending of the first line of `head`; null when there is none within the limit. */
const detectLineEnding = (head: Buffer, wholeFile: boolean): LineEnding | null => {
  const lf = head.indexOf(LF)
  const cr = head.indexOf(CR)
  const first = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr)
  if (first === -1) return wholeFile && head.length <= MAX_LINE_BYTES ? "\n" : null
  if (first > MAX_LINE_BYTES) return null
  if (head[first] === LF) return "\n"
  return head[first + 1] === LF ? "\r\n" : "\r"
}

/** Problems of the file's structure: at most MAX_REPORTED_PROBLEMS kept, all counted. */
class Problems {
  readonly list: Array<ImportProblem> = []
  total = 0
  add(row: number, message: string) {
    this.total++
    if (this.list.length < MAX_REPORTED_PROBLEMS) this.list.push({ row, column: null, message })
  }
}

interface QuoteState {
  /** Inside a quoted field. */
  quoted: boolean
  /** Set when the chunk ends on a quote inside a quoted field (the next byte decides). */
  pendingQuote: boolean
  /** Where the current record starts, relative to the chunk (negative: in an earlier chunk). */
  recordStart: number
  /** The byte before the chunk. */
  prevByte: number
}

/**
 * The line ends in `chunk` from `from` on, for a chunk with quotes, byte by byte (where quotes are
 * dense, faster than an indexOf per quote; a plain function so that V8 keeps the state in
 * registers): a record's end as its index, a line end inside a quoted field as -(index + 1).
 */
const lineEndsWithQuotes = (
  chunk: Uint8Array,
  from: number,
  term: number,
  delim: number,
  state: QuoteState,
  out: Array<number>
): void => {
  const n = chunk.length
  let quoted = state.quoted
  let start = state.recordStart
  for (let i = from; i < n; i++) {
    const b = chunk[i]!
    if (quoted) {
      if (b === QUOTE) {
        if (i + 1 === n) state.pendingQuote = true
        else if (chunk[i + 1] === QUOTE) i++
        else quoted = false
      } else if (b === term) out.push(-(i + 1))
    } else if (b === term) {
      out.push(i)
      start = i + 1
    } else if (b === QUOTE && (i === start || (i > 0 ? chunk[i - 1] : state.prevByte) === delim)) {
      // A quote opens a quoted field only at the start of a field (as DuckDB reads it).
      quoted = true
    }
  }
  state.quoted = quoted
  state.recordStart = start
}

type ScanOutcome =
  | { readonly _tag: "Scanned"; readonly scan: CsvScan; readonly problems: Problems }
  | { readonly _tag: "FirstLineTooLong" }

const scanFile = async (file: string, delimiter: Delimiter, scanned: { bytes: number }): Promise<ScanOutcome> => {
  const handle = await open(file, "r")
  try {
    const head = Buffer.allocUnsafe(HEAD_BYTES)
    const headRead = (await handle.read(head, 0, HEAD_BYTES, 0)).bytesRead
    const lineEnding = detectLineEnding(head.subarray(0, headRead), headRead < HEAD_BYTES)
    if (lineEnding === null) return { _tag: "FirstLineTooLong" }

    const term = lineEnding === "\r" ? CR : LF
    const delim = delimiter.charCodeAt(0)
    const problems = new Problems()
    const blanks: Array<number> = []
    let pendingBlanks: Array<number> = []
    const continuation: Array<number> = []
    const sample: Array<readonly [number, number]> = []
    let records = 0
    let firstRecordEnd = -1
    let recordIndex = 0 // records seen, empty ones included
    let line = 1 // the line at the scan position
    let recordStart = 0 // absolute offset of the current record
    let recordLine = 1
    let recordFirstByte = -1 // -1: not known yet
    let inQuotes = false
    let pendingQuote = false // a quote inside quotes was the last byte of the previous chunk
    let prevByte = -1 // the last byte of the previous chunk
    let offset = 0 // absolute offset of the chunk

    /** Ends the current record at absolute `end` (its line end, or the end of the file). */
    const endRecord = (end: number, lastByte: number, atEof: boolean) => {
      const length = end - recordStart
      const endsWithCr = length > 0 && lastByte === CR
      const content = lineEnding === "\r\n" && endsWithCr ? length - 1 : length
      let blank = content === 0
      if (!atEof) {
        const mixed = lineEnding === "\n" ? endsWithCr
          : lineEnding === "\r\n" ? !endsWithCr
          : recordFirstByte === LF
        if (mixed) {
          const found = lineEnding === "\n" ? "CR LF" : lineEnding === "\r\n" ? "LF" : "CR LF"
          problems.add(recordLine, `line ends with ${found} but the first line with ${ENDING_NAME[lineEnding]}: mixed line endings`)
          blank = false
        }
      } else if (length === 1 && lastByte === CR) blank = true
      if (atEof && length === 0) return
      if (content > MAX_LINE_BYTES) {
        problems.add(recordLine, `the line is longer than the limit of ${grouped(MAX_LINE_BYTES)} bytes (${grouped(content)} bytes)`)
      }
      if (recordIndex === 0) firstRecordEnd = recordStart + content
      if (recordIndex < SAMPLE_LINES && recordStart + content <= SAMPLE_BYTES) sample.push([recordStart, recordStart + content])
      recordIndex++
      if (blank) pendingBlanks.push(recordLine)
      else {
        records++
        if (pendingBlanks.length > 0) {
          blanks.push(...pendingBlanks)
          pendingBlanks = []
        }
      }
    }

    const quotes: QuoteState = { quoted: false, pendingQuote: false, recordStart: 0, prevByte: -1 }
    const ends: Array<number> = []
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, offset)
      if (bytesRead === 0) break
      scanned.bytes += bytesRead
      const chunk = buffer.subarray(0, bytesRead)
      const byteBefore = (i: number) => (i > 0 ? chunk[i - 1]! : prevByte)
      let i = 0
      if (recordFirstByte === -1 && recordStart === offset) recordFirstByte = chunk[0]!
      if (pendingQuote) {
        pendingQuote = false
        if (chunk[0] === QUOTE) i = 1
        else inQuotes = false
      }
      const lineEnd = (t: number) => {
        endRecord(offset + t, byteBefore(t), false)
        line++
        recordStart = offset + t + 1
        recordLine = line
        recordFirstByte = t + 1 < bytesRead ? chunk[t + 1]! : -1
      }
      if (!inQuotes && chunk.indexOf(QUOTE, i) === -1) {
        // No quote in the chunk: only line ends matter.
        for (let t = chunk.indexOf(term, i); t !== -1; t = chunk.indexOf(term, t + 1)) lineEnd(t)
      } else {
        quotes.quoted = inQuotes
        quotes.recordStart = recordStart - offset
        quotes.prevByte = prevByte
        quotes.pendingQuote = false
        ends.length = 0
        lineEndsWithQuotes(chunk, i, term, delim, quotes, ends)
        for (const end of ends) {
          if (end >= 0) lineEnd(end)
          else {
            line++
            continuation.push(line)
          }
        }
        inQuotes = quotes.quoted
        pendingQuote = quotes.pendingQuote
      }
      prevByte = chunk[bytesRead - 1]!
      offset += bytesRead
    }
    if (inQuotes && !pendingQuote) {
      problems.add(recordLine, "a quoted field is not closed before the end of the file")
    }
    endRecord(offset, prevByte, true)

    const text = (start: number, end: number) => head.subarray(start, Math.min(end, headRead)).toString("utf8")
    const strip = (value: string) => (value.endsWith("\r") ? value.slice(0, -1) : value)
    const firstLine = strip(text(0, Math.max(firstRecordEnd, 0))).replace(/^\uFEFF/, "")
    const sampleLines = sample.map(([start, end]) => strip(text(start, end)))
    if (sampleLines.length > 0) sampleLines[0] = sampleLines[0]!.replace(/^\uFEFF/, "")
    return {
      _tag: "Scanned",
      scan: { lineEnding, firstLine, sampleLines, blankLines: blanks, continuationLines: continuation, records },
      problems
    }
  } finally {
    await handle.close()
  }
}

const ioReason = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code)
  : cause instanceof Error ? cause.message
  : String(cause)

/**
 * Scans `file` (progress in `scanned.bytes`). Fails fast when the first line has no line end
 * within `MAX_LINE_BYTES`, and with every structural problem (records over the limit, mixed line
 * endings, an unclosed quote) once the file is read.
 */
export const scanCsv = (
  file: string,
  delimiter: Delimiter,
  scanned: { bytes: number }
): Effect.Effect<CsvScan, ImportSourceError | ImportValidationError> =>
  Effect.tryPromise({
    try: () => scanFile(file, delimiter, scanned),
    catch: (cause) => new ImportSourceError({ file, reason: ioReason(cause) })
  }).pipe(
    Effect.flatMap((outcome): Effect.Effect<CsvScan, ImportSourceError | ImportValidationError> => {
      if (outcome._tag === "FirstLineTooLong") {
        return Effect.fail(
          new ImportSourceError({
            file,
            reason: `the first line is longer than ${grouped(MAX_LINE_BYTES)} bytes (no line end within them): not a CSV file?`
          })
        )
      }
      if (outcome.problems.total > 0) {
        return Effect.fail(
          new ImportValidationError({ file, problems: outcome.problems.list, totalProblems: outcome.problems.total })
        )
      }
      return Effect.succeed(outcome.scan)
    })
  )
