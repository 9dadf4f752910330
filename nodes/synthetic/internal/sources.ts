/**
 * DuckDB table functions that stream the synthetic market into a query, chunk by chunk.
 *
 * `synthetic_ohlcv()` generates one token at a time into reused typed arrays and hands DuckDB
 * 2,048-row chunks copied straight from those arrays (`copy_data_to_vector`); `chain`, `mint` and
 * `interval_s` are constant vectors per chunk (a chunk never spans two tokens), `ts` is written as
 * int64 µs without BigInt allocation. Tokens are generated in mint order, and each token's
 * candles in slot order, so rows come out in the canonical `chain, mint, ts` order. Memory stays
 * flat: one token's buffers plus what DuckDB holds.
 *
 * `synthetic_alerts()` emits every token's alerts (plans only, no candles: cheap).
 *
 * DuckDB calls these callbacks on the JS thread (node-api README), one at a time.
 */
import {
  DOUBLE,
  type DuckDBDataChunk,
  type DuckDBTableFunctionInfo,
  DuckDBTableFunction,
  INTEGER,
  TIMESTAMP,
  VARCHAR
} from "@duckdb/node-api"
import duckdb from "@duckdb/node-bindings"
import {
  type CandleBuffers,
  generateCandles,
  makeCandleBuffers,
  type MarketParams,
  planToken,
  startMsOf,
  type SyntheticAlert,
  tokenAlerts
} from "./market.js"

const CHUNK = duckdb.vector_size()
const TWO_32 = 4294967296

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("nodes/synthetic writes int64 timestamps little-endian; this machine is big-endian")
}

export interface SourceParams extends MarketParams {
  readonly chain: string
  readonly tokens: number
}

/** Writes `count` epoch-µs values as int64 (two's complement, little-endian) into `words`. */
const putMicros = (words: Uint32Array, j: number, micros: number): void => {
  const hi = Math.floor(micros / TWO_32)
  words[2 * j] = micros - hi * TWO_32
  words[2 * j + 1] = hi // ToUint32 wraps negatives: two's complement
}

const fail = (info: DuckDBTableFunctionInfo, output: DuckDBDataChunk, cause: unknown): void => {
  output.rowCount = 0
  info.setError(cause instanceof Error ? cause.message : String(cause))
}

// ---------------------------------------------------------------------------------------------

export interface OhlcvSource {
  readonly tableFunction: DuckDBTableFunction
  /** Tokens fully generated so far. */
  readonly tokensDone: () => number
  readonly candles: () => number
  /** Largest slot emitted (−1 before any candle). */
  readonly maxSlot: () => number
  readonly minSlot: () => number
}

export const OHLCV_FUNCTION = "synthetic_ohlcv"

