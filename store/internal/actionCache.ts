/**
 * The action cache, derived once from a small backend core (raw entry text write-once, identity
 * pointers replaced atomically), so the filesystem and memory layers share the lookup rules.
 *
 * Imported by ../ActionCache.ts, which it imports back: no use of that module's values at load time.
 */
import { Effect, Schema } from "effect"
import { ActionEntry, GroupEntry, IdentityPointer, type Lookup, type MissReason } from "../ActionRecords.js"
import type { ActionCacheShape } from "../ActionCache.js"
import type { ArtifactCatalogShape } from "../ArtifactCatalog.js"
import { type Digest, digestFromHex, hashString, hexOf } from "../Digest.js"
import type { ObjectStoreShape } from "../ObjectStore.js"
import { RecordDecodeError, StoreIOError } from "../StoreError.js"
import type { StoreLayout } from "../StoreLayout.js"
import { writeAtomic, writeOnce } from "./atomicWrite.js"
import { parseDetail } from "./parseDetail.js"
import { readDir, readText, unlinkIfExists } from "./fsOps.js"

/** A stored record as text, with where it lives (for error messages). */
export interface RawRecord {
  readonly text: string
  readonly location: string
}

export interface ActionBackend {
  readonly read: (key: Digest) => Effect.Effect<RawRecord | undefined, StoreIOError>
  /** First writer wins. */
  readonly writeOnce: (key: Digest, text: string) => Effect.Effect<void, StoreIOError>
  readonly keys: Effect.Effect<ReadonlyArray<Digest>, StoreIOError>
  readonly remove: (key: Digest) => Effect.Effect<void, StoreIOError>
  readonly readIdentity: (identityHex: string) => Effect.Effect<RawRecord | undefined, StoreIOError>
  /** Atomic replace. */
  readonly writeIdentity: (identityHex: string, text: string) => Effect.Effect<void, StoreIOError>
  /** First writer wins. */
  readonly writeGroup: (key: Digest, text: string) => Effect.Effect<void, StoreIOError>
  readonly readGroups: Effect.Effect<ReadonlyArray<RawRecord>, StoreIOError>
  /** Only the groups listing one of `keys` among their members, when the backend can select them. */
  readonly readGroupsHaving?: (keys: ReadonlyArray<Digest>) => Effect.Effect<ReadonlyArray<RawRecord>, StoreIOError>
}

export const fileSystemBackend = (layout: StoreLayout): ActionBackend => {
  const readAt = (location: string) =>
    Effect.map(readText(location), (text) => (text === undefined ? undefined : { text, location }))
  return {
    read: (key) => readAt(layout.actionPath(key)),
    writeOnce: (key, text) => Effect.asVoid(writeOnce(layout, layout.actionPath(key), text)),
    keys: Effect.map(readDir(layout.actions), (names) =>
      names.filter((name) => /^[0-9a-f]{64}\.json$/.test(name)).map((name) => digestFromHex(name.slice(0, 64)))
    ),
    remove: (key) => unlinkIfExists(layout.actionPath(key)),
    readIdentity: (identityHex) => readAt(layout.identityPath(identityHex)),
    // The pointer only serves explain ("what changed since the last run"): losing the latest one
    // to a power cut is harmless (a torn one reads as absent; fsck lists it as malformed), so it
    // is not fsynced — two fewer fsync waits after every node that ran.
    writeIdentity: (identityHex, text) => writeAtomic(layout, layout.identityPath(identityHex), text, { durable: false }),
    writeGroup: (key, text) => Effect.asVoid(writeOnce(layout, layout.actionGroupPath(key), text)),
    readGroups: Effect.flatMap(readDir(layout.actionGroups), (names) =>
      Effect.map(
        Effect.forEach(
          names.filter((name) => /^[0-9a-f]{64}\.json$/.test(name)).sort(),
          (name) => readAt(layout.actionGroupPath(digestFromHex(name.slice(0, 64)))),
          { concurrency: 16 }
        ),
        (records) => records.filter((record): record is RawRecord => record !== undefined)
      ))
  }
}

