/**
 * Reading what the mark-to-market curve needs, with DuckDB over the artifacts themselves: the
 * positions (`experiment_trades`), their partial exits (`experiment_fills`) and, for every candle
 * a position is open in, the close of its mint's candle (the experiment's `ohlcv_slice_v2` inputs,
 * joined on chain and mint over [entry, exit)). The marks come back ordered by (trade, time,
 * close), the order `markToMarketCurve` walks them in (it would sort them otherwise: measured at
 * L, 1.16M marks, this order costs less CPU than none or time-major), so the curve is the same in
 * every run.
 * Reads only; the report's load step calls it.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Effect, Stream } from "effect"
import { ArtifactCatalog, type ArtifactId, type ArtifactManifest, ObjectStore } from "../../store/index.js"
import { ExperimentFills, ExperimentTrades, OhlcvSliceV2 } from "../contracts/index.js"
import { contractDataPath } from "../contracts/ArtifactColumns.js"
import { Duck, workspaceConnection } from "../duckdb/index.js"
import {
  type MarkToMarketPoint,
  markToMarketCurve,
  type MtmMarks,
  type MtmPosition,
  type RealisedPoint
} from "./MarkToMarket.js"

const POSITIONS_SQL = `
SELECT file_row_number::INTEGER AS i, epoch_ms(entry_ts)::DOUBLE AS entry_ts, epoch_ms(exit_ts)::DOUBLE AS exit_ts,
       notional, quantity
FROM read_parquet($1, file_row_number = true)
ORDER BY file_row_number`

const SELLS_SQL = `
WITH t AS (SELECT file_row_number AS i, trade_id FROM read_parquet($1, file_row_number = true))
SELECT t.i::INTEGER AS i, epoch_ms(f.ts)::DOUBLE AS ts, f.quantity
FROM read_parquet($2) f JOIN t USING (trade_id)
WHERE f.side = 'sell'
ORDER BY t.i, f.seq`

const MARKS_SQL = `
WITH t AS (
  SELECT file_row_number AS i, chain, mint, entry_ts, exit_ts
  FROM read_parquet($1, file_row_number = true)
  WHERE exit_ts > entry_ts
)
SELECT epoch_ms(c.ts)::DOUBLE AS ts, t.i::INTEGER AS i, c.close
FROM read_parquet($2) c JOIN t ON c.chain = t.chain AND c.mint = t.mint AND c.ts >= t.entry_ts AND c.ts < t.exit_ts
ORDER BY t.i, c.ts, c.close`

/** Growable columns of marks, filled chunk by chunk. */
const collectMarks = (connection: DuckDBConnection, tradesPath: string, ohlcvPaths: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    let capacity = 1 << 14
    let ts = new Float64Array(capacity)
    let trade = new Int32Array(capacity)
    let close = new Float64Array(capacity)
    let length = 0
    yield* Stream.runForEach(
      Duck.stream(connection, MARKS_SQL, [Duck.literalPath(tradesPath), Duck.literalPaths(ohlcvPaths)]),
      (chunk) =>
        Effect.sync(() => {
          const rows = chunk.rowCount
          if (length + rows > capacity) {
            while (length + rows > capacity) capacity *= 2
            const grow = <T extends Float64Array | Int32Array>(from: T, to: T): T => {
              to.set(from.subarray(0, length))
              return to
            }
            ts = grow(ts, new Float64Array(capacity))
            trade = grow(trade, new Int32Array(capacity))
            close = grow(close, new Float64Array(capacity))
          }
          const tsVector = chunk.getColumnVector(0)
          const tradeVector = chunk.getColumnVector(1)
          const closeVector = chunk.getColumnVector(2)
          for (let j = 0; j < rows; j++) {
            ts[length + j] = tsVector.getItem(j) as number
            trade[length + j] = tradeVector.getItem(j) as number
            close[length + j] = closeVector.getItem(j) as number
          }
          length += rows
        })
    )
    return { length, ts, trade, close } satisfies MtmMarks
  })

