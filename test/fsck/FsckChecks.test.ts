/**
 * fsck's derivation checks: an action key against blake3(canonical(material)), an experiment id
 * against its definition and frozen inputs (nodes' `experimentIdOfRecord`), and a manifest's
 * rowCount / minTs / maxTs / columns against its Parquet object (nodes' `checkArtifactObject`).
 * Each finding is a named problem; a store where everything agrees has none.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Duck, workspaceConnection } from "../../nodes/duckdb/index.js"
import { experimentIdOf } from "../../nodes/experiment/ExecuteExperiment.js"
import { checkArtifactObject, domainFsckChecks, experimentIdOfRecord, isoToMicros } from "../../nodes/experiment/FsckChecks.js"
import {
  ActionCache,
  type ActionEntry,
  ArtifactCatalog,
  type ArtifactId,
  canonicalDigest,
  type ExperimentId,
  ExperimentTracker,
  fsck,
  ObjectStore
} from "../../store/index.js"
import { storeAt, tempDir } from "../gc/support.js"

const provenance = { engineVersion: "test", duckdbVersion: "test", git: { commit: null, dirty: false } }

const withStore = <A, E>(body: (root: string) => Effect.Effect<A, E, any>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const root = path.join(yield* tempDir("fsck-checks-"), "store")
      return yield* (body(root).pipe(Effect.provide(storeAt(root))) as Effect.Effect<A, E, never>)
    })
  )

/** Publishes the file `write` makes under the given type and descriptive fields. */
const publishFile = (
  fields: { type: string; logicalKey: string; rowCount: number; minTs: string | null; maxTs: string | null },
  write: (file: string) => Effect.Effect<void, any, any>
) =>
  Effect.gen(function* () {
    const objects = yield* ObjectStore
    const catalog = yield* ArtifactCatalog
    const file = yield* objects.scratchPath(".parquet")
    yield* write(file)
    return yield* catalog.publish({
      file,
      schemaVersion: fields.type === "ohlcv_slice_v2" ? 2 : 1,
      inputs: [],
      producedBy: { node: "test", key: "blake3:test" },
      provenance,
      ...fields
    })
  })

/** Three alerts, 2024-01-01 00:00 to 02:00:00.000001 (µs on the last one). */
const ALERTS_SQL = `SELECT * FROM (VALUES
  ('a1', TIMESTAMP '2024-01-01 00:00:00', 'solana', 'M1', NULL),
  ('a2', TIMESTAMP '2024-01-01 01:00:00', 'solana', 'M2', 'c'),
  ('a3', TIMESTAMP '2024-01-01 02:00:00.000001', 'solana', 'M3', 'c')
) AS t(alert_id, alert_ts, chain, mint, caller)`

const writeParquet = (sql: string) => (file: string) =>
  Effect.scoped(
    Effect.flatMap(workspaceConnection, (connection) =>
      Duck.run(connection, `COPY (${sql}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet)`)
    )
  )

