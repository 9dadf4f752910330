/**
 * The artifact catalog, derived once from a small backend core (manifests write-once, a status
 * overlay replaced atomically, two marker indexes) so that the filesystem and memory layers share
 * every rule: id derivation, publish order, filters, ordering, lineage.
 *
 * Note: this module is imported by ../ArtifactCatalog.ts, which it imports back; it must not touch
 * that module's values at load time (schemas are built lazily in `schemas()`).
 */
import { DateTime, Effect, Either, Schema, type Scope } from "effect"
import {
  AmbiguousArtifactId,
  ArtifactId,
  ArtifactManifest,
  ArtifactStatus,
  type LineageGraph
} from "../ArtifactRecords.js"
import type { ArtifactCatalogShape } from "../ArtifactCatalog.js"
import { canonicalDigest, CanonicalEncodingError } from "../Canonical.js"
import { type Digest, hexOf } from "../Digest.js"
import type { ObjectStoreShape, StagedObject } from "../ObjectStore.js"
import { ArtifactNotFound, ObjectNotFound, RecordDecodeError, type StoreIOError } from "../StoreError.js"
import type { StoreLayout } from "../StoreLayout.js"
import { commitOnce, touchOnce, writeAtomic, writeNewFile, writeOnce, type WriteOnceOutcome } from "./atomicWrite.js"
import { tempName } from "../TempName.js"
import { findGcRemoval, removalReason } from "./gcLog.js"
import { parseDetail } from "./parseDetail.js"
import { readDir, readText, unlinkIfExists } from "./fsOps.js"
import { compareStrings } from "../Order.js"

type Manifest = typeof ArtifactManifest.Type
type Id = typeof ArtifactId.Type
type Status = typeof ArtifactStatus.Type

export interface StatusOverlay {
  readonly status: Status
  readonly supersededBy?: Id
  readonly changedAt: string
}

export type IndexName = "type" | "input"

/** The primitives a catalog backend implements; everything else is derived in `make`. */
export interface CatalogBackend {
  readonly readManifest: (id: Id) => Effect.Effect<Manifest | undefined, StoreIOError | RecordDecodeError>
  /**
   * First writer wins; a later write of the same id is a no-op. May say which happened: "written"
   * lets publish return the manifest it wrote without reading it back; "exists" or nothing, and
   * publish reads back whichever manifest is on record.
   */
  readonly writeManifestOnce: (
    manifest: Manifest
  ) => Effect.Effect<WriteOnceOutcome | void, StoreIOError | RecordDecodeError>
  /**
   * Optional: `writeManifestOnce` in two steps. The first does what needs no ordering (the
   * manifest's bytes made durable in a temp file); `commit` makes it visible, first writer wins.
   * The temp file is removed when the scope closes.
   */
  readonly prepareManifestOnce?: (
    manifest: Manifest
  ) => Effect.Effect<{ readonly commit: Effect.Effect<WriteOnceOutcome, StoreIOError> }, StoreIOError | RecordDecodeError, Scope.Scope>
  /** Atomic replace: only for a manifest on record that is malformed or does not hash to its id. */
  readonly replaceManifest: (manifest: Manifest) => Effect.Effect<void, StoreIOError | RecordDecodeError>
  readonly readStatus: (id: Id) => Effect.Effect<StatusOverlay | undefined, StoreIOError | RecordDecodeError>
  readonly writeStatus: (id: Id, overlay: StatusOverlay) => Effect.Effect<void, StoreIOError | RecordDecodeError>
  /** Ids with a manifest, sorted. */
  readonly listIds: Effect.Effect<ReadonlyArray<Id>, StoreIOError>
  /** A superset of the ids filed under `key` (markers are written before manifests). */
  readonly listIndex: (index: IndexName, key: string) => Effect.Effect<ReadonlyArray<Id>, StoreIOError>
  readonly addToIndex: (index: IndexName, key: string, id: Id) => Effect.Effect<void, StoreIOError>
  /** Manifest, status overlay and the index markers that name `id` as the filed artifact. */
  readonly remove: (id: Id) => Effect.Effect<void, StoreIOError>
  /** Why an absent `id` is absent, when a gc removed it (the filesystem store's gc log). */
  readonly removedBy?: (id: Id) => Effect.Effect<string | undefined, StoreIOError>
}

