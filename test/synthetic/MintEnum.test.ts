/**
 * The mint column travels from the table function as an ENUM index whose width (8, 16 or 32 bit)
 * depends on the number of tokens: every width must map each mint to its own candles.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duck } from "../../nodes/duckdb/index.js"
import { generateSynthetic, makeSyntheticConfig, SyntheticMarket as M } from "../../nodes/synthetic/index.js"

describe("generateSynthetic mint mapping", () => {
  it.effect("maps every mint to its own candles, whatever the ENUM width (8, 16 or 32 bit)", () =>
    Effect.gen(function* () {
      for (const [tokens, days] of [[20, 0.05], [300, 0.05], [70_000, 0.001]] as const) {
        const small = makeSyntheticConfig({ tokens, days, seed: 3 })
        const tmp = mkdtempSync(join(tmpdir(), "synthetic-enum-"))
        try {
          const paths = { ohlcvPath: join(tmp, "ohlcv.parquet"), alertsPath: join(tmp, "alerts.parquet") }
          const written = yield* generateSynthetic(small, paths)
          expect(M.slotCount(small)).toBe(days === 0.05 ? 72 : 1)
          // The first slot of every token always has a candle; with one slot that is all there is.
          if (tokens > 300) expect(written.candles).toBe(tokens)
          const buffers = M.makeCandleBuffers(small)
          for (const token of [0, 1, Math.floor(tokens / 2), tokens - 1]) {
            const n = M.generateCandles(small, M.planToken(small, token), buffers)
            const rows = yield* Effect.scoped(
              Effect.flatMap(Duck.openDatabase(Duck.MEMORY, { threads: 1 }), (db) =>
                Duck.readRowsJS(
                  db.connection,
                  "SELECT (epoch_us(ts) // 60000000)::INTEGER AS minute, open, close FROM read_parquet($1) WHERE mint = $2 ORDER BY ts",
                  [paths.ohlcvPath, M.mintFor(small.seed, token)]
                )
              )
            )
            const start = M.startMsOf(small) / 60_000
            expect(rows).toEqual(
              Array.from({ length: n }, (_, j) => ({
                minute: start + buffers.slot[j],
                open: buffers.open[j],
                close: buffers.close[j]
              }))
            )
          }
        } finally {
          rmSync(tmp, { recursive: true, force: true })
        }
      }
    })
  )
})
