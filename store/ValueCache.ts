/**
 * Small derived strings memoised across processes, under `cache/values/<name>.json` as
 * `{ key, value }`: what a process would otherwise pay to find out again on every start (the DuckDB
 * library's version costs loading the native library).
 *
 * The key is the caller's description of what the value was derived from (for a file: its resolved
 * path and stat identity, as the file digest cache keys digests). A stored value is returned only
 * while its key equals the caller's current key; otherwise — no entry, an unreadable one, another
 * key — `compute` runs and the entry is rewritten atomically. Like the stat cache the entry is only
 * an optimisation: one that cannot be written (a read-only store, a full disk) is skipped, never an
 * error. Within one layer each name's answer is also kept in memory, so the file is read once.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { encodeSegment, layoutOf, type StoreLayout, type StoreRoot } from "./StoreLayout.js"
import type { StoreIOError } from "./StoreError.js"
import { writeAtomic } from "./internal/atomicWrite.js"
import { readText } from "./internal/fsOps.js"

export interface ValueCacheShape {
  /** The value recorded under `name` for `key`, else `compute`'s result (then recorded for `key`). */
  readonly get: <E, R>(name: string, key: string, compute: Effect.Effect<string, E, R>) => Effect.Effect<string, E, R>
}

const ValueEntry = Schema.parseJson(Schema.Struct({ key: Schema.String, value: Schema.String }))
type ValueEntry = typeof ValueEntry.Type
const decodeEntry = Schema.decodeUnknownOption(ValueEntry)
const encodeEntry = Schema.encodeSync(ValueEntry)

/** Where the entry for `name` lives: `cache/values/<name as one path segment>.json`. */
export const valueCacheEntryPath = (layout: StoreLayout, name: string): string =>
  layout.valueCachePath(encodeSegment(name))

const makeFileSystem = (layout: StoreLayout) =>
  Effect.sync(() => {
    const known = new Map<string, ValueEntry>()

    const readEntry = (file: string): Effect.Effect<ValueEntry | undefined> =>
      readText(file).pipe(
        Effect.map((text) => (text === undefined ? undefined : Option.getOrUndefined(decodeEntry(text)))),
        Effect.orElseSucceed(() => undefined)
      )

    const get: ValueCacheShape["get"] = (name, key, compute) =>
      Effect.suspend(() => {
        const inMemory = known.get(name)
        if (inMemory !== undefined && inMemory.key === key) return Effect.succeed(inMemory.value)
        const file = valueCacheEntryPath(layout, name)
        return Effect.flatMap(readEntry(file), (stored) => {
          if (stored !== undefined && stored.key === key) {
            known.set(name, stored)
            return Effect.succeed(stored.value)
          }
          return Effect.tap(compute, (value) => {
            const entry = { key, value }
            known.set(name, entry)
            return Effect.ignore(writeAtomic(layout, file, encodeEntry(entry), { durable: false }))
          })
        })
      })

    return ValueCache.of({ get })
  })

export class ValueCache extends Context.Tag("pipeline/store/ValueCache")<ValueCache, ValueCacheShape>() {
  /** Entries under the store's `cache/values/`. */
  static layerFileSystem: Layer.Layer<ValueCache, StoreIOError, StoreRoot> = Layer.effect(
    ValueCache,
    Effect.flatMap(layoutOf, makeFileSystem)
  )
}