export const memoryBackend = (): ActionBackend => {
  const entries = new Map<Digest, string>()
  const identities = new Map<string, string>()
  const groups = new Map<Digest, string>()
  return {
    read: (key) =>
      Effect.sync(() => {
        const text = entries.get(key)
        return text === undefined ? undefined : { text, location: `memory:actions/${hexOf(key)}` }
      }),
    writeOnce: (key, text) =>
      Effect.sync(() => {
        if (!entries.has(key)) entries.set(key, text)
      }),
    keys: Effect.sync(() => [...entries.keys()].sort()),
    remove: (key) => Effect.sync(() => void entries.delete(key)),
    readIdentity: (identityHex) =>
      Effect.sync(() => {
        const text = identities.get(identityHex)
        return text === undefined ? undefined : { text, location: `memory:actions/identity/${identityHex}` }
      }),
    writeIdentity: (identityHex, text) => Effect.sync(() => void identities.set(identityHex, text)),
    writeGroup: (key, text) =>
      Effect.sync(() => {
        if (!groups.has(key)) groups.set(key, text)
      }),
    readGroups: Effect.sync(() =>
      [...groups.keys()].sort().map((key) => ({ text: groups.get(key)!, location: `memory:actions/groups/${hexOf(key)}` }))
    )
  }
}

