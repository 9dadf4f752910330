/**
 * The projection against the real store, real DuckDB and real Parquet: contents limited as
 * documented, concurrent readers agree, and the database file is gone after success, failure and
 * interruption.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Schema, Stream } from "effect"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { engineVersions } from "../../nodes/runtime/index.js"
import { openProjection } from "../../nodes/project/index.js"
import { SyntheticConfig } from "../../nodes/synthetic/index.js"
import { syntheticNode } from "../../nodes/synthetic/SyntheticNode.js"
import { execute } from "../../pipeline/index.js"
import { ArtifactCatalog, ObjectStore } from "../../store/index.js"
import { storeLayer, tempStore } from "../experiment/support.js"

const projectionFiles = (root: string) => readdirSync(join(root, "tmp")).filter((name) => name.includes("projection"))

/** A small synthetic market in the store; returns the data paths. */
const market = Effect.gen(function*() {
  const engine = yield* engineVersions
  const node = syntheticNode(Schema.decodeSync(SyntheticConfig)({ tokens: 12, days: 1, seed: 3 }))
  const outputs = (yield* execute([node], { engine })).of(node).outputs!
  const catalog = yield* ArtifactCatalog
  return {
    alerts: yield* catalog.dataPath(outputs.alerts.artifactId),
    ohlcv: yield* catalog.dataPath(outputs.ohlcv.artifactId)
  }
})

const open = (files: { alerts: string; ohlcv: string }) =>
  Effect.gen(function*() {
    const objects = yield* ObjectStore
    const databasePath = yield* objects.scratchPath("-projection.duckdb")
    return yield* openProjection({
      databasePath,
      alertFiles: [files.alerts],
      ohlcvFiles: [files.ohlcv],
      from: Date.parse("2024-01-01T00:00:00Z"),
      to: Date.parse("2024-01-01T12:00:00Z")
    })
  })

const digestOfStream = (stream: Stream.Stream<{ chain: string; mint: string; series: { length: number; ts: Float64Array; close: Float64Array } }, unknown>) =>
  Effect.map(Stream.runCollect(stream), (chunk) =>
    Chunk.toReadonlyArray(chunk).map((m) => {
      let sum = 0
      for (let i = 0; i < m.series.length; i++) sum += m.series.close[i]! * (i + 1) + m.series.ts[i]! / 1e9
      return `${m.chain}/${m.mint}:${m.series.length}:${sum}`
    }))

describe("Projection", () => {
  it.live("holds only mints with in-range alerts, from their first alert on, and serves concurrent readers", () => {
    const { root, cleanup } = tempStore()
    return Effect.gen(function*() {
      const files = yield* market
      yield* Effect.scoped(
        Effect.gen(function*() {
          const projection = yield* open(files)
          expect(projectionFiles(root).some((name) => name.endsWith("-projection.duckdb"))).toBe(true)
          const inRange = projection.alerts.filter((a) =>
            a.alert_ts >= Date.parse("2024-01-01T00:00:00Z") && a.alert_ts < Date.parse("2024-01-01T12:00:00Z")
          )
          const wanted = new Set(inRange.map((a) => `${a.chain}/${a.mint}`))
          expect(projection.mints.map((m) => `${m.chain}/${m.mint}`).sort()).toEqual([...wanted].sort())
          // Every alert of the artifact is there, in range or not (out-of-range ones become diagnostics).
          expect(projection.alerts.length).toBeGreaterThan(inRange.length)

          const sequential = yield* digestOfStream(projection.candles)
          const [a, b] = yield* Effect.all([digestOfStream(projection.candles), digestOfStream(projection.candles)], {
            concurrency: 2
          })
          expect(a).toEqual(sequential)
          expect(b).toEqual(sequential)
          const firstAlert = new Map<string, number>()
          for (const alert of inRange) {
            const key = `${alert.chain}/${alert.mint}`
            firstAlert.set(key, Math.min(firstAlert.get(key) ?? Infinity, alert.alert_ts))
          }
          const series = Chunk.toReadonlyArray(yield* Stream.runCollect(projection.candles))
          for (const m of series) {
            expect(m.series.ts[0]).toBeGreaterThanOrEqual(firstAlert.get(`${m.chain}/${m.mint}`)!)
            for (let i = 1; i < m.series.length; i++) expect(m.series.ts[i]!).toBeGreaterThan(m.series.ts[i - 1]!)
          }
        })
      )
      expect(projectionFiles(root)).toEqual([])
    }).pipe(Effect.provide(storeLayer(root)), Effect.ensuring(Effect.sync(cleanup)))
  })

  it.live("is deleted when the scope fails and when it is interrupted mid-read", () => {
    const { root, cleanup } = tempStore()
    return Effect.gen(function*() {
      const files = yield* market
      const failed = yield* Effect.exit(
        Effect.scoped(Effect.flatMap(open(files), () => Effect.fail("consumer failed" as const)))
      )
      expect(Exit.isFailure(failed)).toBe(true)
      expect(projectionFiles(root)).toEqual([])

      const reading = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        Effect.scoped(
          Effect.flatMap(open(files), (projection) =>
            projection.candles.pipe(
              Stream.tap(() => Deferred.succeed(reading, undefined)),
              Stream.tap(() => Effect.sleep("20 millis")),
              Stream.runDrain
            ))
        )
      )
      yield* Deferred.await(reading)
      expect(projectionFiles(root).length).toBeGreaterThan(0)
      yield* Fiber.interrupt(fiber)
      expect(projectionFiles(root)).toEqual([])
    }).pipe(Effect.provide(storeLayer(root)), Effect.ensuring(Effect.sync(cleanup)))
  })
})

