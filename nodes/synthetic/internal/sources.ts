/**
 * DuckDB table functions that stream the synthetic market into a query, chunk by chunk.
 *
 * `synthetic_ohlcv()` generates one token at a time into reused typed arrays and hands DuckDB
 * 2,048-row chunks copied straight from those arrays (`copy_data_to_vector`, no per-value calls);
 * `chain` and `interval_s` are constant vectors, `ts` is written as int64 µs without BigInt
 * allocation, and the mint travels as an ENUM index (the token's rank in mint order) that the query
 * casts to VARCHAR: per-row string writes through N-API would cost more than everything else.
 * Tokens are generated in mint order, each token's candles in slot order, so rows come out in the
 * canonical `chain, mint, ts` order. Memory stays flat: one token's buffers plus what DuckDB holds.
 *
 * `synthetic_alerts()` emits every token's alerts (plans only, no candles: cheap).
 *
 * DuckDB calls these callbacks on the JS thread (node-api README), one at a time.
 */
import type {
  DuckDBDataChunk,
  DuckDBTableFunction,
  DuckDBTableFunctionBindInfo,
  DuckDBTableFunctionInfo,
  DuckDBType
} from "@duckdb/node-api"
import type * as Bindings from "@duckdb/node-bindings"
import { AlertsV1, type ColumnDef, type Contract, OhlcvSliceV2 } from "../../contracts/index.js"
import { duckdbApi, duckdbBindings } from "../../duckdb/NodeApi.js"
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

const TWO_32 = 4294967296

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("nodes/synthetic writes int64 timestamps little-endian; this machine is big-endian")
}

export interface SourceParams extends MarketParams {
  readonly chain: string
  readonly tokens: number
}

/** Writes one epoch-µs value as the `j`-th int64 (two's complement, little-endian) of `words`. */
const putMicros = (words: Uint32Array, j: number, micros: number): void => {
  const hi = Math.floor(micros / TWO_32)
  words[2 * j] = micros - hi * TWO_32
  words[2 * j + 1] = hi // ToUint32 wraps negatives: two's complement
}

const fail = (info: DuckDBTableFunctionInfo, output: DuckDBDataChunk, cause: unknown): void => {
  output.rowCount = 0
  info.setError(cause instanceof Error ? cause.message : String(cause))
}

/** Where `contract`'s column `name` goes in a chunk of a table function that emits its rows. */
const vectorOf = <Cols extends ReadonlyArray<ColumnDef>>(contract: Contract<Cols>, name: Cols[number]["name"]): number =>
  contract.columns.findIndex((column) => column.name === name)

/**
 * Declares a table function's result columns as `contract`'s (its names, order and DuckDB types),
 * except the columns `transport` carries in another DuckDB type, which the query casts back.
 */
