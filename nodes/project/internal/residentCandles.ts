/**
 * The projection's candle loader (the contract is in nodes/project/Projection.ts): a directory
 * per source, one ordered scan per source copied into resident Float64Arrays, and the sorted-table
 * fallback for inputs that are not one canonical file per (chain, mint).
 */
import type { DuckDBConnection, DuckDBDataChunk } from "@duckdb/node-api"
import { listValue } from "@duckdb/node-api"
import { Effect, Schedule } from "effect"
import { Duck, type DuckDBError } from "../../duckdb/index.js"
import { toDuckDBError } from "../../duckdb/DuckDBError.js"
import type { CandleSeries, MintSeries } from "../../simulate/CandleSeries.js"
import type { MintRange, ProjectionSpec } from "../Projection.js"

const micros = (ms: number) => BigInt(Math.round(ms)) * 1000n

/** Map key of a (chain, mint) pair (length-prefixed: no two pairs share one). */
export const keyOf = (chain: string, mint: string): string => `${chain.length}:${chain}/${mint}`

/** Where candles are read from: a Parquet file (by `file_row_number`) or the sorted table (by rowid). */
export interface Source {
  readonly relation: string
  readonly rowNumber: string
  readonly params: ReadonlyArray<string>
}

export const parquetSource = (file: string): Source => ({
  relation: "read_parquet($1, file_row_number = true)",
  rowNumber: "file_row_number",
  params: [file]
})

const TABLE_SOURCE: Source = { relation: "ohlcv", rowNumber: "rowid", params: [] }

/** One (chain, mint) of one source: its rows `firstRow … firstRow + count - 1` if contiguous. */
interface DirectoryEntry {
  readonly source: number
  readonly chain: string
  readonly mint: string
  readonly count: number
  readonly firstRow: number
  readonly lastRow: number
  readonly intervalS: number
}

const readDirectory = (conn: DuckDBConnection, sources: ReadonlyArray<Source>) =>
  Effect.map(
    Effect.forEach(sources, (source, index) =>
      Effect.map(
        Duck.readAll(
          conn,
          `SELECT chain, mint, count(*)::DOUBLE AS n, min(${source.rowNumber})::DOUBLE AS first_row,
             max(${source.rowNumber})::DOUBLE AS last_row, min(interval_s)::DOUBLE AS interval_s
           FROM ${source.relation} GROUP BY chain, mint`,
          [...source.params]
        ),
        (reader) => {
          const c = reader.getColumnsObjectJS() as Record<string, ReadonlyArray<unknown>>
          return c.chain!.map((chain, i): DirectoryEntry => ({
            source: index,
            chain: chain as string,
            mint: c.mint![i] as string,
            count: c.n![i] as number,
            firstRow: c.first_row![i] as number,
            lastRow: c.last_row![i] as number,
            intervalS: c.interval_s![i] as number
          }))
        }
      )),
    (perSource) => perSource.flat()
  )

/** DuckDB's VARCHAR order (bytewise UTF-8), which is code-point order. */
const compareCodePoints = (a: string, b: string): number => {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x - y
    if (x > 0xffff) i++
  }
  return a.length - b.length
}

/** A wanted pair's rows in a source, and where they go in the resident arrays. */
interface Segment {
  readonly firstRow: number
  readonly count: number
  readonly dest: number
}

interface Columns {
  readonly ts: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
}

const allocate = (n: number): Columns => ({
  ts: new Float64Array(n),
  open: new Float64Array(n),
  high: new Float64Array(n),
  low: new Float64Array(n),
  close: new Float64Array(n)
})

const doublesOf = (chunk: DuckDBDataChunk, column: number): Float64Array => {
  const vector = chunk.getColumnVector(column) as unknown as { items?: unknown; getItem: (i: number) => number | null }
  if (vector.items instanceof Float64Array) return vector.items
  const out = new Float64Array(chunk.rowCount)
  for (let i = 0; i < out.length; i++) out[i] = vector.getItem(i) ?? Number.NaN
  return out
}

