/**
 * The projection's candle loader (the contract is in nodes/project/Projection.ts): a directory
 * per source, row-range scans copied into resident Float64Arrays, and the sorted-table fallback
 * for inputs that are not one canonical file per (chain, mint).
 *
 * Where the time goes (profiled at 10M candles, 2 cores): DuckDB decoding the ZSTD pages (~0.6 s
 * of CPU, whatever reads them), the hand-over of each 2,048-row chunk (a `fetchChunk` round trip
 * through the libuv pool and a `vector_get_data` copy per column: streaming costs about as much
 * CPU again as the decoding itself), the first touch of the resident pages (~40% of the JS
 * thread), and the directory's string grouping. Not the per-value conversion: the vectors' bytes
 * were already copied whole. So:
 * - the copy reads each chunk's vector bytes through `@duckdb/node-bindings` (no `DuckDBVector`
 *   objects or validity copies) and writes only the candles it keeps: from each pair's first
 *   alert on, packed pair after pair, so the room of the skipped candles stays one unwritten block
 *   per range that never becomes resident;
 * - the wanted rows are read as `file_row_number` ranges on two connections at once, so one
 *   stream's round trips overlap the other's decoding (streaming 10M rows: 1 stream ~1.35 s, 2
 *   ~1.0 s; 3 streams were no faster in the benchmark's experiment process, and cost more CPU);
 *   ranges are cut at row-group starts, since DuckDB decodes a whole row group for any of its rows
 *   (cut elsewhere, S decoded ~1.7× its pages);
 * - the directory groups by `mint` alone when the footer shows a single `chain` (half the CPU).
 */
import type { DuckDBConnection, DuckDBDataChunk } from "@duckdb/node-api"
import { Effect, Schedule } from "effect"
import { compareStrings } from "../../../store/index.js"
import { type Database, Duck, type DuckDBError } from "../../duckdb/index.js"
import { toDuckDBError } from "../../duckdb/DuckDBError.js"
import { duckdbBindings } from "../../duckdb/NodeApi.js"
import { type CandleSeries, lowerBoundOf, mintKeyOf, type MintSeries } from "../../simulate/CandleSeries.js"
import type { MintRange, ProjectionSpec } from "../Projection.js"

const micros = (ms: number) => BigInt(Math.round(ms)) * 1000n


/** Where candles are read from: a Parquet file (by `file_row_number`) or the sorted table (by rowid). */
export interface Source {
  readonly relation: string
  readonly rowNumber: string
  readonly params: ReadonlyArray<string>
  /** The Parquet file, whose footer statistics can simplify the directory query. */
  readonly file?: string
}

export const parquetSource = (file: string): Source => ({
  relation: "read_parquet($1, file_row_number = true)",
  rowNumber: "file_row_number",
  params: [Duck.literalPath(file)],
  file
})

const TABLE_SOURCE: Source = { relation: "ohlcv", rowNumber: "rowid", params: [] }

/** One (chain, mint) of one source: its rows `firstRow … firstRow + count - 1` if contiguous. */
export interface DirectoryEntry {
  readonly source: number
  readonly chain: string
  readonly mint: string
  readonly count: number
  readonly firstRow: number
  readonly lastRow: number
  readonly intervalS: number
}

/**
 * What a Parquet footer tells about a file: where its row groups start (DuckDB decodes a row group
 * whole for any of its rows, so ranges cut elsewhere decode it twice), and which columns are proven
 * constant — every row group with statistics, no nulls, the same minimum and maximum. A `chain`
 * that is one value lets the directory group by `mint` alone (one string key to hash instead of
 * two); an `interval_s` that is one value need not be read.
 */
