/**
 * Same config ⇒ byte-identical Parquet files in two separate processes; another seed ⇒ other bytes;
 * and the streamed candle file is byte-identical to what the canonical writer (ORDER BY) makes of
 * the same rows, so skipping the sort changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { AlertsV1, OhlcvSliceV2 } from "../../nodes/contracts/index.js"
import { writeCanonicalParquet } from "../../nodes/parquet/index.js"
import { Duck } from "../../nodes/duckdb/index.js"
import { generateSynthetic, makeSyntheticConfig } from "../../nodes/synthetic/index.js"
import { hashFile } from "../../store/Digest.js"

const fixture = fileURLToPath(new URL("./fixtures/generate.ts", import.meta.url))
const configJson = { tokens: 20, days: 1, seed: 11 }

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "synthetic-determinism-"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const runChild = (name: string, config: unknown) =>
  Effect.async<{ ohlcv: string; alerts: string; stdout: string }, Error>((resume) => {
    const ohlcv = join(dir, `${name}-ohlcv.parquet`)
    const alerts = join(dir, `${name}-alerts.parquet`)
    execFile(
      process.execPath,
      ["--import", "tsx", fixture, JSON.stringify(config), ohlcv, alerts],
      { cwd: process.cwd() },
      (error, stdout, stderr) =>
        resume(error ? Effect.fail(new Error(`${error.message}\n${stderr}`)) : Effect.succeed({ ohlcv, alerts, stdout }))
    )
  })

describe("synthetic determinism", () => {
  it.live("same seed: byte-identical files from two processes; other seed: other bytes", () =>
    Effect.gen(function* () {
      const [a, b] = yield* Effect.all([runChild("a", configJson), runChild("b", configJson)], { concurrency: 2 })
      expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout))
      expect(JSON.parse(a.stdout).candles).toBeGreaterThan(20 * 1440 * 0.5)
      const [ohlcvA, ohlcvB, alertsA, alertsB] = yield* Effect.all(
        [hashFile(a.ohlcv), hashFile(b.ohlcv), hashFile(a.alerts), hashFile(b.alerts)]
      )
      expect(ohlcvA).toBe(ohlcvB)
      expect(alertsA).toBe(alertsB)

      const other = {
        ohlcvPath: join(dir, "seed12-ohlcv.parquet"),
        alertsPath: join(dir, "seed12-alerts.parquet")
      }
      yield* generateSynthetic(makeSyntheticConfig({ ...configJson, seed: 12 }), other)
      expect(yield* hashFile(other.ohlcvPath)).not.toBe(ohlcvA)
      expect(yield* hashFile(other.alertsPath)).not.toBe(alertsA)
    })
  )

  it.live("the streamed files equal the canonical writer's output for the same rows", () =>
    Effect.gen(function* () {
      const paths = { ohlcvPath: join(dir, "c-ohlcv.parquet"), alertsPath: join(dir, "c-alerts.parquet") }
      // Large enough for several row groups (122,880 rows each).
      const summary = yield* generateSynthetic(makeSyntheticConfig({ tokens: 100, days: 3, seed: 13 }), paths)
      expect(summary.candles).toBeGreaterThan(2 * 122_880)
      const rewritten = { ohlcv: join(dir, "c-ohlcv-canonical.parquet"), alerts: join(dir, "c-alerts-canonical.parquet") }
      yield* Effect.scoped(
        Effect.gen(function* () {
          const db = yield* Duck.openDatabase(Duck.MEMORY, { threads: 2 })
          // Shuffle first, so the canonical writer really has to sort.
          yield* writeCanonicalParquet(
            db.connection,
            OhlcvSliceV2,
            "SELECT * FROM read_parquet($1) ORDER BY hash(mint, ts)",
            [paths.ohlcvPath],
            rewritten.ohlcv
          )
          yield* writeCanonicalParquet(
            db.connection,
            AlertsV1,
            "SELECT * FROM read_parquet($1) ORDER BY hash(alert_id)",
            [paths.alertsPath],
            rewritten.alerts
          )
        })
      )
      expect(yield* hashFile(rewritten.ohlcv)).toBe(yield* hashFile(paths.ohlcvPath))
      expect(yield* hashFile(rewritten.alerts)).toBe(yield* hashFile(paths.alertsPath))
    })
  )
})
