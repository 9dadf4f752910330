/**
 * The report's mark-to-market curve on a real run (real store, DuckDB, Parquet): every point equals
 * a brute-force recomputation from the trades, fills and input candles read back here (at each
 * time, realised equity plus every open position's remaining quantity × its mint's latest close
 * minus its remaining cost), the curve has a point at every fill and every candle of an open
 * position, and it ends at the run's final equity.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ExperimentFills, ExperimentTrades, OhlcvSliceV2 } from "../../nodes/contracts/index.js"
import { readRowsParquet } from "../../nodes/parquet/index.js"
import { decodeDefinition, runExperiment } from "../../nodes/experiment/index.js"
import { loadReportInput } from "../../nodes/report/index.js"
import { ArtifactCatalog, type ArtifactId } from "../../store/index.js"
import { smallDefinition } from "../cli-run/support.js"
import { storeLayer, tempStore } from "../experiment/support.js"

const store = tempStore("pipeline-mtm-")
afterAll(() => store.cleanup())

type Row = Record<string, unknown>

describe("loadReportInput: the mark-to-market curve of a real run", () => {
  it.live("matches a brute-force recomputation from the artifacts, point by point", () =>
    Effect.gen(function*() {
      const definition = smallDefinition({ name: "mtm", tokens: 8 })
      const decoded = yield* decodeDefinition(definition, "mtm.json")
      const outcome = yield* runExperiment(decoded, definition)
      const { input } = yield* loadReportInput(outcome.experimentId)
      const curve = input.markToMarket
      expect(curve).toBeDefined()
      expect(input.trades.length).toBeGreaterThan(3)

      const catalog = yield* ArtifactCatalog
      const equityManifest = yield* catalog.get(input.outputs.equity as ArtifactId)
      let fillsId: ArtifactId | undefined
      for (const id of equityManifest.inputs) {
        if ((yield* catalog.get(id)).type === ExperimentFills.type) fillsId = id
      }
      const read = (id: ArtifactId, contract: Parameters<typeof readRowsParquet>[0]) =>
        Effect.flatMap(catalog.dataPath(id), (path) => readRowsParquet(contract, path))
      const trades = yield* read(input.outputs.trades as ArtifactId, ExperimentTrades)
      const fills = yield* read(fillsId!, ExperimentFills)
      const candles: Array<Row> = []
      for (const id of input.experiment.inputs.ohlcv) candles.push(...(yield* read(id as ArtifactId, OhlcvSliceV2)))

      const closes = new Map<string, Array<{ ts: number; close: number }>>()
      for (const c of candles) {
        const key = `${c.chain}\u0000${c.mint}`
        const list = closes.get(key) ?? []
        list.push({ ts: c.ts as number, close: c.close as number })
        closes.set(key, list)
      }
      const sells = (tradeId: unknown) =>
        fills.filter((f) => f.trade_id === tradeId && f.side === "sell").sort((a, b) => (a.seq as number) - (b.seq as number))

      // Expected points: every fill time and every candle time of an open position.
      const times = new Set<number>(input.equity.map((p) => p.ts))
      for (const t of trades) {
        for (const c of closes.get(`${t.chain}\u0000${t.mint}`)!) {
          if (c.ts >= (t.entry_ts as number) && c.ts < (t.exit_ts as number)) times.add(c.ts)
        }
      }
      expect(curve!.map((p) => p.ts)).toEqual([...times].sort((a, b) => a - b))

      for (const point of curve!) {
        let realised = input.metrics!.initial_capital
        for (const p of input.equity) if (p.ts <= point.ts) realised = p.equity
        let open = 0
        for (const t of trades) {
          if (!((t.entry_ts as number) <= point.ts && point.ts < (t.exit_ts as number))) continue
          const sold = sells(t.trade_id).slice(0, -1).filter((f) => (f.ts as number) <= point.ts)
          const soldQuantity = sold.reduce((s, f) => s + (f.quantity as number), 0)
          const remaining = (t.quantity as number) - soldQuantity
          const cost = (t.notional as number) * remaining / (t.quantity as number)
          const series = closes.get(`${t.chain}\u0000${t.mint}`)!.filter((c) => c.ts <= point.ts)
          open += remaining * series[series.length - 1].close - cost
        }
        expect(point.equity).toBeCloseTo(realised + open, 9)
      }
      expect(curve![curve!.length - 1].equity).toBe(input.metrics!.final_equity)
      // Open positions moved the curve away from the realised one somewhere.
      expect(curve!.some((p, i) => i > 0 && p.drawdown !== 0)).toBe(true)
    }).pipe(Effect.provide(storeLayer(store.root))), 120_000)
})