/**
 * Runs `sql` as a streaming query and hands each chunk to `onChunk` (synchronous), all in one
 * promise: one async boundary per scan instead of one Effect per 2,048-row chunk. Interruption
 * stops the loop, interrupts the query *and waits for the loop to settle*, so the scope never
 * closes the connection under a running fetch (the rule of nodes/duckdb/Duck.ts).
 */
const scan = (
  conn: DuckDBConnection,
  sql: string,
  params: ReadonlyArray<string>,
  onChunk: (chunk: DuckDBDataChunk) => void
): Effect.Effect<void, DuckDBError> =>
  Effect.async<void, DuckDBError>((resume) => {
    let stopped = false
    const loop = (async () => {
      const result = await conn.stream(sql, [...params])
      // The next fetch is issued before the current chunk is copied, so DuckDB produces chunk
      // k + 1 while JS copies chunk k; every exit path waits for the fetch in flight.
      let next = result.fetchChunk()
      try {
        for (;;) {
          const chunk = await next
          if (stopped || chunk === null || chunk.rowCount === 0) return
          next = result.fetchChunk()
          onChunk(chunk)
        }
      } finally {
        await next.then(() => undefined, () => undefined)
      }
    })()
    loop.then(
      () => resume(Effect.void),
      (cause) => resume(Effect.fail(toDuckDBError(sql, cause)))
    )
    return Effect.suspend(() => {
      stopped = true
      conn.interrupt()
      return Effect.promise(() => loop.then(() => undefined, () => undefined))
    })
  })

/**
 * Reads one source's wanted rows into `columns`. The scan is `SELECT … FROM <one relation>` with no
 * ORDER BY: DuckDB guarantees such a scan keeps the relation's row order ("order preservation",
 * `preserve_insertion_order` at its default), so the k-th row streamed is row number k. The caller
 * checks the count and each series' ts order afterwards. `progress.rows` counts rows scanned.
 * Returns the number of rows copied.
 */
const readSource = (
  conn: DuckDBConnection,
  source: Source,
  segments: ReadonlyArray<Segment>,
  columns: Columns,
  progress: { rows: number }
) => {
  if (segments.length === 0) return Effect.succeed(0)
  const targets = [columns.ts, columns.open, columns.high, columns.low, columns.close]
  let copied = 0
  let position = 0
  let s = 0
  const onChunk = (chunk: DuckDBDataChunk) => {
    const rows = chunk.rowCount
    const start = position
    const end = start + rows
    position = end
    progress.rows += rows
    while (s < segments.length && segments[s]!.firstRow + segments[s]!.count <= start) s++
    if (s >= segments.length || segments[s]!.firstRow >= end) return
    const chunkColumns = [0, 1, 2, 3, 4].map((c) => doublesOf(chunk, c))
    for (let k = s; k < segments.length; k++) {
      const seg = segments[k]!
      if (seg.firstRow >= end) break
      const lo = Math.max(start, seg.firstRow)
      const hi = Math.min(end, seg.firstRow + seg.count)
      if (hi <= lo) continue
      const from = lo - start
      const dest = seg.dest + (lo - seg.firstRow)
      for (let c = 0; c < 5; c++) targets[c]!.set(chunkColumns[c]!.subarray(from, from + (hi - lo)), dest)
      copied += hi - lo
    }
  }
  return Effect.map(
    scan(conn, `SELECT epoch_ms(ts)::DOUBLE, open, high, low, close FROM ${source.relation}`, source.params, onChunk),
    () => copied
  )
}