const readFooter = (conn: DuckDBConnection, file: string) =>
  Effect.map(
    Duck.readAll(
      conn,
      `SELECT row_group_id::DOUBLE AS rg, row_group_num_rows::DOUBLE AS n, path_in_schema AS col,
         stats_min_value AS lo, stats_max_value AS hi, stats_null_count::DOUBLE AS nulls
       FROM parquet_metadata($1) WHERE path_in_schema IN ('chain', 'interval_s')`,
      [Duck.literalPath(file)]
    ),
    (reader) => {
      const rows = reader.getRowObjectsJS()
      const groupRows = new Map<number, number>()
      const values = new Map<string, Set<string>>([["chain", new Set()], ["interval_s", new Set()]])
      const seen = new Map<string, number>([["chain", 0], ["interval_s", 0]])
      for (const r of rows) {
        groupRows.set(r.rg as number, r.n as number)
        const col = r.col as string
        seen.set(col, seen.get(col)! + 1)
        const proven = typeof r.lo === "string" && r.lo === r.hi && r.nulls === 0
        values.get(col)!.add(proven ? r.lo as string : "\u0000unknown")
      }
      const starts: Array<number> = []
      let row = 0
      for (const [, n] of [...groupRows].sort((a, b) => a[0] - b[0])) {
        starts.push(row)
        row += n
      }
      const constant = (col: string) => {
        const set = values.get(col)!
        return seen.get(col) === groupRows.size && groupRows.size > 0 && set.size === 1 && !set.has("\u0000unknown")
          ? [...set][0]!
          : undefined
      }
      const interval = Number(constant("interval_s"))
      return {
        rowGroupStarts: starts,
        constantChain: constant("chain") !== undefined,
        intervalS: Number.isSafeInteger(interval) && interval > 0 ? interval : undefined
      }
    }
  )

export interface Directory {
  readonly entries: ReadonlyArray<DirectoryEntry>
  /** Per source, the first row of each of its row groups (`undefined`: unknown, e.g. a table). */
  readonly rowGroupStarts: ReadonlyArray<ReadonlyArray<number> | undefined>
}

/** (chain, mint) → row count, first/last row number and interval, for every pair of every source. */
export const readDirectory = (
  conn: DuckDBConnection,
  sources: ReadonlyArray<Source>
): Effect.Effect<Directory, DuckDBError> =>
  Effect.map(
    Effect.forEach(sources, (source, index) =>
      Effect.gen(function*() {
        const footer = source.file === undefined ? undefined : yield* readFooter(conn, source.file)
        const byMint = footer?.constantChain === true
        const intervalS = footer?.intervalS
        const reader = yield* Duck.readAll(
          conn,
          `SELECT ${byMint ? "any_value(chain)" : "chain"} AS chain, mint, count(*)::DOUBLE AS n,
             min(${source.rowNumber})::DOUBLE AS first_row, max(${source.rowNumber})::DOUBLE AS last_row
             ${intervalS === undefined ? ", min(interval_s)::DOUBLE AS interval_s" : ""}
           FROM ${source.relation} GROUP BY ${byMint ? "mint" : "chain, mint"}`,
          [...source.params]
        )
        const c = reader.getColumnsObjectJS() as Record<string, ReadonlyArray<unknown>>
        const entries = c.chain!.map((chain, i): DirectoryEntry => ({
          source: index,
          chain: chain as string,
          mint: c.mint![i] as string,
          count: c.n![i] as number,
          firstRow: c.first_row![i] as number,
          lastRow: c.last_row![i] as number,
          intervalS: intervalS ?? (c.interval_s![i] as number)
        }))
        return { entries, rowGroupStarts: footer?.rowGroupStarts }
      })),
    (perSource) => ({
      entries: perSource.flatMap((d) => d.entries),
      rowGroupStarts: perSource.map((d) => d.rowGroupStarts)
    })
  )


/**
 * A wanted pair's rows in a source, and where its candles went in the resident arrays: the rows
 * from the first one with ts ≥ `from` on, `copied` of them from `dest`. A pair read by one range
 * is packed (its `dest` is set when its first candle is copied); a pair cut by a range boundary
 * (`split`: its parts may arrive in any order, on two streams) is written whole at its own offsets
 * from `dest` and cut after the scan (`copied` counts the rows written until then).
 */
interface Segment {
  readonly firstRow: number
  readonly count: number
  readonly from: number
  split: boolean
  dest: number
  copied: number
}

/**
 * Rows `start … end - 1` of one source, read by one query; `segments` are the wanted pairs in it
 * (a split one only partly). The candles of its other pairs go to the resident arrays from `base`
 * on, pair after pair as they arrive (`next`), so the room left by the rows before each pair's
 * first alert is one block at the range's end, never written.
 */
