/**
 * The action cache's backend core (store/internal/actionCache.ts `ActionBackend`) over PostgreSQL,
 * so lookups apply the same rules as the filesystem store (an entry whose outputs are missing or
 * corrupt is a miss, never a hit).
 *
 * Entries and group entries are write-once, first writer wins: `INSERT … ON CONFLICT DO NOTHING`,
 * so two processes publishing the same action leave one entry and both succeed. A group's member
 * keys go into their own table in the same transaction, so `lookupMembers` selects only the groups
 * it needs. Every value is a parameter.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect } from "effect"
import { type Digest, hexOf } from "../../Digest.js"
import { StoreIOError } from "../../StoreError.js"
import type { ActionBackend, RawRecord } from "../../internal/actionCache.js"
import { sqlFailure } from "./sqlFailure.js"

const entryAt = (key: Digest) => `postgres:pipeline_actions/${hexOf(key)}`
const groupAt = (key: string) => `postgres:pipeline_action_groups/${key.startsWith("blake3:") ? key.slice(7) : key}`

/** The member keys of a group entry's text (written by `putGroup` from a decoded GroupEntry). */
const membersOf = (key: Digest, text: string): Effect.Effect<ReadonlyArray<string>, StoreIOError> =>
  Effect.try({
    try: () => {
      const parsed: unknown = JSON.parse(text)
      const members = typeof parsed === "object" && parsed !== null && "members" in parsed ? parsed.members : undefined
      if (!Array.isArray(members) || !members.every((member) => typeof member === "string")) {
        throw new Error("no members array")
      }
      return members as ReadonlyArray<string>
    },
    catch: (error) => new StoreIOError({ operation: "encode", path: groupAt(key), reason: "InvalidRecord", detail: String(error) })
  })

export const actionBackend = (sql: SqlClient): ActionBackend => {
  const groupRecords = (rows: ReadonlyArray<{ readonly key: string; readonly entry: string }>): ReadonlyArray<RawRecord> =>
    rows.map((row) => ({ text: row.entry, location: groupAt(row.key) }))

  return {
    read: (key) =>
      Effect.map(
        Effect.mapError(sql<{ readonly entry: string }>`SELECT entry FROM pipeline_actions WHERE key = ${key}`, sqlFailure("read", entryAt(key))),
        (rows) => (rows.length === 0 ? undefined : { text: rows[0].entry, location: entryAt(key) })
      ),
    writeOnce: (key, text) =>
      Effect.mapError(
        sql`INSERT INTO pipeline_actions (key, entry) VALUES (${key}, ${text}) ON CONFLICT (key) DO NOTHING`,
        sqlFailure("insert", entryAt(key))
      ),
    keys: Effect.map(
      Effect.mapError(
        sql<{ readonly key: string }>`SELECT key FROM pipeline_actions ORDER BY key COLLATE "C"`,
        sqlFailure("list", "postgres:pipeline_actions")
      ),
      (rows) => rows.map((row) => row.key as Digest)
    ),
    remove: (key) =>
      Effect.mapError(sql`DELETE FROM pipeline_actions WHERE key = ${key}`, sqlFailure("remove", entryAt(key))),
    readIdentity: (identityHex) =>
      Effect.map(
        Effect.mapError(
          sql<{ readonly pointer: string }>`SELECT pointer FROM pipeline_action_identities WHERE identity_hex = ${identityHex}`,
          sqlFailure("read", `postgres:pipeline_action_identities/${identityHex}`)
        ),
        (rows) =>
          rows.length === 0
            ? undefined
            : { text: rows[0].pointer, location: `postgres:pipeline_action_identities/${identityHex}` }
      ),
    writeIdentity: (identityHex, text) =>
      Effect.mapError(
        sql`INSERT INTO pipeline_action_identities (identity_hex, pointer) VALUES (${identityHex}, ${text})
          ON CONFLICT (identity_hex) DO UPDATE SET pointer = EXCLUDED.pointer`,
        sqlFailure("write", `postgres:pipeline_action_identities/${identityHex}`)
      ),
    writeGroup: (key, text) =>
      Effect.flatMap(membersOf(key, text), (members) =>
        Effect.mapError(
          sql.withTransaction(
            Effect.gen(function* () {
              const inserted = yield* sql`INSERT INTO pipeline_action_groups (key, entry) VALUES (${key}, ${text})
                ON CONFLICT (key) DO NOTHING RETURNING key`
              if (inserted.length === 0 || members.length === 0) return
              yield* sql`INSERT INTO pipeline_action_group_members (member, group_key)
                SELECT DISTINCT unnest(${[...members]}::text[]), ${key}::text
                ON CONFLICT DO NOTHING`
            })
          ),
          sqlFailure("insert", groupAt(key))
        )
      ),
    readGroups: Effect.map(
      Effect.mapError(
        sql<{ readonly key: string; readonly entry: string }>`SELECT key, entry FROM pipeline_action_groups ORDER BY key COLLATE "C"`,
        sqlFailure("list", "postgres:pipeline_action_groups")
      ),
      groupRecords
    ),
    readGroupsHaving: (keys) =>
      Effect.map(
        Effect.mapError(
          sql<{ readonly key: string; readonly entry: string }>`SELECT g.key, g.entry FROM pipeline_action_groups g
            WHERE g.key IN (SELECT m.group_key FROM pipeline_action_group_members m WHERE m.member = ANY(${[...keys]}::text[]))
            ORDER BY g.key COLLATE "C"`,
          sqlFailure("list", "postgres:pipeline_action_groups")
        ),
        groupRecords
      )
  }
}