/** The `experiment_fills` artifact among an equity artifact's inputs, when it has one on record. */
const fillsInputOf = (equity: ArtifactManifest) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    for (const id of [...equity.inputs].sort()) {
      // An input whose manifest is gone is not the fills (the lineage section names it missing).
      const manifest = yield* catalog.get(id).pipe(Effect.catchTag("ArtifactNotFound", () => Effect.succeed(undefined)))
      if (manifest?.type === ExperimentFills.type) return manifest.artifactId
    }
    return undefined
  })

export interface MarkToMarketSources {
  readonly trades: ArtifactManifest
  readonly equity: ArtifactManifest
  /** The experiment's candle inputs. */
  readonly ohlcv: ReadonlyArray<ArtifactId>
  readonly initialCapital: number
  /** The rows of `equity`, in curve order. */
  readonly realised: ReadonlyArray<RealisedPoint>
}

/**
 * The data path of an input of the curve (fills, candles), or undefined when its object is
 * remote-backed and cannot be read here (no remote configured, or it is unreachable): a store that
 * took a run from a remote without its inputs' bytes still reports, without this curve.
 */
const inputPathOrRemote = (id: ArtifactId, contract: Parameters<typeof contractDataPath>[1]) =>
  Effect.catchTag(contractDataPath(id, contract), "ObjectNotFound", (error) =>
    Effect.gen(function*() {
      const manifest = yield* (yield* ArtifactCatalog).get(id)
      const location = yield* (yield* ObjectStore).promisedBy(manifest.digest)
      return location === undefined ? yield* Effect.fail(error) : undefined
    }))

/**
 * The mark-to-market curve of an experiment's outputs, or undefined when it cannot be computed
 * (no candle input, an equity artifact without fills among its inputs, or fills or candles on a
 * remote that cannot be read here). Every file is checked against its contract first, so a wrong
 * file fails naming the artifact and column.
 */
export const loadMarkToMarket = (sources: MarkToMarketSources) =>
  Effect.gen(function*() {
    if (sources.realised.length === 0) return [] as Array<MarkToMarketPoint>
    const fillsId = yield* fillsInputOf(sources.equity)
    if (fillsId === undefined || sources.ohlcv.length === 0) return undefined
    const tradesPath = yield* contractDataPath(sources.trades.artifactId, ExperimentTrades)
    const fillsPath = yield* inputPathOrRemote(fillsId, ExperimentFills)
    if (fillsPath === undefined) return undefined
    const ohlcvPaths: Array<string> = []
    for (const id of sources.ohlcv) {
      const path = yield* inputPathOrRemote(id, OhlcvSliceV2)
      if (path === undefined) return undefined
      ohlcvPaths.push(path)
    }
    return yield* Effect.scoped(Effect.gen(function*() {
      const connection = yield* workspaceConnection
      const rows = yield* Duck.readRowsJS(connection, POSITIONS_SQL, [Duck.literalPath(tradesPath)])
      const sells = yield* Duck.readRowsJS(connection, SELLS_SQL, [Duck.literalPath(tradesPath), Duck.literalPath(fillsPath)])
      const sellsByTrade: Array<Array<{ ts: number; quantity: number }>> = rows.map(() => [])
      for (const sell of sells) sellsByTrade[Number(sell.i)].push({ ts: Number(sell.ts), quantity: Number(sell.quantity) })
      const positions: Array<MtmPosition> = rows.map((row, i) => ({
        entryTs: Number(row.entry_ts),
        exitTs: Number(row.exit_ts),
        notional: Number(row.notional),
        quantity: Number(row.quantity),
        // The last sell closes the position: only the ones before it leave it open.
        partialSells: sellsByTrade[i].slice(0, -1)
      }))
      const marks = yield* collectMarks(connection, tradesPath, ohlcvPaths)
      return markToMarketCurve(sources.initialCapital, positions, sources.realised, marks)
    }))
  })