export const make = (
  backend: ActionBackend,
  catalog: ArtifactCatalogShape,
  objects: ObjectStoreShape
): ActionCacheShape => {
  const entryJson = Schema.parseJson(ActionEntry, { space: 2 })
  const pointerJson = Schema.parseJson(IdentityPointer, { space: 2 })

  const decodeEntry = (raw: RawRecord) =>
    Effect.mapError(
      Schema.decode(entryJson)(raw.text),
      (error) => new RecordDecodeError({ path: raw.location, detail: parseDetail(error) })
    )

  const get: ActionCacheShape["get"] = (key) =>
    Effect.flatMap(backend.read(key), (raw) => (raw === undefined ? Effect.succeed(undefined) : decodeEntry(raw)))

  const miss = (reason: MissReason): Lookup => ({ _tag: "Miss", reason })

  /** Why an output cannot be served, or undefined when its manifest and object (or a remote's promise of it) are sound. */
  const checkOutput = (output: string, ref: ActionEntry["outputs"][string]) =>
    Effect.gen(function* () {
      const manifest = yield* catalog.get(ref.artifactId).pipe(
        Effect.map((manifest) => ({ _tag: "Found" as const, manifest })),
        Effect.catchTags({
          ArtifactNotFound: () => Effect.succeed({ _tag: "NotFound" as const }),
          RecordDecodeError: (error) => Effect.succeed({ _tag: "Malformed" as const, detail: error.message })
        })
      )
      if (manifest._tag === "NotFound") {
        return { _tag: "ArtifactMissing", output, artifactId: ref.artifactId } satisfies MissReason
      }
      if (manifest._tag === "Malformed") return { _tag: "EntryMalformed", detail: manifest.detail } satisfies MissReason
      if (manifest.manifest.digest !== ref.digest) {
        return {
          _tag: "EntryMalformed",
          detail: `output ${output} records digest ${ref.digest} but ${ref.artifactId} has ${manifest.manifest.digest}`
        } satisfies MissReason
      }
      const verified = yield* objects.verify(ref.digest, { trustStatCache: true })
      // A remote-backed output (its manifest imported from a remote, its bytes left there) is a hit:
      // a reader that needs the bytes reads them through the remote tier, or is told which remote.
      if (verified._tag === "Missing" && (yield* objects.promisedBy(ref.digest)) === undefined) {
        return { _tag: "ObjectMissing", output, digest: ref.digest } satisfies MissReason
      }
      if (verified._tag === "Corrupt") return { _tag: "ObjectCorrupt", output, digest: ref.digest } satisfies MissReason
      return undefined
    })

  const lookup: ActionCacheShape["lookup"] = Effect.fn("ActionCache.lookup")(function* (key) {
    const raw = yield* backend.read(key)
    if (raw === undefined) return miss({ _tag: "Absent" })
    const decoded = yield* Effect.either(decodeEntry(raw))
    if (decoded._tag === "Left") return miss({ _tag: "EntryMalformed", detail: decoded.left.message })
    const entry = decoded.right
    if (entry.key !== key) {
      return miss({ _tag: "EntryMalformed", detail: `${raw.location} records key ${entry.key}, not ${key}` })
    }
    for (const output of Object.keys(entry.outputs).sort()) {
      const reason = yield* checkOutput(output, entry.outputs[output])
      if (reason !== undefined) return miss(reason)
    }
    return { _tag: "Hit", entry } satisfies Lookup
  })

  const put: ActionCacheShape["put"] = (entry) =>
    Effect.flatMap(
      Effect.mapError(
        Schema.encode(entryJson)(entry),
        (error) => new StoreIOError({ operation: "encode", path: `actions/${hexOf(entry.key)}`, reason: "InvalidRecord", detail: parseDetail(error) })
      ),
      (text) => backend.writeOnce(entry.key, `${text}\n`)
    )

  const list: ActionCacheShape["list"] = () =>
    Effect.flatMap(backend.keys, (keys) =>
      Effect.map(
        Effect.forEach(keys, get, { concurrency: 16 }),
        (entries) => entries.filter((entry): entry is ActionEntry => entry !== undefined)
      )
    )

  const identityHex = (identity: string) => Effect.map(hashString(identity), hexOf)

  const lastForIdentity: ActionCacheShape["lastForIdentity"] = (identity) =>
    Effect.gen(function* () {
      const raw = yield* backend.readIdentity(yield* identityHex(identity))
      if (raw === undefined) return undefined
      // A pointer is only a hint for `explain`: a malformed one reads as absent.
      const pointer = yield* Effect.option(Schema.decode(pointerJson)(raw.text))
      return pointer._tag === "Some" && pointer.value.identity === identity ? pointer.value : undefined
    })

  const rememberIdentity: ActionCacheShape["rememberIdentity"] = (pointer) =>
    Effect.gen(function* () {
      const hex = yield* identityHex(pointer.identity)
      const text = yield* Effect.mapError(
        Schema.encode(pointerJson)(pointer),
        (error) => new StoreIOError({ operation: "encode", path: `actions/identity/${hex}`, reason: "InvalidRecord", detail: parseDetail(error) })
      )
      // After a hit the pointer usually says this already (the last run had the same key): a read
      // costs less than replacing the file with the same bytes.
      const current = yield* backend.readIdentity(hex)
      if (current?.text === `${text}\n`) return
      yield* backend.writeIdentity(hex, `${text}\n`)
    })

  const groupJson = Schema.parseJson(GroupEntry)

  const putGroup: ActionCacheShape["putGroup"] = (group) =>
    Effect.flatMap(
      Effect.mapError(
        Schema.encode(groupJson)(group),
        (error) => new StoreIOError({ operation: "encode", path: `actions/groups/${hexOf(group.key)}`, reason: "InvalidRecord", detail: parseDetail(error) })
      ),
      (text) => backend.writeGroup(group.key, `${text}\n`)
    )

  const lookupMembers: ActionCacheShape["lookupMembers"] = (keys, options) =>
    Effect.gen(function* () {
      const wanted = new Set(keys)
      const found = new Map<Digest, GroupEntry>()
      if (wanted.size === 0) return found
      const groups = backend.readGroupsHaving === undefined ? backend.readGroups : backend.readGroupsHaving([...wanted])
      for (const raw of yield* groups) {
        const decoded = yield* Effect.option(Schema.decode(groupJson)(raw.text))
        if (decoded._tag === "None") continue
        const group = decoded.value
        const members = group.members.filter((key) => wanted.has(key) && !found.has(key))
        if (members.length === 0) continue
        let sound = true
        if (options?.requireSoundOutputs !== false) for (const output of Object.keys(group.outputs).sort()) {
          if ((yield* checkOutput(output, group.outputs[output])) !== undefined) {
            sound = false
            break
          }
        }
        if (sound) for (const key of members) found.set(key, group)
      }
      return found
    })

  return { lookup, put, get, list, remove: backend.remove, lastForIdentity, rememberIdentity, putGroup, lookupMembers }
}