const ID_PATTERN = /^art_[0-9a-f]{64}$/
/** A prefix of an id: `art_` and up to 64 hex digits (none included), or 1 to 64 bare hex digits. */
const PREFIX_PATTERN = /^(art_[0-9a-f]{0,64}|[0-9a-f]{1,64})$/

let cachedSchemas:
  | {
      readonly manifestJson: Schema.Schema<Manifest, string>
      readonly overlayJson: Schema.Schema<StatusOverlay, string>
    }
  | undefined
const schemas = () =>
  (cachedSchemas ??= {
    manifestJson: Schema.parseJson(ArtifactManifest, { space: 2 }),
    overlayJson: Schema.parseJson(
      Schema.Struct({
        status: ArtifactStatus,
        supersededBy: Schema.optionalWith(ArtifactId, { exact: true }),
        changedAt: Schema.String
      }),
      { space: 2 }
    )
  })

const decodeAt = <A>(schema: Schema.Schema<A, string>, path: string, text: string) =>
  Effect.mapError(Schema.decode(schema)(text), (error) => new RecordDecodeError({ path, detail: parseDetail(error) }))

const encodeAt = <A>(schema: Schema.Schema<A, string>, path: string, value: A) =>
  Effect.mapError(Schema.encode(schema)(value), (error) => new RecordDecodeError({ path, detail: parseDetail(error) }))


const compareManifests = (a: Manifest, b: Manifest) =>
  compareStrings(a.type, b.type) ||
  compareStrings(a.logicalKey, b.logicalKey) ||
  compareStrings(a.createdAt, b.createdAt) ||
  compareStrings(a.artifactId, b.artifactId)

/** "art_" + hex(blake3(canonical({digest, type, schemaVersion, logicalKey, inputs: sorted ids}))). */
export const artifactIdOf = (fields: {
  readonly digest: Digest
  readonly type: string
  readonly schemaVersion: number
  readonly logicalKey: string
  readonly inputs: ReadonlyArray<string>
}): Effect.Effect<Id, CanonicalEncodingError> =>
  Effect.map(
    canonicalDigest({
      digest: fields.digest,
      type: fields.type,
      schemaVersion: fields.schemaVersion,
      logicalKey: fields.logicalKey,
      inputs: [...new Set(fields.inputs)].sort(compareStrings)
    }),
    (digest) => `art_${hexOf(digest)}` as Id
  )

/**
 * Why the manifest on record under `id` cannot be trusted, or undefined when it can: its own
 * artifactId must be `id` and its fields must hash to it (docs/DESIGN.md §3). A manifest whose digest
 * was changed (say, to another experiment's object) fails here.
 */
export const manifestMismatch = (id: string, manifest: Manifest): Effect.Effect<string | undefined> =>
  manifest.artifactId !== id
    ? Effect.succeed(`the file of ${id} holds the manifest of ${manifest.artifactId}`)
    : Effect.map(Effect.either(artifactIdOf(manifest)), (expected) =>
        Either.isLeft(expected)
          ? `its fields cannot be hashed: ${expected.left.message}`
          : expected.right === id
          ? undefined
          : `its fields (digest ${manifest.digest}, type, schemaVersion, logicalKey, inputs) hash to ${expected.right}`
      )

/** A manifest read back and checked against its id. */
type Reading =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Mismatch"; readonly reason: string }
  | { readonly _tag: "Sound"; readonly manifest: Manifest }

