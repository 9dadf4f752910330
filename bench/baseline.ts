/**
 * The hand-written baseline: the work of an experiment with no pipeline — no store, no keys, no
 * catalog, no validation, no tracker. DuckDB reads the same Parquet files (alerts sorted; candles
 * read in file order, cut per mint by a directory query), the same simulation (`runSimulation` of
 * nodes/simulate) runs over them, and the experiment's outputs — trades, metrics, equity curve,
 * diagnostics — are computed by the same functions and written with the same Parquet COPY
 * (`writeRows`). bench/run.ts compares a cold pipeline run with this.
 *
 *   npx tsx bench/baseline.ts '{"alertsPath":…,"ohlcvPath":…,"from":…,"to":…,"stopLossPct":0.25,"outDir":…}' result.json
 */
import { Effect, Stream } from "effect"
import { join } from "node:path"
import { ExperimentDiagnostics, ExperimentEquity, ExperimentMetrics, ExperimentTrades } from "../nodes/contracts/index.js"
import { writeRows } from "../nodes/parquet/index.js"
import { Duck, DuckWorkspace } from "../nodes/duckdb/index.js"
import { duckdbApi } from "../nodes/duckdb/NodeApi.js"
import type { MintSeries, SimAlert, StrategyEncoded } from "../nodes/simulate/index.js"
import { computeMetrics, DEFAULT_BOOTSTRAP_RESAMPLES, equityCurve } from "../nodes/metrics/index.js"
import { compareDiagnostics, makeStrategy, runSimulation, toTradeRow } from "../nodes/simulate/index.js"
import { childMain, round, strategyFor } from "./support.js"

const INITIAL_CAPITAL = strategyFor(0).sizing.initialCapital

export interface BaselineArgs {
  readonly alertsPath: string
  readonly ohlcvPath: string
  /** ISO instants: alerts are in range when from ≤ alert_ts < to. */
  readonly from: string
  readonly to: string
  readonly stopLossPct: number
  readonly seed: number
  /** Where trades, metrics, equity and diagnostics Parquet files are written. */
  readonly outDir: string
}

export interface BaselineResult {
  readonly ms: number
  /** CPU time of the process during the work (all threads), ms. */
  readonly cpuMs: number
  readonly phases: { readonly alertsMs: number; readonly loadMs: number; readonly simulateMs: number; readonly writeMs: number }
  readonly candles: number
  readonly trades: number
}