interface Range {
  readonly source: Source
  readonly start: number
  readonly end: number
  readonly segments: ReadonlyArray<Segment>
  base: number
  next: number
}

interface Columns {
  readonly ts: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
}

/**
 * Zero-filled (shared) arrays: pages never written are never made resident (the kernel maps them lazily),
 * so the capacity left unwritten at each range's end costs address space, not memory.
 */
const allocate = (n: number): Columns => {
  // Shared buffers: a sweep's worker threads read these very arrays, never a copy.
  const column = () => new Float64Array(new SharedArrayBuffer(Math.max(1, n) * Float64Array.BYTES_PER_ELEMENT))
  return { ts: column(), open: column(), high: column(), low: column(), close: column() }
}

/**
 * Tuning of the scan (defaults measured on 2 cores; scratch drivers vary them).
 * - `streams`: connections reading ranges at once (each fetch is a round trip through the libuv
 *   pool, whose 4 threads the streams share with file I/O; one stream leaves DuckDB idle between
 *   chunks);
 * - `rangesPerStream`: the wanted rows are cut into about `streams × rangesPerStream` ranges of
 *   at least `minRangeRows`, taken from a queue so the streams finish together; cuts fall on row
 *   group boundaries, where no row group is decoded twice;
 * - `gapRows`: unwanted rows between two wanted pairs up to this many are read through (and
 *   skipped in JS) rather than starting another query.
 */
export interface ScanOptions {
  readonly streams: number
  readonly rangesPerStream: number
  readonly minRangeRows: number
  readonly gapRows: number
}

export const DEFAULT_SCAN: ScanOptions = { streams: 2, rangesPerStream: 4, minRangeRows: 1 << 16, gapRows: 1 << 16 }

/** DuckDB's row group size for tables (where the sorted-table fallback's rowids fall). */
const TABLE_ROW_GROUP = 122_880

/**
 * The wanted segments of one source (sorted by first row) cut into ranges: runs of segments
 * closer than `gapRows`, cut further at the first row-group start past `rangeRows` rows. A
 * segment across a cut is marked `split` and listed in both ranges.
 */
const rangesOf = (
  source: Source,
  segments: ReadonlyArray<Segment>,
  rowGroupStarts: ReadonlyArray<number> | undefined,
  rangeRows: number,
  gapRows: number
): Array<Range> => {
  /** The first row-group start at or after `row`. */
  const boundaryFrom = (row: number): number => {
    if (rowGroupStarts === undefined) return Math.ceil(row / TABLE_ROW_GROUP) * TABLE_ROW_GROUP
    const lo = lowerBoundOf(rowGroupStarts, row)
    return lo < rowGroupStarts.length ? rowGroupStarts[lo]! : Number.POSITIVE_INFINITY
  }
  const endOf = (seg: Segment) => seg.firstRow + seg.count
  const bounds: Array<[number, number]> = []
  let i = 0
  while (i < segments.length) {
    let j = i
    while (j + 1 < segments.length && segments[j + 1]!.firstRow - endOf(segments[j]!) <= gapRows) j++
    const end = endOf(segments[j]!)
    let start = segments[i]!.firstRow
    for (;;) {
      const cut = boundaryFrom(start + rangeRows)
      if (cut >= end) break
      bounds.push([start, cut])
      start = cut
    }
    bounds.push([start, end])
    i = j + 1
  }
  const ranges: Array<Range> = []
  let k = 0
  for (const [start, end] of bounds) {
    while (k < segments.length && segments[k]!.firstRow + segments[k]!.count <= start) k++
    const inRange: Array<Segment> = []
    for (let m = k; m < segments.length && segments[m]!.firstRow < end; m++) {
      const seg = segments[m]!
      if (seg.firstRow < start || seg.firstRow + seg.count > end) seg.split = true
      inRange.push(seg)
    }
    ranges.push({ source, start, end, segments: inRange, base: 0, next: 0 })
  }
  return ranges
}

/** One DOUBLE column of a chunk: a copy of the vector's bytes (no per-value conversion). */
const doublesOf = (chunk: DuckDBDataChunk, column: number, rows: number): Float64Array => {
  const duckdb = duckdbBindings()
  const bytes = duckdb.vector_get_data(duckdb.data_chunk_get_vector(chunk.chunk, column), rows * 8)
  return new Float64Array(bytes.buffer, bytes.byteOffset, rows)
}