const bindContractColumns = <Cols extends ReadonlyArray<ColumnDef>>(
  info: DuckDBTableFunctionBindInfo,
  contract: Contract<Cols>,
  transport: { readonly [N in Cols[number]["name"]]?: DuckDBType } = {}
): void => {
  const api = duckdbApi()
  const carried: Readonly<Record<string, DuckDBType | undefined>> = transport
  for (const column of contract.columns) info.addResultColumn(column.name, carried[column.name] ?? api[column.duckdbType])
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

/**
 * The candle stream as `ohlcv_slice_v2` rows: the contract's columns in its order, the mint cast
 * back from the ENUM it travels as to the contract's type.
 */
export const OHLCV_SELECT = `SELECT ${
  OhlcvSliceV2.columns
    .map((column) => column.name === "mint" ? `CAST("mint" AS ${column.duckdbType}) AS "mint"` : `"${column.name}"`)
    .join(", ")
} FROM ${OHLCV_FUNCTION}()`

/**
 * Columns: those of `ohlcv_slice_v2`, but `mint` is an ENUM of the mints in rank order (the rank is
 * written; `OHLCV_SELECT` casts it to VARCHAR).
 *
 * Every chunk but the last is full (2,048 rows), spanning token boundaries: DuckDB's Parquet writer
 * cuts row groups on chunk boundaries, so full chunks give the same row groups, hence the same
 * bytes, as the canonical writer's sorted output of the same rows.
 */
export const makeOhlcvSource = (
  p: SourceParams,
  mints: ReadonlyArray<string>,
  order: Int32Array
): OhlcvSource => {
  const duckdb = duckdbBindings()
  const { DuckDBTableFunction, ENUM } = duckdbApi()
  const CHUNK = duckdb.vector_size()
  const buffers: CandleBuffers = makeCandleBuffers(p)
  const tsBuffer = new ArrayBuffer(CHUNK * 8)
  const tsWords = new Uint32Array(tsBuffer)
  const mintType = ENUM(Array.from(order, (index) => mints[index]))
  // DuckDB stores an ENUM's index as uint8 / uint16 / uint32 by dictionary size (as ENUM() picks).
  const ranks = p.tokens < 256 ? new Uint8Array(CHUNK) : p.tokens < 65536 ? new Uint16Array(CHUNK) : new Uint32Array(CHUNK)
  const startUs = startMsOf(p) * 1000
  const intervalUs = p.intervalS * 1_000_000
  const column = {
    chain: vectorOf(OhlcvSliceV2, "chain"),
    mint: vectorOf(OhlcvSliceV2, "mint"),
    ts: vectorOf(OhlcvSliceV2, "ts"),
    interval: vectorOf(OhlcvSliceV2, "interval_s"),
    open: vectorOf(OhlcvSliceV2, "open"),
    high: vectorOf(OhlcvSliceV2, "high"),
    low: vectorOf(OhlcvSliceV2, "low"),
    close: vectorOf(OhlcvSliceV2, "close"),
    volume: vectorOf(OhlcvSliceV2, "volume")
  }
  let chainValue: Bindings.Value | undefined
  let intervalValue: Bindings.Value | undefined
  let rank = 0 // tokens started
  let length = 0 // candles of the current token
  let pos = 0 // candles of the current token already emitted
  let done = 0
  let candles = 0
  let minSlot = Number.MAX_SAFE_INTEGER
  let maxSlot = -1

  const copyDoubles = (chunk: Bindings.DataChunk, column: number, values: Float64Array, at: number, n: number) =>
    duckdb.copy_data_to_vector(
      duckdb.data_chunk_get_vector(chunk, column),
      at * 8,
      values.buffer as ArrayBuffer,
      values.byteOffset + pos * 8,
      n * 8
    )

  /** Generates tokens until one has candles; false when all tokens are done. */
  const nextToken = (): boolean => {
    while (pos >= length) {
      done = rank // the current token (if any) has been emitted in full
      if (rank >= p.tokens) return false
      const index = order[rank++]
      length = generateCandles(p, planToken(p, index), buffers)
      pos = 0
      if (length > 0) {
        if (buffers.slot[0] < minSlot) minSlot = buffers.slot[0]
        if (buffers.slot[length - 1] > maxSlot) maxSlot = buffers.slot[length - 1]
      }
    }
    return true
  }

  const tableFunction = DuckDBTableFunction.create({
    name: OHLCV_FUNCTION,
    bindFunction: (info) => bindContractColumns(info, OhlcvSliceV2, { mint: mintType }),
    initFunction: (info) => {
      // One scanning thread: rows reach the sink in generation order.
      info.setMaxThreads(1)
    },
    mainFunction: (info, output) => {
      try {
        const chunk = output.chunk
        let filled = 0
        while (filled < CHUNK && nextToken()) {
          const n = Math.min(CHUNK - filled, length - pos)
          ranks.fill(rank - 1, filled, filled + n)
          const slot = buffers.slot
          for (let j = 0; j < n; j++) putMicros(tsWords, filled + j, startUs + slot[pos + j] * intervalUs)
          copyDoubles(chunk, column.open, buffers.open, filled, n)
          copyDoubles(chunk, column.high, buffers.high, filled, n)
          copyDoubles(chunk, column.low, buffers.low, filled, n)
          copyDoubles(chunk, column.close, buffers.close, filled, n)
          copyDoubles(chunk, column.volume, buffers.volume, filled, n)
          pos += n
          filled += n
        }
        output.rowCount = filled
        if (filled === 0) return
        chainValue ??= duckdb.create_varchar(p.chain)
        intervalValue ??= duckdb.create_int32(p.intervalS)
        duckdb.vector_reference_value(duckdb.data_chunk_get_vector(chunk, column.chain), chainValue)
        duckdb.copy_data_to_vector(
          duckdb.data_chunk_get_vector(chunk, column.mint),
          0,
          ranks.buffer as ArrayBuffer,
          0,
          filled * ranks.BYTES_PER_ELEMENT
        )
        duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk, column.ts), 0, tsBuffer, 0, filled * 8)
        duckdb.vector_reference_value(duckdb.data_chunk_get_vector(chunk, column.interval), intervalValue)
        candles += filled
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
  const duckdb = duckdbBindings()
  const { DuckDBTableFunction } = duckdbApi()
  const CHUNK = duckdb.vector_size()
  const tsBuffer = new ArrayBuffer(CHUNK * 8)
  const tsWords = new Uint32Array(tsBuffer)
  const column = {
    id: vectorOf(AlertsV1, "alert_id"),
    ts: vectorOf(AlertsV1, "alert_ts"),
    chain: vectorOf(AlertsV1, "chain"),
    mint: vectorOf(AlertsV1, "mint"),
    caller: vectorOf(AlertsV1, "caller")
  }
  let chainValue: Bindings.Value | undefined
  let token = 0
  let pending: Array<SyntheticAlert> = []
  let pos = 0
  let count = 0

  const tableFunction = DuckDBTableFunction.create({
    name: ALERTS_FUNCTION,
    bindFunction: (info) => bindContractColumns(info, AlertsV1),
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
        const ids = duckdb.data_chunk_get_vector(chunk, column.id)
        const mintVector = duckdb.data_chunk_get_vector(chunk, column.mint)
        const callers = duckdb.data_chunk_get_vector(chunk, column.caller)
        for (let j = 0; j < n; j++) {
          const alert = batch[j]
          duckdb.vector_assign_string_element(ids, j, alert.alert_id)
          putMicros(tsWords, j, alert.alert_ts * 1000)
          duckdb.vector_assign_string_element(mintVector, j, alert.mint)
          duckdb.vector_assign_string_element(callers, j, alert.caller)
        }
        duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk, column.ts), 0, tsBuffer, 0, n * 8)
        chainValue ??= duckdb.create_varchar(p.chain)
        duckdb.vector_reference_value(duckdb.data_chunk_get_vector(chunk, column.chain), chainValue)
        count += n
      } catch (cause) {
        fail(info, output, cause)
      }
    }
  })
  return { tableFunction, alerts: () => count }
}