export const makeOhlcvSource = (
  p: SourceParams,
  mints: ReadonlyArray<string>,
  order: Int32Array
): OhlcvSource => {
  const buffers: CandleBuffers = makeCandleBuffers(p)
  const tsBuffer = new ArrayBuffer(CHUNK * 8)
  const tsWords = new Uint32Array(tsBuffer)
  const startUs = startMsOf(p) * 1000
  const intervalUs = p.intervalS * 1_000_000
  let chainValue: duckdb.Value | undefined
  let intervalValue: duckdb.Value | undefined
  let mintValue: duckdb.Value | undefined
  let rank = 0
  let length = 0
  let pos = 0
  let done = 0
  let candles = 0
  let minSlot = Number.MAX_SAFE_INTEGER
  let maxSlot = -1

  const copyColumn = (chunk: duckdb.DataChunk, column: number, values: Float64Array, n: number) =>
    duckdb.copy_data_to_vector(
      duckdb.data_chunk_get_vector(chunk, column),
      0,
      values.buffer as ArrayBuffer,
      values.byteOffset + pos * 8,
      n * 8
    )

  const tableFunction = DuckDBTableFunction.create({
    name: OHLCV_FUNCTION,
    bindFunction: (info) => {
      info.addResultColumn("chain", VARCHAR)
      info.addResultColumn("mint", VARCHAR)
      info.addResultColumn("ts", TIMESTAMP)
      info.addResultColumn("interval_s", INTEGER)
      info.addResultColumn("open", DOUBLE)
      info.addResultColumn("high", DOUBLE)
      info.addResultColumn("low", DOUBLE)
      info.addResultColumn("close", DOUBLE)
      info.addResultColumn("volume", DOUBLE)
    },
    initFunction: (info) => {
      // One scanning thread: rows reach the sink in generation order.
      info.setMaxThreads(1)
    },
    mainFunction: (info, output) => {
      try {
        while (pos >= length) {
          done = rank // the current token (if any) has been emitted in full
          if (rank >= p.tokens) {
            output.rowCount = 0
            return
          }
          const index = order[rank++]
          length = generateCandles(p, planToken(p, index), buffers)
          pos = 0
          mintValue = duckdb.create_varchar(mints[index])
          if (length > 0) {
            if (buffers.slot[0] < minSlot) minSlot = buffers.slot[0]
            if (buffers.slot[length - 1] > maxSlot) maxSlot = buffers.slot[length - 1]
          }
        }
        chainValue ??= duckdb.create_varchar(p.chain)
        intervalValue ??= duckdb.create_int32(p.intervalS)
        const n = Math.min(CHUNK, length - pos)
        output.rowCount = n
        const chunk = output.chunk
        duckdb.vector_reference_value(duckdb.data_chunk_get_vector(chunk, 0), chainValue)
        duckdb.vector_reference_value(duckdb.data_chunk_get_vector(chunk, 1), mintValue!)
        const slot = buffers.slot
        for (let j = 0; j < n; j++) putMicros(tsWords, j, startUs + slot[pos + j] * intervalUs)
        duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk, 2), 0, tsBuffer, 0, n * 8)
        duckdb.vector_reference_value(duckdb.data_chunk_get_vector(chunk, 3), intervalValue)
        copyColumn(chunk, 4, buffers.open, n)
        copyColumn(chunk, 5, buffers.high, n)
        copyColumn(chunk, 6, buffers.low, n)
        copyColumn(chunk, 7, buffers.close, n)
        copyColumn(chunk, 8, buffers.volume, n)
        pos += n
        candles += n
      } catch (cause) {
        fail(info, output, cause)
      }
    }
  })
  return {
    tableFunction,
    tokensDone: () => done,
    candles: () => candles,
    minSlot: () => minSlot,
    maxSlot: () => maxSlot
  }
}

// ---------------------------------------------------------------------------------------------

export interface AlertSource {
  readonly tableFunction: DuckDBTableFunction
  readonly alerts: () => number
}

export const ALERTS_FUNCTION = "synthetic_alerts"

export const makeAlertSource = (p: SourceParams, mints: ReadonlyArray<string>): AlertSource => {
  const tsBuffer = new ArrayBuffer(CHUNK * 8)
  const tsWords = new Uint32Array(tsBuffer)
  let chainValue: duckdb.Value | undefined
  let token = 0
  let pending: Array<SyntheticAlert> = []
  let pos = 0
  let count = 0

  const tableFunction = DuckDBTableFunction.create({
    name: ALERTS_FUNCTION,
    bindFunction: (info) => {
      info.addResultColumn("alert_id", VARCHAR)
      info.addResultColumn("alert_ts", TIMESTAMP)
      info.addResultColumn("chain", VARCHAR)
      info.addResultColumn("mint", VARCHAR)
      info.addResultColumn("caller", VARCHAR)
    },
    initFunction: (info) => {
      info.setMaxThreads(1)
    },
    mainFunction: (info, output) => {
      try {
        const batch: Array<SyntheticAlert> = []
        while (batch.length < CHUNK) {
          if (pos >= pending.length) {
            if (token >= p.tokens) break
            pending = tokenAlerts(p, planToken(p, token), mints[token])
            token++
            pos = 0
            continue
          }
          batch.push(pending[pos++])
        }
        const n = batch.length
        output.rowCount = n
        if (n === 0) return
        const chunk = output.chunk
        const ids = duckdb.data_chunk_get_vector(chunk, 0)
        const mintVector = duckdb.data_chunk_get_vector(chunk, 3)
        const callers = duckdb.data_chunk_get_vector(chunk, 4)
        for (let j = 0; j < n; j++) {
          const alert = batch[j]
          duckdb.vector_assign_string_element(ids, j, alert.alertId)
          putMicros(tsWords, j, alert.alertMs * 1000)
          duckdb.vector_assign_string_element(mintVector, j, alert.mint)
          duckdb.vector_assign_string_element(callers, j, alert.caller)
        }
        duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk, 1), 0, tsBuffer, 0, n * 8)
        chainValue ??= duckdb.create_varchar(p.chain)
        duckdb.vector_reference_value(duckdb.data_chunk_get_vector(chunk, 2), chainValue)
        count += n
      } catch (cause) {
        fail(info, output, cause)
      }
    }
  })
  return { tableFunction, alerts: () => count }
}
