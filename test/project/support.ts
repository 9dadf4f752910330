/** What both projection-loader tests compare with: the wanted candles by plain SQL over the files. */
import { Effect } from "effect"
import { Duck } from "../../nodes/duckdb/index.js"

/** Rows of one query on a private in-memory DuckDB, as JS values. */
export const sql = (text: string, params: ReadonlyArray<string> = []) =>
  Effect.scoped(
    Effect.flatMap(Duck.openDatabase(Duck.MEMORY, { threads: 1 }), (db) => Duck.readRowsJS(db.connection, text, [...params]))
  )

/** One (chain, mint) series: `ts` and the matching `[open, high, low, close]` rows. */
export interface ExpectedSeries {
  readonly key: string
  readonly intervalMs: number
  readonly ts: Array<number>
  readonly ohlc: Array<Array<number>>
}

/**
 * The candles a projection of `ohlcvFile` must hold for the alerts of `alertsFile` in [from, to):
 * each alerted pair from its first in-range alert on, sorted chain, mint, ts.
 */
export const expectedCandles = (ohlcvFile: string, alertsFile: string, from: number, to: number) =>
  Effect.map(
    sql(
      `WITH a AS (
         SELECT chain, mint, min(epoch_ms(alert_ts)) AS first FROM read_parquet($2)
         WHERE epoch_ms(alert_ts) >= ${from} AND epoch_ms(alert_ts) < ${to} GROUP BY chain, mint)
       SELECT o.chain, o.mint, epoch_ms(o.ts)::DOUBLE AS ts, o.open, o.high, o.low, o.close, o.interval_s
       FROM read_parquet($1) o JOIN a ON o.chain = a.chain AND o.mint = a.mint
       WHERE epoch_ms(o.ts) >= a.first ORDER BY o.chain, o.mint, o.ts`,
      [ohlcvFile, alertsFile]
    ),
    (rows) => {
      const out: Array<ExpectedSeries> = []
      for (const r of rows) {
        const key = `${r.chain}/${r.mint}`
        let last = out[out.length - 1]
        if (last === undefined || last.key !== key) {
          last = { key, intervalMs: Number(r.interval_s) * 1000, ts: [], ohlc: [] }
          out.push(last)
        }
        last.ts.push(r.ts as number)
        last.ohlc.push([r.open, r.high, r.low, r.close] as Array<number>)
      }
      return out
    }
  )
