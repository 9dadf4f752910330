/**
 * The experiment tracker's storage core (store/internal/trackerFiles.ts `RecordFiles`) over
 * PostgreSQL, so the tracker's rules (run allocation, legal transitions, abandoned detection) are the
 * ones the filesystem and memory layers use.
 *
 * The tracker addresses records by path; the two it uses map onto tables:
 * - `experiments/<id>/experiment.json` → a row of `pipeline_experiments` (write-once);
 * - `experiments/<id>/runs/<runId>.json` → a row of `pipeline_runs` (created exclusively, so two
 *   processes never get the same run number; then replaced by its owner).
 * A transition or heartbeat runs in one transaction that first locks the run's row
 * (`SELECT … FOR UPDATE`), so a read-check-write is never interleaved with another process's.
 * Status, owner and heartbeat are copied into columns for ad-hoc queries (abandoned runs:
 * `WHERE status IN ('pending', 'running') AND heartbeat_at < now() - interval '2 minutes'`).
 * Any other path is refused: ids reach this module already validated, and as parameters only.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"
import { StoreIOError } from "../../StoreError.js"
import type { RecordFiles } from "../../internal/trackerFiles.js"
import { columnText } from "./catalogBackend.js"
import { sqlFailure } from "./sqlFailure.js"

type Target =
  | { readonly _tag: "experiments" }
  | { readonly _tag: "experiment"; readonly experimentId: string }
  | { readonly _tag: "runs"; readonly experimentId: string }
  | { readonly _tag: "run"; readonly experimentId: string; readonly runId: string }

const ID = "exp_[0-9a-f]+"
const EXPERIMENT = new RegExp(`^experiments/(${ID})/experiment\\.json$`)
const RUNS = new RegExp(`^experiments/(${ID})/runs$`)
const RUN = new RegExp(`^experiments/(${ID})/runs/([0-9]{6,})\\.json$`)

const targetOf = (rel: string): Target | undefined => {
  const path = rel.replace(/^\/+|\/+$/g, "")
  if (path === "experiments") return { _tag: "experiments" }
  let match = EXPERIMENT.exec(path)
  if (match !== null) return { _tag: "experiment", experimentId: match[1] }
  match = RUNS.exec(path)
  if (match !== null) return { _tag: "runs", experimentId: match[1] }
  match = RUN.exec(path)
  if (match !== null) return { _tag: "run", experimentId: match[1], runId: match[2] }
  return undefined
}

const isSqlError = (error: unknown): error is SqlError =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "SqlError"

const describe = (rel: string) => `postgres:${rel}`

const unknownPath = (operation: string, rel: string) =>
  new StoreIOError({ operation, path: describe(rel), reason: "InvalidRecord", detail: "not a tracker record of the PostgreSQL catalog" })

/** Fields of a record's JSON text copied into columns; the text itself stays the record. */
const fieldsOf = (rel: string, text: string) =>
  Effect.try({
    try: () => {
      const value: unknown = JSON.parse(text)
      const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {}
      const owner = typeof record.owner === "object" && record.owner !== null ? (record.owner as Record<string, unknown>) : {}
      const heartbeat = typeof record.heartbeatAt === "string" ? record.heartbeatAt : undefined
      return {
        name: typeof record.name === "string" ? columnText(record.name) : "",
        createdAt: typeof record.createdAt === "string" ? record.createdAt : "",
        status: typeof record.status === "string" ? record.status : "",
        ownerHost: typeof owner.host === "string" ? columnText(owner.host) : "",
        ownerPid: typeof owner.pid === "number" && Number.isInteger(owner.pid) ? owner.pid : 0,
        heartbeatAt: heartbeat !== undefined && !Number.isNaN(Date.parse(heartbeat)) ? heartbeat : new Date(0).toISOString()
      }
    },
    catch: (error) => new StoreIOError({ operation: "encode", path: describe(rel), reason: "InvalidRecord", detail: String(error) })
  })