/** Runs `effect` while reporting `read()` of `total` every 250 ms, and once at the end. */
const withProgress = <A, E>(
  effect: Effect.Effect<A, E>,
  read: () => number,
  total: number,
  onProgress: ((done: number, total: number) => Effect.Effect<void>) | undefined
): Effect.Effect<A, E> => {
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

const lowerBoundIn = (ts: Float64Array, from: number, to: number, t: number): number => {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ts[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

export interface Loaded {
  readonly mints: ReadonlyArray<MintRange>
  readonly series: ReadonlyArray<MintSeries>
  readonly candleCount: number
}

/**
 * Loads the wanted pairs of `sources` into resident arrays. `undefined` when the sources do not
 * have the sorted, one-file-per-pair shape (`strict`), so the caller can fall back to the table.
 */
export const loadResident = (
  conn: DuckDBConnection,
  sources: ReadonlyArray<Source>,
  first: Map<string, number>,
  strict: boolean,
  spec: ProjectionSpec
): Effect.Effect<Loaded | undefined, DuckDBError> =>
  Effect.gen(function*() {
    const directory = yield* readDirectory(conn, sources)
    const wanted = directory
      .filter((e) => first.has(keyOf(e.chain, e.mint)))
      .sort((a, b) => compareCodePoints(a.chain, b.chain) || compareCodePoints(a.mint, b.mint) || a.source - b.source)
    for (let i = 0; i < wanted.length; i++) {
      const e = wanted[i]!
      const prev = wanted[i - 1]
      if (e.lastRow - e.firstRow + 1 !== e.count) return undefined
      if (prev !== undefined && prev.chain === e.chain && prev.mint === e.mint) return undefined
    }
    let total = 0
    const dests: Array<number> = []
    for (const e of wanted) {
      dests.push(total)
      total += e.count
    }
    const columns = allocate(total)
    const segmentsBySource: Array<Array<Segment>> = sources.map(() => [])
    wanted.forEach((e, i) => segmentsBySource[e.source]!.push({ firstRow: e.firstRow, count: e.count, dest: dests[i]! }))
    for (const segments of segmentsBySource) segments.sort((a, b) => a.firstRow - b.firstRow)

    const progress = { rows: 0 }
    let scanTotal = 0
    for (let s = 0; s < sources.length; s++) {
      if (segmentsBySource[s]!.length > 0) scanTotal += directory.filter((e) => e.source === s).reduce((n, e) => n + e.count, 0)
    }
    const copied = yield* withProgress(
      Effect.reduce(sources, 0, (sum, source, s) =>
        Effect.map(readSource(conn, source, segmentsBySource[s]!, columns, progress), (n) => sum + n)),
      () => progress.rows,
      scanTotal,
      spec.onProgress
    )
    if (copied !== total) return yield* Effect.die(new Error(`projection read ${copied} of ${total} candles`))

    const mints: Array<MintRange> = []
    const series: Array<MintSeries> = []
    let candleCount = 0
    for (let i = 0; i < wanted.length; i++) {
      const e = wanted[i]!
      const start = dests[i]!
      const end = start + e.count
      if (strict && !strictlyIncreasing(columns.ts, start, end)) return undefined
      const from = lowerBoundIn(columns.ts, start, end, first.get(keyOf(e.chain, e.mint))!)
      const count = end - from
      if (count === 0) continue
      const intervalMs = e.intervalS * 1000
      const view: CandleSeries = {
        ts: columns.ts.subarray(from, end),
        open: columns.open.subarray(from, end),
        high: columns.high.subarray(from, end),
        low: columns.low.subarray(from, end),
        close: columns.close.subarray(from, end),
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
export const loadThroughTable = (conn: DuckDBConnection, spec: ProjectionSpec, first: Map<string, number>) =>
  Effect.gen(function*() {
    yield* Duck.run(conn, "DROP TABLE IF EXISTS ohlcv")
    yield* Duck.run(
      conn,
      `CREATE TABLE ohlcv AS
         WITH wanted AS (
           SELECT chain, mint, min(alert_ts) AS first_alert
           FROM alerts
           WHERE alert_ts >= make_timestamp($2::BIGINT) AND alert_ts < make_timestamp($3::BIGINT)
           GROUP BY chain, mint
         )
         SELECT o.chain, o.mint, o.ts, o.interval_s, o.open, o.high, o.low, o.close
         FROM read_parquet($1) AS o
         JOIN wanted AS w ON o.chain = w.chain AND o.mint = w.mint
         WHERE o.ts >= w.first_alert
         ORDER BY o.chain, o.mint, o.ts`,
      [listValue([...spec.ohlcvFiles]), micros(spec.from), micros(spec.to)]
    )
    const loaded = yield* loadResident(conn, [TABLE_SOURCE], first, false, spec)
    if (loaded === undefined) return yield* Effect.die(new Error("projection table rows are not contiguous per mint"))
    return loaded
  })
