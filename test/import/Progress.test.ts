/**
 * Import progress (docs/DESIGN.md §9: long steps report progress through the event stream): the CSV
 * scan and the load in bytes of the file, validation and write in rows; each step grows and ends
 * at total of total; a Parquet source has no scan; a failed validation reports nothing after it;
 * progress changes no artifact.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duck } from "../../nodes/duckdb/index.js"
import { importAndPublish, importFile, type ImportProgress, ImportValidationError } from "../../nodes/import/index.js"
import { StoreMemory } from "../../store/StoreLive.js"

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "import-progress-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

type Event = readonly [done: number, total: number, unit: string]

const recorder = () => {
  const events: Array<Event> = []
  const onProgress: ImportProgress = (done, total, unit) => Effect.sync(() => void events.push([done, total, unit]))
  return { events, onProgress }
}

/** The units in order of first appearance; per unit, values never shrink and the last is total/total. */
const checkSteps = (events: ReadonlyArray<Event>, totals: Readonly<Record<string, number>>) => {
  const units = [...new Set(events.map(([, , unit]) => unit))]
  expect(units).toEqual(Object.keys(totals))
  for (const unit of units) {
    const mine = events.filter(([, , u]) => u === unit)
    for (const [done, total] of mine) {
      expect(total).toBe(totals[unit])
      expect(done).toBeGreaterThanOrEqual(0)
      expect(done).toBeLessThanOrEqual(total)
    }
    for (let i = 1; i < mine.length; i++) expect(mine[i]![0]).toBeGreaterThan(mine[i - 1]![0])
    expect(mine[mine.length - 1]).toEqual([totals[unit], totals[unit], unit])
  }
}

const ROWS = 20_000
const START_MS = Date.UTC(2023, 2, 1)
const candles = (rows: number) =>
  ["open_time,open,high,low,close,volume", ...Array.from({ length: rows }, (_, i) => `${START_MS + i * 60_000},1,2,0.5,1.5,3`)]
    .join("\n") + "\n"

describe("import progress", () => {
  it.live("a CSV: bytes scanned, bytes loaded (of the file's size), rows validated, rows written", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const file = join(dir, "candles.csv")
        writeFileSync(file, candles(ROWS))
        const bytes = statSync(file).size
        const { events, onProgress } = recorder()
        const result = yield* importFile({ kind: "ohlcv", file, chain: "c", mint: "M", output: join(dir, "out.parquet"), onProgress })
        expect(result.rowCount).toBe(ROWS)
        checkSteps(events, { "bytes scanned": bytes, "bytes loaded": bytes, "rows validated": ROWS, "rows written": ROWS })
      })
    ))

  it.live("a Parquet source has no scan step; alerts report the same steps", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const file = join(dir, "alerts.parquet")
        yield* Effect.scoped(
          Effect.flatMap(Duck.openDatabase(Duck.MEMORY, { threads: 1 }), (db) =>
            Duck.run(
              db.connection,
              `COPY (SELECT 'a' || i AS alert_id, TIMESTAMP '2024-01-01' + i * INTERVAL 1 MINUTE AS alert_ts,
                            'solana' AS chain, 'M' || (i % 7) AS mint FROM range(500) t(i)) TO '${file}' (FORMAT parquet)`
            ))
        )
        const { events, onProgress } = recorder()
        const result = yield* importFile({ kind: "alerts", file, output: join(dir, "out.parquet"), onProgress })
        expect(result.rowCount).toBe(500)
        const bytes = statSync(file).size
        checkSteps(events, { "bytes loaded": bytes, "rows validated": 500, "rows written": 500 })
      })
    ))

  it.live("a file that fails validation reports its load, then nothing more", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const file = join(dir, "bad.csv")
        writeFileSync(file, `${candles(10)}${START_MS + 10 * 60_000},1,2,0.5,1.5,-3\n`)
        const { events, onProgress } = recorder()
        const error = yield* Effect.flip(
          importFile({ kind: "ohlcv", file, chain: "c", mint: "M", output: join(dir, "out.parquet"), onProgress })
        )
        expect(error).toBeInstanceOf(ImportValidationError)
        const bytes = statSync(file).size
        checkSteps(events, { "bytes scanned": bytes, "bytes loaded": bytes })
      })
    ))

  it.live("importAndPublish reports the same steps, and progress changes no artifact", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const file = join(dir, "candles.csv")
        writeFileSync(file, candles(1_000))
        const source = { kind: "ohlcv" as const, file, chain: "c", mint: "M" }
        const provenance = { engineVersion: "test", duckdbVersion: "v1.5.6", git: { commit: null, dirty: false } }
        const { events, onProgress } = recorder()
        const [withProgress, without] = yield* Effect.provide(
          Effect.all([importAndPublish({ source, provenance, onProgress }), importAndPublish({ source, provenance })]),
          StoreMemory.layer
        )
        expect(withProgress.manifest.artifactId).toBe(without.manifest.artifactId)
        expect(withProgress.manifest.producedBy).toEqual(without.manifest.producedBy)
        const bytes = statSync(file).size
        checkSteps(events, { "bytes scanned": bytes, "bytes loaded": bytes, "rows validated": 1_000, "rows written": 1_000 })
      })
    ))
})