describe("fsck derivation checks", () => {
  it("isoToMicros reads ISO instants at µs precision, with zones", () => {
    expect(isoToMicros("1970-01-01T00:00:00Z")).toBe(0n)
    expect(isoToMicros("2024-01-01T02:00:00.000001Z")).toBe(1704074400000001n)
    expect(isoToMicros("2024-01-01T02:00:00.000Z")).toBe(1704074400000000n)
    expect(isoToMicros("2024-01-01T03:00:00+01:00")).toBe(1704074400000000n)
    // Years below 100 are not shifted to 19xx (as Date.UTC would do).
    expect(isoToMicros("0099-01-01T00:00:00Z")).toBe(-59042995200000000n)
    expect(isoToMicros("yesterday")).toBeUndefined()
  })

  it.live("material-mismatch: an entry whose key is not the hash of its material", () =>
    withStore(() =>
      Effect.gen(function* () {
        const cache = yield* ActionCache
        const material = { node: "simulate", config: { stop: 0.2 } }
        const good: ActionEntry = {
          key: yield* canonicalDigest(material),
          node: "simulate",
          material,
          outputs: {},
          ranAt: "2026-01-01T00:00:00.000Z",
          durationMs: 1
        }
        // Material edited after the fact (the key is the old material's).
        const edited: ActionEntry = {
          ...good,
          key: yield* canonicalDigest({ node: "simulate", config: { stop: 0.3 } })
        }
        yield* cache.put(good)
        yield* cache.put(edited)
        const report = yield* fsck()
        expect(report.problems.map((p) => `${p.kind} ${p.problem} ${p.id}`)).toEqual([
          `action material-mismatch ${edited.key}`
        ])
        expect(report.problems[0]!.detail).toContain(good.key)
      })
    )
  )

  it.live("definition-mismatch: an experiment id that its definition and inputs do not derive to", () =>
    withStore(() =>
      Effect.gen(function* () {
        const tracker = yield* ExperimentTracker
        const inputs = { alerts: ["art_" + "a".repeat(64)], ohlcv: ["art_" + "b".repeat(64)] } as unknown as Record<string, Array<ArtifactId>>
        const byIds = { name: "by-ids", seed: 1, inputs: { alerts: ["art_" + "a".repeat(64)], ohlcv: [] } }
        const synthetic = { name: "synthetic", seed: 1, inputs: { synthetic: { tokens: 2, days: 1, seed: 7 } } }
        // Catalog inputs enter the id; a synthetic generator's outputs do not (they are derived from it).
        const rightId = yield* experimentIdOf(byIds, { alerts: inputs.alerts!, ohlcv: inputs.ohlcv! })
        const syntheticId = yield* experimentIdOf(synthetic, null)
        const forgedId = "exp_0123456789abcdef0123456789abcdef" as ExperimentId
        yield* tracker.create({ experimentId: rightId, name: "by-ids", definition: byIds, inputs, seed: 1 })
        yield* tracker.create({ experimentId: syntheticId, name: "synthetic", definition: synthetic, inputs, seed: 1 })
        yield* tracker.create({ experimentId: forgedId, name: "forged", definition: byIds, inputs, seed: 1 })
        const report = yield* fsck({ experimentIdOf: experimentIdOfRecord })
        const lines = report.problems.filter((p) => p.problem !== "input-missing").map((p) => `${p.kind} ${p.problem} ${p.id}`)
        expect(lines).toEqual([`experiment definition-mismatch ${forgedId}`])
        expect(report.problems.find((p) => p.problem === "definition-mismatch")!.detail).toContain(rightId)
        // Without the domain's rule, the store does not check it.
        expect((yield* fsck()).problems.filter((p) => p.problem === "definition-mismatch")).toEqual([])
      })
    )
  )

  it.live("row-count-, time-range- and schema-mismatch: a manifest's fields against its Parquet object", () =>
    withStore(() =>
      Effect.gen(function* () {
        const alerts = (logicalKey: string, rowCount: number, minTs: string | null, maxTs: string | null) =>
          publishFile({ type: "alerts_v1", logicalKey, rowCount, minTs, maxTs }, writeParquet(`${ALERTS_SQL} WHERE true ORDER BY alert_ts /* ${logicalKey} */`))
        const min = "2024-01-01T00:00:00.000000Z"
        const max = "2024-01-01T02:00:00.000001Z"
        const sound = yield* alerts("sound", 3, min, max)
        const unset = yield* alerts("range-unset", 3, null, null)
        const rows = yield* alerts("rows", 4, min, max)
        const range = yield* alerts("range", 3, min, "2024-01-01T02:00:00Z")
        const wrongColumns = yield* publishFile(
          { type: "alerts_v1", logicalKey: "columns", rowCount: 1, minTs: null, maxTs: null },
          writeParquet("SELECT 'solana' AS chain, 'M1' AS mint, TIMESTAMP '2024-01-01' AS ts")
        )
        const notParquet = yield* publishFile(
          { type: "alerts_v1", logicalKey: "text", rowCount: 1, minTs: null, maxTs: null },
          (file) => Effect.promise(() => fs.writeFile(file, "alert_id,alert_ts\na1,2024-01-01\n"))
        )
        const untyped = yield* publishFile(
          { type: "test_rows", logicalKey: "untyped", rowCount: 99, minTs: null, maxTs: null },
          (file) => Effect.promise(() => fs.writeFile(file, "anything\n"))
        )
        const report = yield* fsck(domainFsckChecks)
        const found = report.problems.map((p) => `${p.problem} ${p.id}`).sort()
        expect(found).toEqual(
          [
            `row-count-mismatch ${rows.artifactId}`,
            `time-range-mismatch ${range.artifactId}`,
            `schema-mismatch ${wrongColumns.artifactId}`,
            `schema-mismatch ${notParquet.artifactId}`
          ].sort()
        )
        const detail = (id: string) => report.problems.find((p) => p.id === id)!.detail
        expect(detail(rows.artifactId)).toBe("the manifest records 4 rows, the object holds 3")
        expect(detail(range.artifactId)).toContain("alert_ts runs from 2024-01-01T00:00:00.000000Z to 2024-01-01T02:00:00.000001Z")
        expect(detail(wrongColumns.artifactId)).toContain("column alert_id is missing")
        expect(detail(notParquet.artifactId)).toContain("cannot be read as alerts_v1 Parquet")
        for (const ok of [sound, unset, untyped]) expect(report.problems.some((p) => p.id === ok.artifactId)).toBe(false)
        // The same check, called directly on the sound artifact: nothing to say.
        const objects = yield* ObjectStore
        expect(yield* checkArtifactObject(sound, yield* objects.path(sound.digest))).toEqual([])
      })
    )
  )
})