export const fileSystemBackend = (layout: StoreLayout): CatalogBackend => {
  const { manifestJson, overlayJson } = schemas()
  const indexDir = (index: IndexName, key: string) =>
    index === "type" ? layout.typeIndexDir(key) : layout.inputIndexDir(key)
  const idsIn = (dir: string) =>
    Effect.map(readDir(dir), (names) => names.filter((name) => ID_PATTERN.test(name)) as Array<Id>)

  const readManifest = (id: Id) => {
    const path = layout.manifestPath(id)
    return Effect.flatMap(readText(path), (text) =>
      text === undefined ? Effect.succeed(undefined) : decodeAt(manifestJson, path, text)
    )
  }

  return {
    readManifest,
    writeManifestOnce: (manifest) => {
      const path = layout.manifestPath(manifest.artifactId)
      return Effect.flatMap(encodeAt(manifestJson, path, manifest), (text) => writeOnce(layout, path, `${text}\n`))
    },
    prepareManifestOnce: (manifest) => {
      const path = layout.manifestPath(manifest.artifactId)
      return Effect.gen(function* () {
        const text = yield* encodeAt(manifestJson, path, manifest)
        const temp = yield* Effect.acquireRelease(
          Effect.sync(() => layout.tmpPath(tempName("write"))),
          (temp) => Effect.ignore(unlinkIfExists(temp))
        )
        yield* writeNewFile(temp, `${text}\n`)
        return { commit: commitOnce(temp, path) }
      })
    },
    replaceManifest: (manifest) => {
      const path = layout.manifestPath(manifest.artifactId)
      return Effect.flatMap(encodeAt(manifestJson, path, manifest), (text) => writeAtomic(layout, path, `${text}\n`))
    },
    readStatus: (id) => {
      const path = layout.statusPath(id)
      return Effect.flatMap(readText(path), (text) =>
        text === undefined ? Effect.succeed(undefined) : decodeAt(overlayJson, path, text)
      )
    },
    writeStatus: (id, overlay) => {
      const path = layout.statusPath(id)
      return Effect.flatMap(encodeAt(overlayJson, path, overlay), (text) => writeAtomic(layout, path, `${text}\n`))
    },
    listIds: Effect.map(readDir(layout.artifacts), (names) =>
      names.filter((name) => name.endsWith(".json") && ID_PATTERN.test(name.slice(0, -5))).map((name) => name.slice(0, -5) as Id)
    ),
    listIndex: (index, key) => idsIn(indexDir(index, key)),
    addToIndex: (index, key, id) => touchOnce(`${indexDir(index, key)}/${id}`),
    remove: (id) =>
      Effect.gen(function* () {
        // The manifest first: the index stays a superset of the manifests at every step (a
        // process killed here leaves dangling markers, which readers skip and gc removes).
        const manifest = yield* Effect.orElseSucceed(readManifest(id), () => undefined)
        yield* unlinkIfExists(layout.manifestPath(id))
        yield* unlinkIfExists(layout.statusPath(id))
        if (manifest !== undefined) {
          yield* unlinkIfExists(`${layout.typeIndexDir(manifest.type)}/${id}`)
          for (const input of manifest.inputs) yield* unlinkIfExists(`${layout.inputIndexDir(input)}/${id}`)
        }
      }),
    removedBy: (id) =>
      Effect.map(findGcRemoval(layout, id), (record) => (record === undefined ? undefined : removalReason(record)))
  }
}

export const memoryBackend = (): CatalogBackend => {
  const manifests = new Map<Id, Manifest>()
  const overlays = new Map<Id, StatusOverlay>()
  const indexes = { type: new Map<string, Set<Id>>(), input: new Map<string, Set<Id>>() }
  return {
    readManifest: (id) => Effect.sync(() => manifests.get(id)),
    writeManifestOnce: (manifest) =>
      Effect.sync(() => {
        if (!manifests.has(manifest.artifactId)) manifests.set(manifest.artifactId, manifest)
      }),
    replaceManifest: (manifest) => Effect.sync(() => void manifests.set(manifest.artifactId, manifest)),
    readStatus: (id) => Effect.sync(() => overlays.get(id)),
    writeStatus: (id, overlay) => Effect.sync(() => void overlays.set(id, overlay)),
    listIds: Effect.sync(() => [...manifests.keys()].sort(compareStrings)),
    listIndex: (index, key) => Effect.sync(() => [...(indexes[index].get(key) ?? [])].sort(compareStrings)),
    addToIndex: (index, key, id) =>
      Effect.sync(() => {
        const set = indexes[index].get(key) ?? new Set<Id>()
        set.add(id)
        indexes[index].set(key, set)
      }),
    remove: (id) =>
      Effect.sync(() => {
        const manifest = manifests.get(id)
        if (manifest !== undefined) {
          indexes.type.get(manifest.type)?.delete(id)
          for (const input of manifest.inputs) indexes.input.get(input)?.delete(id)
        }
        overlays.delete(id)
        manifests.delete(id)
      })
  }
}

