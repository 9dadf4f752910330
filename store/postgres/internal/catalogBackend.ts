/**
 * The artifact catalog's backend core (store/internal/artifactCatalog.ts `CatalogBackend`) over
 * PostgreSQL, so every catalog rule (id derivation, publish order, filters, lineage) is the one the
 * filesystem and memory layers use.
 *
 * A manifest and its lineage edges are inserted in one transaction; the first writer wins
 * (`ON CONFLICT DO NOTHING`). The type and input indexes are the tables themselves (exact, not the
 * filesystem's marker superset), so `addToIndex` has nothing to do. Every value is a parameter.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Schema } from "effect"
import { ArtifactId, ArtifactManifest, ArtifactStatus } from "../../ArtifactCatalog.js"
import { RecordDecodeError, type StoreIOError } from "../../StoreError.js"
import type { CatalogBackend, StatusOverlay } from "../../internal/artifactCatalog.js"
import { parseDetail } from "../../internal/parseDetail.js"
import { sqlFailure } from "./sqlFailure.js"

type Id = typeof ArtifactId.Type
type Manifest = typeof ArtifactManifest.Type

const location = (id: string) => `postgres:pipeline_artifacts/${id}`

/**
 * A value for a lookup column: PostgreSQL text cannot hold NUL, so it becomes U+FFFD there (the
 * manifest text keeps the exact value). Lookups are supersets the catalog filters exactly again.
 */
export const columnText = (value: string) => value.replaceAll("\u0000", "\uFFFD")

export const catalogBackend = (sql: SqlClient): CatalogBackend => {
  const manifestJson = Schema.parseJson(ArtifactManifest, { space: 2 })
  const overlay = Schema.Struct({
    status: ArtifactStatus,
    supersededBy: Schema.optionalWith(ArtifactId, { exact: true }),
    changedAt: Schema.String
  })

  const encode = (manifest: Manifest) =>
    Effect.mapError(
      Schema.encode(manifestJson)(manifest),
      (error) => new RecordDecodeError({ path: location(manifest.artifactId), detail: parseDetail(error) })
    )

  const fail = (operation: string, id: string) => sqlFailure(operation, location(id))

  const insertInputs = (manifest: Manifest) =>
    manifest.inputs.length === 0
      ? Effect.void
      : sql`INSERT INTO pipeline_artifact_inputs (artifact_id, input_id)
            SELECT ${manifest.artifactId}, unnest(${[...manifest.inputs]}::text[])
            ON CONFLICT DO NOTHING`

  const writeManifestOnce = (manifest: Manifest): Effect.Effect<void, StoreIOError | RecordDecodeError> =>
    Effect.flatMap(encode(manifest), (text) =>
      sql.withTransaction(
        Effect.gen(function* () {
          const inserted = yield* sql`INSERT INTO pipeline_artifacts (artifact_id, type, logical_key, digest, manifest)
            VALUES (${manifest.artifactId}, ${columnText(manifest.type)}, ${columnText(manifest.logicalKey)}, ${manifest.digest}, ${`${text}\n`})
            ON CONFLICT (artifact_id) DO NOTHING
            RETURNING artifact_id`
          if (inserted.length > 0) yield* insertInputs(manifest)
        })
      ).pipe(Effect.mapError(fail("insert", manifest.artifactId)))
    )

  const replaceManifest = (manifest: Manifest): Effect.Effect<void, StoreIOError | RecordDecodeError> =>
    Effect.flatMap(encode(manifest), (text) =>
      sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO pipeline_artifacts (artifact_id, type, logical_key, digest, manifest)
            VALUES (${manifest.artifactId}, ${columnText(manifest.type)}, ${columnText(manifest.logicalKey)}, ${manifest.digest}, ${`${text}\n`})
            ON CONFLICT (artifact_id) DO UPDATE SET type = EXCLUDED.type, logical_key = EXCLUDED.logical_key,
              digest = EXCLUDED.digest, manifest = EXCLUDED.manifest`
          yield* sql`DELETE FROM pipeline_artifact_inputs WHERE artifact_id = ${manifest.artifactId}`
          yield* insertInputs(manifest)
        })
      ).pipe(Effect.mapError(fail("replace", manifest.artifactId)))
    )

  const ids = (rows: ReadonlyArray<{ readonly artifact_id: string }>) => rows.map((row) => row.artifact_id as Id)

  return {
    readManifest: (id) =>
      Effect.flatMap(
        Effect.mapError(
          sql<{ readonly manifest: string }>`SELECT manifest FROM pipeline_artifacts WHERE artifact_id = ${id}`,
          fail("read", id)
        ),
        (rows) =>
          rows.length === 0
            ? Effect.succeed(undefined)
            : Effect.mapError(
              Schema.decode(manifestJson)(rows[0].manifest),
              (error) => new RecordDecodeError({ path: location(id), detail: parseDetail(error) })
            )
      ),
    writeManifestOnce,
    replaceManifest,
    readStatus: (id) =>
      Effect.flatMap(
        Effect.mapError(
          sql<{ readonly status: string; readonly superseded_by: string | null; readonly changed_at: string }>`
            SELECT status, superseded_by, changed_at FROM pipeline_artifact_status WHERE artifact_id = ${id}`,
          fail("read status", id)
        ),
        (rows): Effect.Effect<StatusOverlay | undefined, RecordDecodeError> =>
          rows.length === 0
            ? Effect.succeed(undefined)
            : Effect.mapError(
              Schema.decodeUnknown(overlay)({
                status: rows[0].status,
                ...(rows[0].superseded_by === null ? {} : { supersededBy: rows[0].superseded_by }),
                changedAt: rows[0].changed_at
              }),
              (error) => new RecordDecodeError({ path: `postgres:pipeline_artifact_status/${id}`, detail: parseDetail(error) })
            )
      ),
    writeStatus: (id, status) =>
      Effect.mapError(
        sql`INSERT INTO pipeline_artifact_status (artifact_id, status, superseded_by, changed_at)
          VALUES (${id}, ${status.status}, ${status.supersededBy ?? null}, ${status.changedAt})
          ON CONFLICT (artifact_id) DO UPDATE SET status = EXCLUDED.status, superseded_by = EXCLUDED.superseded_by,
            changed_at = EXCLUDED.changed_at`,
        fail("write status", id)
      ),
    listIds: Effect.map(
      Effect.mapError(
        sql<{ readonly artifact_id: string }>`SELECT artifact_id FROM pipeline_artifacts ORDER BY artifact_id COLLATE "C"`,
        sqlFailure("list", "postgres:pipeline_artifacts")
      ),
      ids
    ),
    listIndex: (index, key) =>
      Effect.map(
        Effect.mapError(
          index === "type"
            ? sql<{ readonly artifact_id: string }>`SELECT artifact_id FROM pipeline_artifacts WHERE type = ${columnText(key)}
                ORDER BY artifact_id COLLATE "C"`
            : sql<{ readonly artifact_id: string }>`SELECT artifact_id FROM pipeline_artifact_inputs WHERE input_id = ${key}
                ORDER BY artifact_id COLLATE "C"`,
          sqlFailure("list", `postgres:pipeline_artifacts by ${index}`)
        ),
        ids
      ),
    addToIndex: () => Effect.void,
    remove: (id) =>
      Effect.mapError(
        sql.withTransaction(
          Effect.all([
            sql`DELETE FROM pipeline_artifact_status WHERE artifact_id = ${id}`,
            sql`DELETE FROM pipeline_artifacts WHERE artifact_id = ${id}`
          ], { discard: true })
        ),
        fail("remove", id)
      )
  }
}