export const trackerRecords = (sql: SqlClient): RecordFiles => {
  const failed = (operation: string, rel: string) => (error: SqlError) => sqlFailure(operation, describe(rel))(error)

  const insertRun = (target: { readonly experimentId: string; readonly runId: string }, text: string, upsert: boolean) =>
    Effect.flatMap(fieldsOf(`experiments/${target.experimentId}/runs/${target.runId}.json`, text), (f) =>
      upsert
        ? sql`INSERT INTO pipeline_runs (experiment_id, run_id, status, owner_host, owner_pid, heartbeat_at, record)
            VALUES (${target.experimentId}, ${target.runId}, ${f.status}, ${f.ownerHost}, ${f.ownerPid}, ${f.heartbeatAt}::timestamptz, ${text})
            ON CONFLICT (experiment_id, run_id) DO UPDATE SET status = EXCLUDED.status, owner_host = EXCLUDED.owner_host,
              owner_pid = EXCLUDED.owner_pid, heartbeat_at = EXCLUDED.heartbeat_at, record = EXCLUDED.record
            RETURNING run_id`
        : sql`INSERT INTO pipeline_runs (experiment_id, run_id, status, owner_host, owner_pid, heartbeat_at, record)
            VALUES (${target.experimentId}, ${target.runId}, ${f.status}, ${f.ownerHost}, ${f.ownerPid}, ${f.heartbeatAt}::timestamptz, ${text})
            ON CONFLICT (experiment_id, run_id) DO NOTHING
            RETURNING run_id`
    )

  const insertExperiment = (experimentId: string, text: string, upsert: boolean) =>
    Effect.flatMap(fieldsOf(`experiments/${experimentId}/experiment.json`, text), (f) =>
      upsert
        ? sql`INSERT INTO pipeline_experiments (experiment_id, name, created_at, record)
            VALUES (${experimentId}, ${f.name}, ${f.createdAt}, ${text})
            ON CONFLICT (experiment_id) DO UPDATE SET name = EXCLUDED.name, created_at = EXCLUDED.created_at,
              record = EXCLUDED.record
            RETURNING experiment_id`
        : sql`INSERT INTO pipeline_experiments (experiment_id, name, created_at, record)
            VALUES (${experimentId}, ${f.name}, ${f.createdAt}, ${text})
            ON CONFLICT (experiment_id) DO NOTHING
            RETURNING experiment_id`
    )

  const write = (operation: string, rel: string, text: string, upsert: boolean) => {
    const target = targetOf(rel)
    const inserted =
      target?._tag === "experiment"
        ? insertExperiment(target.experimentId, text, upsert)
        : target?._tag === "run"
        ? insertRun(target, text, upsert)
        : Effect.fail(unknownPath(operation, rel))
    return Effect.map(
      Effect.catchTag(inserted, "SqlError", (error) => Effect.fail(failed(operation, rel)(error))),
      (rows) => rows.length > 0
    )
  }

  return {
    describe,
    read: (rel) => {
      const target = targetOf(rel)
      const rows =
        target?._tag === "experiment"
          ? sql<{ readonly record: string }>`SELECT record FROM pipeline_experiments WHERE experiment_id = ${target.experimentId}`
          : target?._tag === "run"
          ? sql<{ readonly record: string }>`SELECT record FROM pipeline_runs
              WHERE experiment_id = ${target.experimentId} AND run_id = ${target.runId}`
          : undefined
      if (rows === undefined) return Effect.succeed(undefined)
      return Effect.map(Effect.mapError(rows, failed("read", rel)), (found) => found[0]?.record)
    },
    list: (relDir) => {
      const target = targetOf(relDir)
      if (target?._tag === "experiments") {
        return Effect.map(
          Effect.mapError(sql<{ readonly experiment_id: string }>`SELECT experiment_id FROM pipeline_experiments`, failed("list", relDir)),
          (rows) => rows.map((row) => row.experiment_id)
        )
      }
      if (target?._tag === "runs") {
        return Effect.map(
          Effect.mapError(
            sql<{ readonly run_id: string }>`SELECT run_id FROM pipeline_runs WHERE experiment_id = ${target.experimentId}`,
            failed("list", relDir)
          ),
          (rows) => rows.map((row) => `${row.run_id}.json`)
        )
      }
      return Effect.succeed([])
    },
    createExclusive: (rel, text) => write("insert", rel, text, false),
    replace: (rel, text) => Effect.asVoid(write("replace", rel, text, true)),
    atomically: (rel, effect) => {
      const target = targetOf(rel)
      if (target?._tag !== "run") return Effect.fail(unknownPath("lock", rel))
      return sql.withTransaction(
        Effect.zipRight(
          sql`SELECT 1 FROM pipeline_runs WHERE experiment_id = ${target.experimentId} AND run_id = ${target.runId} FOR UPDATE`,
          effect
        )
      ).pipe(Effect.catchIf(isSqlError, (error) => Effect.fail(failed("transaction", rel)(error))))
    }
  }
}