/**
 * Copies chunk rows `start … start + rows - 1` (of `range`) into `columns`: for each segment, the
 * rows from its first candle with ts ≥ `from` on. `cursor.s` skips segments already done.
 */
const copyChunk = (
  range: Range,
  cursor: { s: number },
  chunk: DuckDBDataChunk,
  start: number,
  rows: number,
  columns: Columns
) => {
  const segments = range.segments
  const end = start + rows
  let s = cursor.s
  while (s < segments.length && segments[s]!.firstRow + segments[s]!.count <= start) s++
  cursor.s = s
  let ts: Float64Array | undefined
  let prices: ReadonlyArray<Float64Array> | undefined
  /** Rows lo … hi - 1 of the chunk to `at` in every column; prices are read from the chunk once. */
  const copyRows = (lo: number, hi: number, at: number) => {
    prices ??= [1, 2, 3, 4].map((column) => doublesOf(chunk, column, rows))
    columns.ts.set(ts!.subarray(lo, hi), at)
    columns.open.set(prices[0]!.subarray(lo, hi), at)
    columns.high.set(prices[1]!.subarray(lo, hi), at)
    columns.low.set(prices[2]!.subarray(lo, hi), at)
    columns.close.set(prices[3]!.subarray(lo, hi), at)
  }
  for (let k = s; k < segments.length; k++) {
    const seg = segments[k]!
    if (seg.firstRow >= end) break
    let lo = Math.max(start, seg.firstRow) - start
    const hi = Math.min(end, seg.firstRow + seg.count) - start
    ts ??= doublesOf(chunk, 0, rows)
    if (seg.split) {
      copyRows(lo, hi, seg.dest + (start + lo - seg.firstRow))
      seg.copied += hi - lo
      continue
    }
    if (seg.copied === 0) {
      while (lo < hi && ts[lo]! < seg.from) lo++
      if (lo === hi) continue
      // A range's segments arrive one after the other: this one starts where the last one ended.
      seg.dest = range.next
    }
    const dest = seg.dest + seg.copied
    copyRows(lo, hi, dest)
    seg.copied += hi - lo
    range.next = dest + (hi - lo)
  }
}

const CANDLE_COLUMNS = "epoch_ms(ts)::DOUBLE, open::DOUBLE, high::DOUBLE, low::DOUBLE, close::DOUBLE"

/**
 * Takes ranges from `queue` until it is empty and streams each into `columns`, all in one promise:
 * one async boundary per worker, not one Effect per 2,048-row chunk. A range's query is
 * `SELECT … FROM <one relation> WHERE <row number> in the range`, no ORDER BY: DuckDB keeps a
 * single-relation scan in the relation's row order ("order preservation",
 * `preserve_insertion_order` at its default), so the k-th row streamed is row `start + k`; a
 * range that yields another number of rows is a defect. The next fetch is issued before the
 * current chunk is copied, so DuckDB produces chunk k + 1 while JS copies chunk k. Interruption
 * stops the loop, interrupts the query *and waits for the loop to settle*, so the scope never
 * closes the connection under a running fetch (the rule of nodes/duckdb/Duck.ts).
 */
