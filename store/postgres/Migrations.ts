/**
 * The catalog's schema, as numbered migrations (applied in order, each once, recorded in
 * `pipeline_migrations` by @effect/sql's Migrator). A migration is never edited once released: a
 * change is a new, higher-numbered one. Every table is prefixed `pipeline_`, so the catalog can share
 * a database with other applications.
 *
 * Records are stored as the same JSON text the filesystem store writes (the source of truth, decoded
 * with the same Schemas); the other columns are copies for lookups and ad-hoc SQL
 * (`SELECT manifest::jsonb->'provenance' FROM pipeline_artifacts`).
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"

const statements = (sql: SqlClient, ddl: ReadonlyArray<string>): Effect.Effect<void, SqlError> =>
  Effect.forEach(ddl, (statement) => sql.unsafe(statement), { discard: true })

/** `<id>_<name>` → the migration, for `Migrator.fromRecord`. */
export const migrations = (sql: SqlClient): Record<string, Effect.Effect<void, SqlError>> => ({
  "1_catalog": statements(sql, [
    `CREATE TABLE pipeline_artifacts (
      artifact_id text PRIMARY KEY,
      type text NOT NULL,
      logical_key text NOT NULL,
      digest text NOT NULL,
      manifest text NOT NULL
    )`,
    `CREATE INDEX pipeline_artifacts_type ON pipeline_artifacts (type)`,
    `CREATE INDEX pipeline_artifacts_digest ON pipeline_artifacts (digest)`,
    // Lineage edges: artifact_id consumed input_id (downstream walks go by input_id).
    `CREATE TABLE pipeline_artifact_inputs (
      artifact_id text NOT NULL REFERENCES pipeline_artifacts (artifact_id) ON DELETE CASCADE,
      input_id text NOT NULL,
      PRIMARY KEY (artifact_id, input_id)
    )`,
    `CREATE INDEX pipeline_artifact_inputs_input ON pipeline_artifact_inputs (input_id)`,
    // The mutable status overlay (superseded, tombstoned); manifests themselves are write-once.
    `CREATE TABLE pipeline_artifact_status (
      artifact_id text PRIMARY KEY,
      status text NOT NULL,
      superseded_by text,
      changed_at text NOT NULL
    )`,
    // Action cache: first writer wins (INSERT … ON CONFLICT DO NOTHING).
    `CREATE TABLE pipeline_actions (
      key text PRIMARY KEY,
      entry text NOT NULL
    )`,
    `CREATE TABLE pipeline_action_identities (
      identity_hex text PRIMARY KEY,
      pointer text NOT NULL
    )`,
    `CREATE TABLE pipeline_action_groups (
      key text PRIMARY KEY,
      entry text NOT NULL
    )`,
    `CREATE TABLE pipeline_action_group_members (
      member text NOT NULL,
      group_key text NOT NULL REFERENCES pipeline_action_groups (key) ON DELETE CASCADE,
      PRIMARY KEY (member, group_key)
    )`,
    `CREATE TABLE pipeline_experiments (
      experiment_id text PRIMARY KEY,
      name text NOT NULL,
      created_at text NOT NULL,
      record text NOT NULL
    )`,
    `CREATE INDEX pipeline_experiments_name ON pipeline_experiments (name)`,
    // One row per run, replaced by its owner in a transaction that locks the row first.
    `CREATE TABLE pipeline_runs (
      experiment_id text NOT NULL REFERENCES pipeline_experiments (experiment_id),
      run_id text NOT NULL,
      status text NOT NULL,
      owner_host text NOT NULL,
      owner_pid integer NOT NULL,
      heartbeat_at timestamptz NOT NULL,
      record text NOT NULL,
      PRIMARY KEY (experiment_id, run_id)
    )`,
    `CREATE INDEX pipeline_runs_active ON pipeline_runs (status, heartbeat_at)`
  ]),
  // Work queues (sweep batches for `pipeline worker`): claimed with FOR UPDATE SKIP LOCKED, leased
  // until lease_expires (the database's clock), redelivered when a lease runs out.
  "2_jobs": statements(sql, [
    `CREATE TABLE pipeline_jobs (
      key text PRIMARY KEY,
      queue text NOT NULL,
      payload text NOT NULL,
      status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL,
      lease_owner text,
      lease_expires timestamptz,
      error text,
      enqueued_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX pipeline_jobs_claim ON pipeline_jobs (queue, status, enqueued_at)`
  ]),
  // A job its coordinator gave up on while a worker held it: finished if that worker finishes it,
  // removed (not redelivered) if the worker stops or fails.
  "3_job_withdrawn": statements(sql, [
    `ALTER TABLE pipeline_jobs ADD COLUMN withdrawn boolean NOT NULL DEFAULT false`
  ])
})

/** The highest migration id this code knows; a catalog migrated further is refused (newer code wrote it). */
export const LATEST_MIGRATION = 3

export const MIGRATIONS_TABLE = "pipeline_migrations"