export const runBaseline = async (args: BaselineArgs): Promise<BaselineResult> => {
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  // DuckDB's library is loaded inside the measured work, as in the pipeline, which loads it lazily
  // (nodes/duckdb/NodeApi.ts) on its first query: a static import here would leave its ~0.1–0.3 s
  // out of the baseline only.
  const { DuckDBInstance } = duckdbApi()
  const db = await DuckDBInstance.create(":memory:", { threads: "2" })
  const conn = await db.connect()
  try {
    const alerts = (await conn.runAndReadAll(
      `SELECT alert_id, epoch_ms(alert_ts)::DOUBLE AS alert_ts, chain, mint, caller
       FROM read_parquet($1) ORDER BY alert_ts, alert_id`,
      [Duck.literalPath(args.alertsPath)]
    )).getRowObjectsJS() as unknown as Array<SimAlert>
    const from = Date.parse(args.from)
    const to = Date.parse(args.to)
    const wanted = new Set(alerts.filter((a) => from <= a.alert_ts && a.alert_ts < to).map((a) => `${a.chain}\u0000${a.mint}`))
    const t1 = performance.now()

    // Directory in file order, then one ordered scan copied into per-mint arrays.
    const directory = (await conn.runAndReadAll(
      `SELECT chain, mint, count(*)::DOUBLE AS n, min(file_row_number)::DOUBLE AS first_row,
         min(interval_s)::DOUBLE AS interval_s
       FROM read_parquet($1, file_row_number = true) GROUP BY chain, mint ORDER BY first_row`,
      [Duck.literalPath(args.ohlcvPath)]
    )).getRowObjectsJS() as Array<{ chain: string; mint: string; n: number; first_row: number; interval_s: number }>
    const series: Array<MintSeries> = []
    const bufferFor = (index: number) => {
      const entry = directory[index]
      if (entry === undefined || !wanted.has(`${entry.chain}\u0000${entry.mint}`)) return undefined
      return {
        ts: new Float64Array(entry.n),
        open: new Float64Array(entry.n),
        high: new Float64Array(entry.n),
        low: new Float64Array(entry.n),
        close: new Float64Array(entry.n),
        length: entry.n,
        intervalMs: entry.interval_s * 1000
      }
    }
    let mint = 0
    let filled = 0
    let candles = 0
    let buffer = bufferFor(0)
    const result = await conn.stream(`SELECT epoch_ms(ts)::DOUBLE, open, high, low, close FROM read_parquet($1)`, [Duck.literalPath(args.ohlcvPath)])
    for (;;) {
      const chunk = await result.fetchChunk()
      if (chunk === null || chunk.rowCount === 0) break
      const rows = chunk.rowCount
      const columns = [0, 1, 2, 3, 4].map((c) => (chunk.getColumnVector(c) as unknown as { items: Float64Array }).items)
      let row = 0
      while (row < rows && mint < directory.length) {
        const entry = directory[mint]!
        const take = Math.min(rows - row, entry.n - filled)
        if (buffer !== undefined) {
          const targets = [buffer.ts, buffer.open, buffer.high, buffer.low, buffer.close]
          for (let c = 0; c < 5; c++) targets[c]!.set(columns[c]!.subarray(row, row + take), filled)
        }
        row += take
        filled += take
        if (filled === entry.n) {
          if (buffer !== undefined) {
            series.push({ chain: entry.chain, mint: entry.mint, series: buffer })
            candles += entry.n
          }
          mint++
          filled = 0
          buffer = bufferFor(mint)
        }
      }
    }
    const t2 = performance.now()

    const output = await Effect.runPromise(
      runSimulation({ alerts, strategy: makeStrategy(strategyFor(args.stopLossPct) as StrategyEncoded), seed: args.seed, dateRange: { from, to } }, Stream.fromIterable(series))
    )
    const t3 = performance.now()
    // The experiment's four outputs, computed by the same functions and written by the same
    // writer as the pipeline's, on this script's own DuckDB instance. (No coverage: no validation.)
    const trades = output.trades
    const equity = equityCurve(trades, INITIAL_CAPITAL)
    const metrics = computeMetrics(trades, equity, {
      seed: args.seed,
      initialCapital: INITIAL_CAPITAL,
      bootstrapResamples: DEFAULT_BOOTSTRAP_RESAMPLES
    })
    const diagnostics = [...output.diagnostics].sort(compareDiagnostics)
    const workspace = { connect: Duck.connect({ path: ":memory:", instance: db, connection: conn }), open: Effect.void }
    await Effect.runPromise(
      Effect.all([
        writeRows(ExperimentTrades, trades.map(toTradeRow), join(args.outDir, "trades.parquet")),
        writeRows(ExperimentMetrics, [metrics], join(args.outDir, "metrics.parquet")),
        writeRows(ExperimentEquity, equity, join(args.outDir, "equity.parquet")),
        writeRows(ExperimentDiagnostics, diagnostics, join(args.outDir, "diagnostics.parquet"))
      ], { concurrency: "unbounded" }).pipe(Effect.provideService(DuckWorkspace, workspace))
    )
    const t4 = performance.now()
    const cpu = process.cpuUsage(cpu0)
    return {
      ms: round(t4 - t0),
      cpuMs: round((cpu.user + cpu.system) / 1000),
      phases: { alertsMs: round(t1 - t0), loadMs: round(t2 - t1), simulateMs: round(t3 - t2), writeMs: round(t4 - t3) },
      candles,
      trades: output.trades.length
    }
  } finally {
    conn.closeSync()
    db.closeSync()
  }
}

if (process.argv[1]?.endsWith("baseline.ts")) await childMain(runBaseline)