export const make = (backend: CatalogBackend, objects: ObjectStoreShape): ArtifactCatalogShape => {
  const withStatus = (manifest: Manifest) =>
    Effect.map(backend.readStatus(manifest.artifactId), (overlay): Manifest => {
      if (overlay === undefined) return manifest
      const { supersededBy: _ignored, ...rest } = manifest
      return overlay.supersededBy === undefined
        ? { ...rest, status: overlay.status }
        : { ...rest, status: overlay.status, supersededBy: overlay.supersededBy }
    })

  /** A manifest that does not hash to its id is never served: it reads as absent (with the reason). */
  const read = (id: Id): Effect.Effect<Reading, StoreIOError | RecordDecodeError> =>
    Effect.flatMap(backend.readManifest(id), (manifest) =>
      manifest === undefined
        ? Effect.succeed<Reading>({ _tag: "Absent" })
        : Effect.map(manifestMismatch(id, manifest), (mismatch): Reading =>
            mismatch === undefined ? { _tag: "Sound", manifest } : { _tag: "Mismatch", reason: mismatch }
          )
    )

  const readSound = (id: Id) => Effect.map(read(id), (reading) => (reading._tag === "Sound" ? reading.manifest : undefined))

  const find = (id: Id) =>
    Effect.flatMap(readSound(id), (manifest) => (manifest === undefined ? Effect.succeed(undefined) : withStatus(manifest)))

  const get: ArtifactCatalogShape["get"] = (id) =>
    Effect.flatMap(read(id), (reading): Effect.Effect<Manifest, ArtifactNotFound | StoreIOError | RecordDecodeError> =>
      reading._tag === "Sound"
        ? withStatus(reading.manifest)
        : reading._tag === "Absent"
        ? Effect.flatMap(backend.removedBy?.(id) ?? Effect.succeed(undefined), (reason) =>
          Effect.fail(new ArtifactNotFound(reason === undefined ? { artifactId: id } : { artifactId: id, reason })))
        : Effect.fail(
          new ArtifactNotFound({
            artifactId: id,
            reason: `its manifest does not match its id (${reading.reason}); it is treated as absent until a run republishes it`
          })
        )
    )

  /**
   * Publish with the independent durable writes at once: once the staged object's digest (hence
   * the id) is known, the object is made durable (data fsync, link, directory fsync) while the
   * manifest's bytes are written and fsynced in a temp file under tmp/; then the index markers are
   * written (nothing lands in artifacts/ for an object that could not be stored) and their
   * directories fsynced; only then is the manifest linked into place and its directory fsynced.
   * The order that matters is kept — object, then markers, durable before the manifest is visible —
   * in 4 rounds of fsyncs instead of 5.
   */
  const publishStaged = (
    request: Parameters<ArtifactCatalogShape["publish"]>[0],
    inputs: ReadonlyArray<Id>,
    draft: (digest: Digest, bytes: number, artifactId: Id) => Manifest,
    stage: Effect.Effect<StagedObject, StoreIOError, Scope.Scope>,
    prepareManifest: NonNullable<CatalogBackend["prepareManifestOnce"]>
  ) =>
    Effect.gen(function* () {
      const staged = yield* stage
      const artifactId = yield* artifactIdOf({ ...request, digest: staged.digest, inputs })
      const onRecord = yield* read(artifactId).pipe(
        Effect.catchTag("RecordDecodeError", (error) => Effect.succeed<Reading>({ _tag: "Mismatch", reason: error.detail }))
      )
      const manifest = draft(staged.digest, staged.bytes, artifactId)
      const markers = Effect.all(
        [backend.addToIndex("type", request.type, artifactId), ...inputs.map((input) => backend.addToIndex("input", input, artifactId))],
        { concurrency: "unbounded", discard: true }
      )
      if (onRecord._tag === "Sound") {
        yield* staged.commit
        return yield* withStatus(onRecord.manifest)
      }
      if (onRecord._tag === "Mismatch") {
        // Malformed or not hashing to its id (tampered or damaged): replaced atomically, which repairs it.
        yield* staged.commit
        yield* markers
        yield* backend.replaceManifest(manifest)
        return yield* get(artifactId)
      }
      const [, prepared] = yield* Effect.all([staged.commit, prepareManifest(manifest)], { concurrency: "unbounded" })
      yield* markers
      const outcome = yield* prepared.commit
      if (outcome === "written" && request.metadata === undefined) return yield* withStatus(manifest)
      // Another process may have won the race: return whichever manifest is on record.
      return yield* get(artifactId)
    })

  const publish: ArtifactCatalogShape["publish"] = Effect.fn("ArtifactCatalog.publish")(function* (request) {
    const inputs = [...new Set(request.inputs)].sort(compareStrings)
    // Everything that can be checked is checked before anything is written.
    const inputManifests = yield* Effect.forEach(inputs, backend.readManifest, { concurrency: "unbounded" })
    const missingInput = inputs.find((_, i) => inputManifests[i] === undefined)
    if (missingInput !== undefined) return yield* new ArtifactNotFound({ artifactId: missingInput })
    if (request.metadata !== undefined) {
      const metadata = request.metadata
      yield* Effect.try({
        try: () => JSON.stringify(metadata),
        catch: (error) => new CanonicalEncodingError({ path: "metadata", reason: String(error) })
      })
    }
    const createdAt = DateTime.formatIso(yield* DateTime.now)
    const draft = (digest: Digest, bytes: number, artifactId: Id): Manifest => ({
      artifactId,
      type: request.type,
      schemaVersion: request.schemaVersion,
      logicalKey: request.logicalKey,
      digest,
      bytes,
      rowCount: request.rowCount,
      minTs: request.minTs,
      maxTs: request.maxTs,
      inputs,
      producedBy: request.producedBy,
      provenance: request.provenance,
      status: "active",
      tags: [...(request.tags ?? [])],
      createdAt,
      ...(request.metadata === undefined ? {} : { metadata: request.metadata })
    })
    const placeholder = `blake3:${"0".repeat(64)}` as Digest
    yield* Effect.mapError(
      Schema.validate(ArtifactManifest)(draft(placeholder, 0, `art_${"0".repeat(64)}` as Id)),
      (error) => new RecordDecodeError({ path: `publish request for ${request.type}/${request.logicalKey}`, detail: parseDetail(error) })
    )

    const stageFile = objects.stageFile
    const prepareManifest = backend.prepareManifestOnce
    if (stageFile !== undefined && prepareManifest !== undefined) {
      return yield* Effect.scoped(
        publishStaged(request, inputs, draft, stageFile(request.file, { move: request.move ?? false }), prepareManifest)
      )
    }

    // Object before manifest: a manifest never names an object that is not durable.
    const stored = yield* objects.putFile(request.file, { move: request.move ?? false })
    const artifactId = yield* artifactIdOf({ ...request, digest: stored.digest, inputs })
    const onRecord = yield* read(artifactId).pipe(
      Effect.catchTag("RecordDecodeError", (error) => Effect.succeed<Reading>({ _tag: "Mismatch", reason: error.detail }))
    )
    if (onRecord._tag === "Sound") return yield* withStatus(onRecord.manifest)
    // Index markers before the manifest: an index is always a superset of the manifests.
    yield* Effect.all(
      [backend.addToIndex("type", request.type, artifactId), ...inputs.map((input) => backend.addToIndex("input", input, artifactId))],
      { concurrency: "unbounded", discard: true }
    )
    const manifest = draft(stored.digest, stored.bytes, artifactId)
    // Write-once, except over a manifest that is malformed or does not hash to its id (tampered or
    // damaged): that one is replaced atomically, which repairs it.
    if (onRecord._tag === "Absent") {
      // Ours is on record: no need to read it back (only its status overlay, should one exist),
      // unless free-form metadata is to be returned as read from JSON.
      const outcome = yield* backend.writeManifestOnce(manifest)
      if (outcome === "written" && request.metadata === undefined) return yield* withStatus(manifest)
    } else yield* backend.replaceManifest(manifest)
    // Another process may have won the race: return whichever manifest is on record.
    return yield* get(artifactId)
  })

  const record: ArtifactCatalogShape["record"] = Effect.fn("ArtifactCatalog.record")(function* (manifest) {
    const id = manifest.artifactId
    const mismatch = yield* manifestMismatch(id, manifest)
    if (mismatch !== undefined) return yield* new ArtifactNotFound({ artifactId: id, reason: `not recorded: ${mismatch}` })
    // Publish's rules: inputs on record, the object (or, here, a promise of it) before the manifest.
    const inputManifests = yield* Effect.forEach(manifest.inputs, backend.readManifest, { concurrency: "unbounded" })
    const missingInput = manifest.inputs.find((_, i) => inputManifests[i] === undefined)
    if (missingInput !== undefined) return yield* new ArtifactNotFound({ artifactId: missingInput })
    if (!(yield* objects.has(manifest.digest)) && (yield* objects.promisedBy(manifest.digest)) === undefined) {
      return yield* new ObjectNotFound({ digest: manifest.digest, reason: `neither stored nor promised by a remote; ${id} is not recorded` })
    }
    const onRecord = yield* read(id).pipe(
      Effect.catchTag("RecordDecodeError", (error) => Effect.succeed<Reading>({ _tag: "Mismatch", reason: error.detail }))
    )
    if (onRecord._tag === "Sound") return yield* withStatus(onRecord.manifest)
    yield* Effect.all(
      [backend.addToIndex("type", manifest.type, id), ...manifest.inputs.map((input) => backend.addToIndex("input", input, id))],
      { concurrency: "unbounded", discard: true }
    )
    if (onRecord._tag === "Absent") yield* backend.writeManifestOnce(manifest)
    else yield* backend.replaceManifest(manifest)
    return yield* get(id)
  })

  const resolve: ArtifactCatalogShape["resolve"] = (idOrPrefix) => {
    const text = idOrPrefix.trim().toLowerCase()
    if (ID_PATTERN.test(text)) return get(text as Id)
    if (!PREFIX_PATTERN.test(text)) return Effect.fail(new ArtifactNotFound({ artifactId: idOrPrefix }))
    const hex = text.startsWith("art_") ? text.slice(4) : text
    return Effect.flatMap(backend.listIds, (ids): Effect.Effect<Manifest, ArtifactNotFound | AmbiguousArtifactId | StoreIOError | RecordDecodeError> => {
      const matches = ids.filter((id) => id.startsWith(`art_${hex}`)).sort(compareStrings)
      if (matches.length === 0) return Effect.fail(new ArtifactNotFound({ artifactId: idOrPrefix }))
      if (matches.length > 1) return Effect.fail(new AmbiguousArtifactId({ prefix: idOrPrefix, candidates: matches }))
      return get(matches[0])
    })
  }

  const list: ArtifactCatalogShape["list"] = Effect.fn("ArtifactCatalog.list")(function* (filter) {
    const ids = filter?.type === undefined ? yield* backend.listIds : yield* backend.listIndex("type", filter.type)
    const found = yield* Effect.forEach(ids, find, { concurrency: 16 })
    return found
      .filter((manifest): manifest is Manifest => manifest !== undefined)
      .filter(
        (m) =>
          (filter?.type === undefined || m.type === filter.type) &&
          (filter?.logicalKeyPrefix === undefined || m.logicalKey.startsWith(filter.logicalKeyPrefix)) &&
          (filter?.status === undefined || m.status === filter.status) &&
          (filter?.tag === undefined || m.tags.includes(filter.tag))
      )
      .sort(compareManifests)
  })

  const setStatus = (id: Id, next: (current: Manifest) => StatusOverlay) =>
    Effect.flatMap(get(id), (current) => backend.writeStatus(id, next(current)))

  const supersede: ArtifactCatalogShape["supersede"] = Effect.fn("ArtifactCatalog.supersede")(function* (id, by) {
    if (by !== undefined) yield* get(by)
    const changedAt = DateTime.formatIso(yield* DateTime.now)
    yield* setStatus(id, (current) => ({
      // A tombstone is final: superseding a tombstoned artifact only records its successor.
      status: current.status === "tombstoned" ? "tombstoned" : "superseded",
      ...(by === undefined ? {} : { supersededBy: by }),
      changedAt
    }))
  })

  const tombstone: ArtifactCatalogShape["tombstone"] = Effect.fn("ArtifactCatalog.tombstone")(function* (id) {
    const changedAt = DateTime.formatIso(yield* DateTime.now)
    yield* setStatus(id, (current) => ({
      status: "tombstoned",
      ...(current.supersededBy === undefined ? {} : { supersededBy: current.supersededBy }),
      changedAt
    }))
  })

  /**
   * Breadth-first walk from `root`, `depth` levels (default: all), each node expanded once (so cycles,
   * impossible by construction since ids hash their inputs, still terminate). An edge to an artifact
   * whose manifest is gone is kept; the node is absent from `nodes`.
   */
  const walk = (
    rootId: Id,
    depth: number | undefined,
    neighbours: (manifest: Manifest) => Effect.Effect<ReadonlyArray<Id>, StoreIOError | RecordDecodeError>,
    edge: (from: Id, to: Id) => { readonly from: Id; readonly to: Id }
  ) =>
    Effect.gen(function* () {
      const root = yield* get(rootId)
      const nodes = new Map<Id, Manifest>([[root.artifactId, root]])
      const edges: Array<{ readonly from: Id; readonly to: Id }> = []
      const maxDepth = depth === undefined ? Number.POSITIVE_INFINITY : Math.max(0, depth)
      let frontier: Array<Manifest> = [root]
      for (let level = 0; level < maxDepth && frontier.length > 0; level++) {
        const next: Array<Manifest> = []
        for (const manifest of frontier) {
          for (const neighbour of yield* neighbours(manifest)) {
            edges.push(edge(manifest.artifactId, neighbour))
            if (nodes.has(neighbour)) continue
            const found = yield* find(neighbour)
            if (found === undefined) continue
            nodes.set(neighbour, found)
            next.push(found)
          }
        }
        frontier = next
      }
      return { root: root.artifactId, nodes: [...nodes.values()], edges } satisfies LineageGraph
    })

  const lineage: ArtifactCatalogShape["lineage"] = (id, options) =>
    walk(id, options?.depth, (manifest) => Effect.succeed(manifest.inputs), (from, to) => ({ from, to }))

  const downstream: ArtifactCatalogShape["downstream"] = (id, options) =>
    walk(
      id,
      options?.depth,
      (manifest) =>
        // The index is a superset: keep consumers whose manifest really lists this input.
        Effect.flatMap(backend.listIndex("input", manifest.artifactId), (candidates) =>
          Effect.map(
            Effect.forEach(candidates, readSound, { concurrency: 16 }),
            (found) =>
              found
                .filter((m): m is Manifest => m !== undefined && m.inputs.includes(manifest.artifactId))
                .map((m) => m.artifactId)
          )
        ),
      (from, to) => ({ from, to })
    )

  const dataPath: ArtifactCatalogShape["dataPath"] = Effect.fn("ArtifactCatalog.dataPath")(function* (id) {
    const manifest = yield* get(id)
    yield* objects.ensureIntact(manifest.digest)
    return yield* objects.path(manifest.digest)
  })

  return {
    publish,
    record,
    get,
    resolve,
    list,
    supersede,
    tombstone,
    lineage,
    downstream,
    dataPath,
    recorded: (id) => backend.readManifest(id),
    remove: (id) => backend.remove(id)
  }
}

