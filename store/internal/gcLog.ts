/**
 * gc's record of what it removes: one file per gc run under `gc/`, written (atomically) before the
 * first removal, listing the artifact ids and object digests it is about to remove. A reader that
 * finds an artifact missing asks here, so a run whose fresh artifact a concurrent gc removed (with a
 * grace period too short to protect it) says so and names it, instead of "unknown artifact". Logs
 * older than `GC_LOG_MAX_AGE_MS` are removed by the next gc.
 */
import { Effect, Option, Schema } from "effect"
import * as nodePath from "node:path"
import type { StoreIOError } from "../StoreError.js"
import type { StoreLayout } from "../StoreLayout.js"
import { writeAtomic } from "./atomicWrite.js"
import { readDir, readText, unlinkIfExists } from "./fsOps.js"

/** How long a gc log is kept (7 days). */
export const GC_LOG_MAX_AGE_MS = 7 * 86_400_000

export const GcLogRecord = Schema.Struct({
  /** When the gc started removing (ISO-8601 UTC). */
  at: Schema.String,
  pid: Schema.Number,
  graceMs: Schema.Number,
  artifacts: Schema.Array(Schema.String),
  objects: Schema.Array(Schema.String)
})
export type GcLogRecord = typeof GcLogRecord.Type

const decode = Schema.decodeUnknownOption(Schema.parseJson(GcLogRecord))
const LOG_NAME = /^(\d{13})-(\d+)\.json$/

/** Writes the record of one gc run (durable: it must exist before anything is removed). */
export const writeGcLog = (layout: StoreLayout, atMs: number, record: GcLogRecord): Effect.Effect<void, StoreIOError> =>
  writeAtomic(layout, nodePath.join(layout.gcLog, `${String(atMs).padStart(13, "0")}-${record.pid}.json`), `${JSON.stringify(record)}\n`)

/** The most recent gc run that removed (or was removing) `id`, if any log says so. */
export const findGcRemoval = (layout: StoreLayout, id: string): Effect.Effect<GcLogRecord | undefined, StoreIOError> =>
  Effect.gen(function* () {
    const names = (yield* readDir(layout.gcLog)).filter((name) => LOG_NAME.test(name)).reverse()
    for (const name of names) {
      const text = yield* readText(nodePath.join(layout.gcLog, name))
      if (text === undefined) continue
      const record = decode(text)
      if (Option.isSome(record) && (record.value.artifacts.includes(id) || record.value.objects.includes(id))) {
        return record.value
      }
    }
    return undefined
  })

/** Removes gc logs written more than `GC_LOG_MAX_AGE_MS` before `nowMs` (by the time in their name). */
export const pruneGcLogs = (layout: StoreLayout, nowMs: number): Effect.Effect<void, StoreIOError> =>
  Effect.gen(function* () {
    for (const name of yield* readDir(layout.gcLog)) {
      const match = LOG_NAME.exec(name)
      if (match !== null && nowMs - Number(match[1]) > GC_LOG_MAX_AGE_MS) {
        yield* unlinkIfExists(nodePath.join(layout.gcLog, name))
      }
    }
  })

/** The reason an `ArtifactNotFound` carries for an artifact a gc removed. */
export const removalReason = (record: GcLogRecord): string =>
  `removed by pipeline gc (pid ${record.pid}) at ${record.at}, grace ${record.graceMs / 60_000} min; ` +
  `a run that needs it recomputes it when run again`
