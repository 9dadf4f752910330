/**
 * importAndPublish through the real store layers (filesystem and memory).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { importAndPublish, ImportValidationError } from "../../nodes/import/index.js"
import { ArtifactCatalog } from "../../store/ArtifactCatalog.js"
import { hashFile } from "../../store/Digest.js"
import { ObjectStore } from "../../store/ObjectStore.js"
import { StoreLive, StoreMemory } from "../../store/StoreLive.js"
import { realBtcData } from "../support/realData.js"

const DATA = realBtcData
const provenance = { engineVersion: "test", duckdbVersion: "v1.5.6", git: { commit: null, dirty: false } }

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "import-publish-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

const source = {
  kind: "ohlcv" as const,
  file: join(DATA, "binanceus_BTCUSDT_1m.csv"),
  chain: "binanceus",
  mint: "BTCUSDT"
}

describe("importAndPublish", () => {
  it.live("publishes a manifest with quality metadata; the same import twice is the same artifact", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const root = join(dir, "store")
        const run = Effect.gen(function* () {
          const first = yield* importAndPublish({ source, provenance, tags: ["real"] })
          const second = yield* importAndPublish({ source: { ...source, threads: 1 }, provenance, tags: ["real"] })
          const catalog = yield* ArtifactCatalog
          const listed = yield* catalog.list()
          const dataPath = yield* catalog.dataPath(first.manifest.artifactId)
          return { first, second, listed, dataPath }
        })
        const { dataPath, first, listed, second } = yield* Effect.provide(run, StoreLive.layer(root))
        const m = first.manifest
        expect(second.manifest.artifactId).toBe(m.artifactId)
        expect(second.manifest.digest).toBe(m.digest)
        expect(second.manifest.producedBy).toEqual(m.producedBy)
        expect(listed.map((x) => x.artifactId)).toEqual([m.artifactId])
        expect(m).toMatchObject({
          type: "ohlcv_slice_v2",
          schemaVersion: 2,
          logicalKey: "chain=binanceus/mint=BTCUSDT/res=60s",
          rowCount: 30_240,
          minTs: "2023-03-01T00:00:00.000000Z",
          maxTs: "2023-03-21T23:59:00.000000Z",
          inputs: [],
          provenance,
          tags: ["real"],
          status: "active"
        })
        expect(m.producedBy.node).toBe("import")
        expect(m.producedBy.key).toMatch(/^blake3:[0-9a-f]{64}$/)
        const metadata = m.metadata as { quality: { zeroVolume: number; gaps: number }; source: { name: string; digest: string } }
        expect(metadata.quality.zeroVolume).toBe(658)
        expect(metadata.quality.gaps).toBe(0)
        expect(metadata.source.name).toBe("binanceus_BTCUSDT_1m.csv")
        expect(metadata.source.digest).toBe(yield* hashFile(source.file))
        expect(yield* hashFile(dataPath)).toBe(m.digest)
        // Scratch files are gone once the import's scope closed.
        expect(readdirSync(join(root, "tmp")).filter((name) => name.includes("scratch"))).toEqual([])
      })
    ))

  it.live("a failing import publishes nothing and leaves no scratch file", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const root = join(dir, "store")
        const bad = join(dir, "bad.csv")
        writeFileSync(
          bad,
          "open_time,open,high,low,close,volume\n2023-03-01 00:00:00+00:00,1,2,0.5,1.5,3\n2023-03-01 00:01:00+00:00,1,0.9,0.5,1.5,3\n"
        )
        const run = Effect.gen(function* () {
          const error = yield* Effect.flip(importAndPublish({ source: { ...source, file: bad }, provenance }))
          const catalog = yield* ArtifactCatalog
          const objects = yield* ObjectStore
          return { error, artifacts: yield* catalog.list(), objects: yield* objects.list() }
        })
        const outcomes = [yield* Effect.provide(run, StoreLive.layer(root)), yield* Effect.provide(run, StoreMemory.layer)]
        for (const { artifacts, error, objects } of outcomes) {
          expect(error).toBeInstanceOf(ImportValidationError)
          expect((error as ImportValidationError).problems).toEqual([
            { row: 3, column: "high", message: "high 0.9 is below max(open, close) 1.5" }
          ])
          expect(artifacts).toEqual([])
          expect(objects).toEqual([])
        }
        expect(readdirSync(join(root, "tmp"))).toEqual([])
      })
    ))
})
