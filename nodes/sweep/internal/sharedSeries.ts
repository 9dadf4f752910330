/**
 * The projection's candles as SharedArrayBuffers plus a table of where each series lies, so worker
 * threads read the very same memory instead of a copy per worker.
 */
import type { MintSeries } from "../../simulate/index.js"

export interface SeriesEntry {
  readonly chain: string
  readonly mint: string
  readonly offset: number
  readonly length: number
  readonly intervalMs: number
}

export interface SharedColumns {
  readonly ts: Float64Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
}

export interface SharedSeries {
  readonly columns: SharedColumns
  readonly entries: ReadonlyArray<SeriesEntry>
}

const COLUMNS = ["ts", "open", "high", "low", "close"] as const

const sharedBuffer = (array: Float64Array): SharedArrayBuffer | undefined =>
  array.buffer instanceof SharedArrayBuffer ? array.buffer : undefined

/**
 * Shares the series without copying when they are views of one SharedArrayBuffer per column, each
 * series at the same offset in every column (what the projection loader allocates); otherwise
 * packs them into a shared copy.
 */
export const shareSeries = (series: ReadonlyArray<MintSeries>): SharedSeries => {
  const first = series[0]?.series
  if (first !== undefined) {
    const buffers = COLUMNS.map((column) => sharedBuffer(first[column]))
    const inPlace = series.every(({ series: s }) =>
      COLUMNS.every((column, c) => s[column].buffer === buffers[c] && s[column].byteOffset === s.ts.byteOffset)
    )
    const [ts, open, high, low, close] = buffers
    if (inPlace && ts && open && high && low && close) {
      return {
        columns: {
          ts: new Float64Array(ts),
          open: new Float64Array(open),
          high: new Float64Array(high),
          low: new Float64Array(low),
          close: new Float64Array(close)
        },
        entries: series.map(({ chain, mint, series: s }) => ({
          chain,
          mint,
          offset: s.ts.byteOffset / Float64Array.BYTES_PER_ELEMENT,
          length: s.length,
          intervalMs: s.intervalMs
        }))
      }
    }
  }
  let total = 0
  for (const { series: s } of series) total += s.length
  const column = () => new Float64Array(new SharedArrayBuffer(Math.max(1, total) * Float64Array.BYTES_PER_ELEMENT))
  const packed: SharedColumns = { ts: column(), open: column(), high: column(), low: column(), close: column() }
  const entries: Array<SeriesEntry> = []
  let offset = 0
  for (const { chain, mint, series: s } of series) {
    for (const name of COLUMNS) packed[name].set(s[name].subarray(0, s.length), offset)
    entries.push({ chain, mint, offset, length: s.length, intervalMs: s.intervalMs })
    offset += s.length
  }
  return { columns: packed, entries }
}

/** The series again, as views of the shared columns (in a worker, or inline). */
export const seriesOf = (shared: SharedSeries): Array<MintSeries> =>
  shared.entries.map(({ chain, intervalMs, length, mint, offset }) => ({
    chain,
    mint,
    series: {
      ts: shared.columns.ts.subarray(offset, offset + length),
      open: shared.columns.open.subarray(offset, offset + length),
      high: shared.columns.high.subarray(offset, offset + length),
      low: shared.columns.low.subarray(offset, offset + length),
      close: shared.columns.close.subarray(offset, offset + length),
      length,
      intervalMs
    }
  }))