const scanWorker = (
  conn: DuckDBConnection,
  queue: { readonly ranges: ReadonlyArray<Range>; next: number },
  columns: Columns,
  progress: { rows: number }
): Effect.Effect<void, DuckDBError> =>
  Effect.async<void, DuckDBError>((resume) => {
    let stopped = false
    let sql = ""
    let defect: Error | undefined
    const loop = (async () => {
      while (!stopped && queue.next < queue.ranges.length) {
        const range = queue.ranges[queue.next++]!
        const { source } = range
        const n = source.params.length
        sql = `SELECT ${CANDLE_COLUMNS} FROM ${source.relation}
               WHERE ${source.rowNumber} >= $${n + 1} AND ${source.rowNumber} < $${n + 2}`
        const result = await conn.stream(sql, [...source.params, BigInt(range.start), BigInt(range.end)])
        const cursor = { s: 0 }
        let position = range.start
        let next = result.fetchChunk()
        try {
          for (;;) {
            const chunk = await next
            if (stopped) return
            if (chunk === null || chunk.rowCount === 0) break
            next = result.fetchChunk()
            const rows = chunk.rowCount
            if (position + rows > range.end) break
            copyChunk(range, cursor, chunk, position, rows, columns)
            position += rows
            progress.rows += rows
          }
        } finally {
          await next.then(() => undefined, () => undefined)
        }
        if (position !== range.end) {
          defect = new Error(`projection streamed ${position - range.start} of rows ${range.start}…${range.end - 1}`)
          return
        }
      }
    })()
    loop.then(
      () => resume(defect === undefined ? Effect.void : Effect.die(defect)),
      (cause) => resume(Effect.fail(toDuckDBError(sql, cause)))
    )
    return Effect.suspend(() => {
      stopped = true
      conn.interrupt()
      return Effect.promise(() => loop.then(() => undefined, () => undefined))
    })
  })

/** Runs `effect` while reporting `read()` of `total` every 250 ms, and once at the end. */
const withProgress = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  read: () => number,
  total: number,
  onProgress: ((done: number, total: number) => Effect.Effect<void>) | undefined
): Effect.Effect<A, E, R> => {
  if (onProgress === undefined) return effect
  const report = Effect.suspend(() => onProgress(Math.min(read(), total), total))
  return Effect.scoped(
    Effect.zipRight(
      Effect.forkScoped(Effect.repeat(report, Schedule.spaced("250 millis"))),
      Effect.zipLeft(effect, report)
    )
  )
}

const strictlyIncreasing = (ts: Float64Array, from: number, to: number): boolean => {
  for (let i = from + 1; i < to; i++) if (!(ts[i]! > ts[i - 1]!)) return false
  return true
}

export interface Loaded {
  readonly mints: ReadonlyArray<MintRange>
  readonly series: ReadonlyArray<MintSeries>
  readonly candleCount: number
}

/**
 * Loads the wanted pairs of `sources` (described by `directory`) into resident arrays: each
 * pair's candles from its first in-range alert (`first`) on. `undefined` when the sources do not
 * have the sorted, one-file-per-pair shape (`strict`), so the caller can fall back to the table.
 *
 * Why the cut is exact: a pair's rows are copied from the first one with ts ≥ its first alert, and
 * (`strict`) the copied rows must be strictly increasing. Every row skipped has ts < the alert,
 * every row copied is ≥ it, so the copy is exactly the pair's candles at or after the alert, in
 * ts order — what the sorted table gives — even when the rows before the alert are not sorted.
 */
export const loadResident = (
  database: Database,
  sources: ReadonlyArray<Source>,
  directory: Directory,
  first: Map<string, number>,
  strict: boolean,
  spec: ProjectionSpec,
  options: ScanOptions = DEFAULT_SCAN
): Effect.Effect<Loaded | undefined, DuckDBError> =>
  Effect.gen(function*() {
    const wanted = directory.entries
      .filter((e) => first.has(mintKeyOf(e.chain, e.mint)))
      .sort((a, b) => compareStrings(a.chain, b.chain) || compareStrings(a.mint, b.mint) || a.source - b.source)
    for (let i = 0; i < wanted.length; i++) {
      const e = wanted[i]!
      const prev = wanted[i - 1]
      if (e.lastRow - e.firstRow + 1 !== e.count) return undefined
      if (prev !== undefined && prev.chain === e.chain && prev.mint === e.mint) return undefined
    }
    let capacity = 0
    const segments: Array<Segment> = []
    const segmentsBySource: Array<Array<Segment>> = sources.map(() => [])
    for (const e of wanted) {
      const from = first.get(mintKeyOf(e.chain, e.mint))!
      const seg: Segment = { firstRow: e.firstRow, count: e.count, from, split: false, dest: 0, copied: 0 }
      capacity += e.count
      segments.push(seg)
      segmentsBySource[e.source]!.push(seg)
    }
    const rangeRows = Math.max(
      1,
      options.minRangeRows,
      Math.ceil(capacity / (options.streams * options.rangesPerStream))
    )
    const ranges = sources.flatMap((source, s) =>
      rangesOf(
        source,
        segmentsBySource[s]!.sort((a, b) => a.firstRow - b.firstRow),
        directory.rowGroupStarts[s],
        rangeRows,
        options.gapRows
      )
    )
    // Each range's packed pairs, then every split pair at its own offsets.
    let base = 0
    for (const range of ranges) {
      range.base = range.next = base
      for (const seg of range.segments) if (!seg.split) base += seg.count
    }
    for (const seg of segments) {
      if (!seg.split) continue
      seg.dest = base
      base += seg.count
    }
    const columns = allocate(capacity)
    const scanTotal = ranges.reduce((n, r) => n + (r.end - r.start), 0)
    const progress = { rows: 0 }
    const queue = { ranges, next: 0 }
    const streams = Math.max(1, Math.min(options.streams, ranges.length))
    yield* withProgress(
      Effect.scoped(
        Effect.flatMap(
          Effect.all(Array.from({ length: streams - 1 }, () => Duck.connect(database))),
          (extra) =>
            Effect.all([database.connection, ...extra].map((conn) => scanWorker(conn, queue, columns, progress)), {
              concurrency: "unbounded",
              discard: true
            })
        )
      ),
      () => progress.rows,
      scanTotal,
      spec.onProgress
    )

    const mints: Array<MintRange> = []
    const series: Array<MintSeries> = []
    let candleCount = 0
    for (let i = 0; i < wanted.length; i++) {
      const e = wanted[i]!
      const seg = segments[i]!
      if (seg.split) {
        // Written whole: cut it where a packed pair's copy would have started.
        if (seg.copied !== seg.count) {
          return yield* Effect.die(new Error(`projection read ${seg.copied} of ${seg.count} rows of a pair`))
        }
        let cut = 0
        while (cut < seg.count && columns.ts[seg.dest + cut]! < seg.from) cut++
        seg.dest += cut
        seg.copied = seg.count - cut
      }
      const start = seg.dest
      const end = start + seg.copied
      if (strict && !strictlyIncreasing(columns.ts, start, end)) return undefined
      const count = seg.copied
      if (count === 0) continue
      const intervalMs = e.intervalS * 1000
      const view: CandleSeries = {
        ts: columns.ts.subarray(start, end),
        open: columns.open.subarray(start, end),
        high: columns.high.subarray(start, end),
        low: columns.low.subarray(start, end),
        close: columns.close.subarray(start, end),
        length: count,
        intervalMs
      }
      mints.push({ chain: e.chain, mint: e.mint, count, intervalMs })
      series.push({ chain: e.chain, mint: e.mint, series: view })
      candleCount += count
    }
    return { mints, series, candleCount }
  })

/** The general path: a sorted copy of the wanted candles in the projection database. */
export const loadThroughTable = (database: Database, spec: ProjectionSpec, first: Map<string, number>) =>
  Effect.gen(function*() {
    const conn = database.connection
    yield* Duck.run(conn, "DROP TABLE IF EXISTS ohlcv")
    yield* Duck.run(
      conn,
      `CREATE TABLE ohlcv AS
         WITH wanted AS (
           SELECT chain, mint, min(alert_ts) AS first_alert
           FROM read_parquet($4)
           WHERE alert_ts >= make_timestamp($2::BIGINT) AND alert_ts < make_timestamp($3::BIGINT)
           GROUP BY chain, mint
         )
         SELECT o.chain, o.mint, o.ts, o.interval_s, o.open, o.high, o.low, o.close
         FROM read_parquet($1) AS o
         JOIN wanted AS w ON o.chain = w.chain AND o.mint = w.mint
         WHERE o.ts >= w.first_alert
         ORDER BY o.chain, o.mint, o.ts`,
      [Duck.literalPaths(spec.ohlcvFiles), micros(spec.from), micros(spec.to), Duck.literalPaths(spec.alertFiles)]
    )
    const directory = yield* readDirectory(conn, [TABLE_SOURCE])
    const loaded = yield* loadResident(database, [TABLE_SOURCE], directory, first, false, spec)
    if (loaded === undefined) return yield* Effect.die(new Error("projection table rows are not contiguous per mint"))
    return loaded
  })
