/**
 * The remote tier: a read-through / write-behind overlay of the local action cache on a remote
 * object store (RemoteStorage), so a result computed anywhere is a hit everywhere.
 *
 * - `lookup(key)`: the local cache first. On a local miss, the remote's entry `actions/<key>.json`
 *   is fetched with every output's manifests (and their inputs', recursively), each checked
 *   against its id *before* anything is written locally. What happens to their objects depends on
 *   `download`:
 *   - `outputs` (build without the bytes): no object is downloaded. Each manifest is recorded
 *     locally (`ArtifactCatalog.record`) after a promise of its object (`ObjectStore.promise`:
 *     the remote holds it), inputs first, and the entry is put last. The tier's ObjectStore and
 *     `ArtifactCatalog.dataPath` read a promised object through on demand (downloaded,
 *     BLAKE3-verified, then put atomically, before it is answered), so only what a reader opens
 *     comes down: the run's published outputs (it reads them), the candles when a changed
 *     parameter reruns simulate. A corrupt or missing remote object fails that read with an
 *     `ObjectNotFound` naming its digest and why, plus a warning; nothing bad is served.
 *   - `all`: every object is downloaded and BLAKE3-hashed too, and all of it is published (objects
 *     before manifests) before the entry, so everything after works offline. A local hit whose
 *     lineage is remote-backed is completed the same way (`pipeline pull` runs in this mode).
 *   A mismatch is a miss (the node recomputes) plus a `corrupt` warning; nothing bad is ever
 *   served. A remote that cannot be reached is a miss plus an `unavailable` warning.
 * - `put(entry)` (read-write mode only): the local put, then (in the background; the layer's
 *   release waits for it after a success) the upload in the anchors' order —
 *   objects (skipped when a HEAD finds them), a HEAD of every object to verify it is there, then
 *   manifests, then the action entry last (the commit point: an entry on the remote never names
 *   an object that is not there). A failed upload is an `incomplete` warning, never a failed run.
 *   What is already there (HEAD) is not uploaded again, except keys this process found corrupt.
 * - Read-only mode (`read`) never writes to the remote.
 *
 * The ArtifactCatalog and ObjectStore are the local ones, with read-through on promised objects
 * (`path`, `read`, `ensureIntact`, `dataPath`); `verify` and `has` answer for the local copy only.
 * Group entries (sweep batches) and identity pointers stay local; with a shared catalog, sweep
 * workers move a batch's artifacts explicitly (`pushArtifacts` / `pullArtifacts`).
 */
import { Context, Deferred, Effect, Exit, FiberId, FiberSet, Layer, Schema, type Scope, Stream } from "effect"
import { ActionCache, type ActionCacheShape, ActionEntry } from "../ActionCache.js"
import {
  ArtifactCatalog,
  type ArtifactCatalogShape,
  ArtifactManifest,
  type ArtifactId,
  type CatalogError
} from "../ArtifactCatalog.js"
import { type ArtifactNotFound, ObjectNotFound, type StoreIOError } from "../StoreError.js"
import type { Digest } from "../Digest.js"
import { ObjectStore, type ObjectStoreShape } from "../ObjectStore.js"
import { manifestMismatch } from "../internal/artifactCatalog.js"
import { writeStreamHashed } from "./writeFile.js"
import type { InvalidRemoteKey } from "./RemoteErrors.js"
import { formatRemoteWarning, RemoteEvents, type RemoteWarning } from "./RemoteEvents.js"
import { actionKey, manifestKey, objectKey } from "./RemoteKeys.js"
import { type RemoteIOError, RemoteStorage } from "./RemoteStorage.js"

export type RemoteMode = "read" | "read-write"

/**
 * What a remote hit downloads: `outputs` only the manifests (objects come down when read: the
 * run's published outputs, inputs a rerun needs), `all` every object of the hit's lineage too.
 */
export type RemoteDownload = "outputs" | "all"

export interface RemoteTierOptions {
  /** Default `outputs`. */
  readonly download?: RemoteDownload
}

const entryJson = Schema.parseJson(ActionEntry)
const manifestJson = Schema.parseJson(ArtifactManifest)
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Why a download was abandoned (a miss): reported as a warning, never served. */
class Abandon {
  constructor(readonly warning: RemoteWarning) {}
}

export interface PushSummary {
  /** Action entries now on the remote (uploaded or already there). */
  readonly entries: number
  readonly objectsUploaded: number
  readonly manifestsUploaded: number
  /** Entries whose upload failed (each also a warning). */
  readonly failed: number
}

export interface PullSummary {
  /** Keys now in the local action cache from the remote. */
  readonly fetched: number
  /** Keys already local. */
  readonly local: number
  /** Keys the remote does not hold (or holds corrupt, with a warning). */
  readonly missing: number
}

export interface RemoteTransferShape {
  readonly location: string
  readonly mode: RemoteMode
  /** Uploads every local action entry with its outputs (and their lineage). Fails in read mode. */
  readonly push: (keys?: ReadonlyArray<Digest>) => Effect.Effect<PushSummary, RemoteReadOnly | RemoteIOError | InvalidRemoteKey>
  /** Downloads the entries of `keys` with their outputs into the local store. */
  readonly pull: (keys: ReadonlyArray<Digest>) => Effect.Effect<PullSummary>
  /**
   * Uploads artifacts and their lineage (objects, a HEAD check of each, then manifests) without an
   * action entry: inputs another machine is about to read, or outputs whose entry lives elsewhere
   * (a group entry in a shared catalog). Fails in read mode or when an upload fails.
   */
  readonly pushArtifacts: (
    ids: ReadonlyArray<ArtifactId>
  ) => Effect.Effect<void, RemoteReadOnly | RemoteIOError | InvalidRemoteKey | UploadIncomplete | ObjectNotFound | ArtifactNotFound | CatalogError>
  /**
   * Downloads artifacts and their lineage into the local store (each verified first); true when
   * all of them are local now. Absent ones are a plain false; corrupt or unreachable ones warn too.
   */
  readonly pullArtifacts: (ids: ReadonlyArray<ArtifactId>) => Effect.Effect<boolean>
}

/** `push` on a remote opened read-only. */
export class RemoteReadOnly extends Schema.TaggedError<RemoteReadOnly>()("RemoteReadOnly", { location: Schema.String }) {
  override get message() {
    return `the remote ${this.location} is read-only here (--remote-mode read): nothing was uploaded`
  }
}

/** Explicit transfers between the local store and the remote (`pipeline push`, `pipeline pull`). */
export class RemoteTransfer extends Context.Tag("pipeline/store/RemoteTransfer")<RemoteTransfer, RemoteTransferShape>() {}

const make = (mode: RemoteMode, download: RemoteDownload): Effect.Effect<
  {
    readonly wrapped: ActionCacheShape
    readonly transfer: RemoteTransferShape
    readonly objects: ObjectStoreShape
    readonly catalog: ArtifactCatalogShape
  },
  never,
  ActionCache | ArtifactCatalog | ObjectStore | RemoteStorage | RemoteEvents | Scope.Scope
> =>
  Effect.gen(function* () {
    const local = yield* ActionCache
    const catalog = yield* ArtifactCatalog
    const objects = yield* ObjectStore
    const remote = yield* RemoteStorage
    const events = yield* RemoteEvents

    // ---- download ----------------------------------------------------------------------------

    /** Remote keys found corrupt by this process: uploaded again (read-write) when their node recomputes. */
    const foundCorrupt = new Set<string>()

    const fetchOrAbandon = (key: string) =>
      Effect.mapError(remote.get(key), (error) => new Abandon({ kind: "unavailable", subject: key, detail: error.reason }))

    const keyOrAbandon = (key: Effect.Effect<string, InvalidRemoteKey>) =>
      Effect.mapError(key, (error) => new Abandon({ kind: "corrupt", subject: error.value, detail: error.message }))

    /** The local store's sound manifest of `id` and whether its object is here and intact (else remote-backed). */
    const localCopy = (id: ArtifactId) =>
      Effect.orElseSucceed(
        Effect.flatMap(catalog.get(id), (manifest) =>
          Effect.map(objects.verify(manifest.digest, { trustStatCache: true }), (result) => ({
            manifest,
            intact: result._tag === "Intact"
          }))),
        () => undefined
      )

    /** The remote's manifest of `id`, checked against its id (a mismatch abandons). */
    const fetchManifest = (id: ArtifactId) =>
      Effect.gen(function* () {
        const mKey = yield* keyOrAbandon(manifestKey(id))
        const text = yield* fetchOrAbandon(mKey)
        if (text === undefined) return yield* Effect.fail(new Abandon({ kind: "incomplete", subject: mKey, detail: "no such manifest on the remote" }))
        const manifest = yield* Effect.mapError(
          Schema.decodeUnknown(manifestJson)(decoder.decode(text)),
          () => new Abandon({ kind: "corrupt", subject: mKey, detail: "the manifest does not decode" })
        )
        const mismatch = yield* manifestMismatch(id, manifest)
        if (mismatch !== undefined) {
          foundCorrupt.add(mKey)
          return yield* Effect.fail(new Abandon({ kind: "corrupt", subject: mKey, detail: mismatch }))
        }
        return manifest
      })

    /**
     * The remote's object under `digest`, streamed to a scratch file of the local store (removed
     * with the scope) while it is BLAKE3-hashed, so no object is held whole in memory; the file is
     * answered only when the digest matches (the caller then moves it into the store atomically).
     */
    const fetchObject = (digest: Digest) =>
      Effect.gen(function* () {
        const oKey = yield* keyOrAbandon(objectKey(digest))
        const file = yield* localOrAbandon(oKey, objects.scratchPath("remote"))
        const body = yield* Effect.mapError(remote.getStream(oKey), (error) => unavailable(oKey, error))
        if (body === undefined) return yield* Effect.fail(new Abandon({ kind: "incomplete", subject: oKey, detail: "no such object on the remote" }))
        const actual = yield* writeStreamHashed(file, Stream.mapError(body, (error) => unavailable(oKey, error))).pipe(
          Effect.mapError((error) =>
            error instanceof Abandon ? error : new Abandon({ kind: "unavailable", subject: oKey, detail: `local store: ${error.message}` }))
        )
        if (actual !== digest) {
          foundCorrupt.add(oKey)
          return yield* Effect.fail(new Abandon({ kind: "corrupt", subject: oKey, detail: `its bytes hash to ${actual}, not ${digest}; not used` }))
        }
        return file
      })

    const unavailable = (subject: string, error: RemoteIOError) => new Abandon({ kind: "unavailable", subject, detail: error.reason })

    const localOrAbandon = <A, E extends { readonly message: string }, R>(subject: string, effect: Effect.Effect<A, E, R>) =>
      Effect.mapError(effect, (error) => new Abandon({ kind: "unavailable", subject, detail: `local store: ${error.message}` }))

    /**
     * Brings the artifacts `roots` and the inputs they need into the local store. Every manifest
     * not on record here is downloaded (checked against its id) first, in parallel. With
     * `withObjects`, every object not here is downloaded (BLAKE3-verified) too, and only when all
     * are sound are they published, inputs before their consumers (publish's rule), each object
     * before its manifest. Without, the manifests are recorded, inputs first, each after a promise
     * of its object (this remote holds it). Returns how many artifacts it brought.
     */
    const importArtifacts = (roots: ReadonlyArray<ArtifactId>, withObjects: boolean): Effect.Effect<number, Abandon> =>
      Effect.scoped(
        Effect.gen(function* () {
          const needed = new Map<string, ArtifactManifest>()
          const seen = new Set<string>()
          let frontier = [...new Set(roots)]
          while (frontier.length > 0) {
            for (const id of frontier) seen.add(id)
            const found = yield* Effect.forEach(frontier, (id) =>
              Effect.flatMap(localCopy(id), (here) =>
                // A manifest on record here has its inputs on record too (publish and record require
                // them), but with objects wanted, theirs may be remote-backed: walk them.
                here === undefined
                  ? Effect.map(fetchManifest(id), (manifest) => ({ manifest, need: true, walk: true }))
                  : Effect.succeed({ manifest: here.manifest, need: withObjects && !here.intact, walk: withObjects })), { concurrency: 8 })
            const next: Array<ArtifactId> = []
            for (const { manifest, need, walk } of found) {
              if (need) needed.set(manifest.artifactId, manifest)
              if (walk) for (const input of manifest.inputs) if (!seen.has(input)) next.push(input)
            }
            frontier = [...new Set(next)]
          }
          if (!withObjects) {
            for (const manifest of inputsFirst(needed)) {
              const mKey = yield* keyOrAbandon(manifestKey(manifest.artifactId))
              if (!(yield* localOrAbandon(mKey, objects.has(manifest.digest)))) {
                yield* localOrAbandon(mKey, objects.promise(manifest.digest, remote.location))
              }
              yield* localOrAbandon(mKey, catalog.record(manifest))
            }
            return needed.size
          }
          const files = new Map(
            yield* Effect.forEach([...needed.values()], (manifest) =>
              Effect.map(fetchObject(manifest.digest), (file) => [manifest.artifactId, file] as const), { concurrency: 8 })
          )
          for (const manifest of inputsFirst(needed)) {
            const mKey = yield* keyOrAbandon(manifestKey(manifest.artifactId))
            const published = yield* localOrAbandon(mKey, catalog.publish({
              file: files.get(manifest.artifactId)!,
              move: true,
              type: manifest.type,
              schemaVersion: manifest.schemaVersion,
              logicalKey: manifest.logicalKey,
              rowCount: manifest.rowCount,
              minTs: manifest.minTs,
              maxTs: manifest.maxTs,
              inputs: manifest.inputs,
              producedBy: manifest.producedBy,
              provenance: manifest.provenance,
              tags: manifest.tags,
              ...(manifest.metadata === undefined ? {} : { metadata: manifest.metadata })
            }))
            if (published.artifactId !== manifest.artifactId) {
              return yield* Effect.fail(new Abandon({ kind: "corrupt", subject: mKey, detail: `republished as ${published.artifactId}` }))
            }
          }
          return needed.size
        })
      )

    /** The remote's entry for `key`, imported into the local store; false (with a warning when not just absent) otherwise. */
    const fetchEntry = (key: Digest, withObjects: boolean): Effect.Effect<boolean> =>
      Effect.gen(function* () {
        const aKey = yield* keyOrAbandon(actionKey(key))
        const text = yield* fetchOrAbandon(aKey)
        if (text === undefined) return false
        const entry = yield* Effect.mapError(
          Schema.decodeUnknown(entryJson)(decoder.decode(text)),
          () => new Abandon({ kind: "corrupt", subject: aKey, detail: "the action entry does not decode" })
        )
        if (entry.key !== key) return yield* Effect.fail(new Abandon({ kind: "corrupt", subject: aKey, detail: `it holds the entry of ${entry.key}` }))
        yield* importArtifacts(outputIdsOf(entry), withObjects)
        for (const output of Object.values(entry.outputs)) {
          const manifest = yield* Effect.orElseSucceed(catalog.get(output.artifactId), () => undefined)
          if (manifest?.digest !== output.digest) {
            return yield* Effect.fail(new Abandon({ kind: "corrupt", subject: aKey, detail: `output ${output.artifactId} does not hold ${output.digest}` }))
          }
        }
        // The entry last, locally too: the commit point.
        yield* Effect.mapError(local.put(entry), (error) => new Abandon({ kind: "unavailable", subject: aKey, detail: `local store: ${error.message}` }))
        return true
      }).pipe(Effect.catchAll((abandon) => Effect.as(events.warn(abandon.warning), false)))

    /**
     * Completes a local hit whose lineage is remote-backed (`all`): downloads the objects it lacks.
     * Only a store holding promises can need it, so only such a store pays for the walk.
     */
    const holdsPromises = download === "all" && (yield* Effect.orElseSucceed(objects.listPromised(), () => [])).length > 0
    const completeHit = (entry: ActionEntry): Effect.Effect<void> =>
      importArtifacts(outputIdsOf(entry), true).pipe(Effect.asVoid, Effect.catchAll((abandon) => events.warn(abandon.warning)))

    // ---- read-through ------------------------------------------------------------------------

    /**
     * Downloads a promised object: fetched, BLAKE3-verified in scratch space, then put atomically.
     * A failure (absent, corrupt or unreachable on the remote) is a warning and `ObjectNotFound`
     * naming the digest and why; nothing unverified reaches the store. A remote that lacks the
     * object or holds it corrupt no longer backs it here (the promise is forgotten), so the entries
     * naming it are misses from then on: the next run recomputes it.
     */
    const readThroughObject = (digest: Digest, notFound: ObjectNotFound): Effect.Effect<void, ObjectNotFound | StoreIOError> =>
      Effect.flatMap(objects.promisedBy(digest), (location) =>
        location === undefined
          ? Effect.fail(notFound)
          : Effect.scoped(Effect.flatMap(fetchObject(digest), (file) => objects.putFile(file, { move: true }))).pipe(
            Effect.asVoid,
            Effect.catchIf(
              (error): error is Abandon => error instanceof Abandon,
              (abandon) =>
                Effect.gen(function* () {
                  yield* events.warn(abandon.warning)
                  const broken = abandon.warning.kind !== "unavailable"
                  if (broken) yield* objects.forgetPromise(digest)
                  return yield* new ObjectNotFound({
                    digest,
                    reason: `it is on the remote ${location}, but reading it from ${remote.location} failed (${formatRemoteWarning(abandon.warning)}); nothing was served` +
                      (broken ? "; a new run recomputes it" : "")
                  })
                })
            )
          ))

    /** `read` of the local store, reading a promised object through the remote when it is not here. */
    const throughRemote = <A, E>(local: (digest: Digest) => Effect.Effect<A, E | ObjectNotFound>) => (digest: Digest) =>
      Effect.catchIf(
        local(digest),
        (error): error is ObjectNotFound => error instanceof ObjectNotFound,
        // Suspended: a store may decide what `local` answers when it is called, not when it runs.
        (notFound) => Effect.zipRight(readThroughObject(digest, notFound), Effect.suspend(() => local(digest)))
      )

    const objectsThrough: ObjectStoreShape = {
      ...objects,
      read: throughRemote(objects.read),
      path: throughRemote(objects.path),
      ensureIntact: throughRemote(objects.ensureIntact)
    }

    const catalogThrough: ArtifactCatalogShape = {
      ...catalog,
      dataPath: (id) =>
        Effect.flatMap(catalog.get(id), (manifest) =>
          Effect.zipRight(objectsThrough.ensureIntact(manifest.digest), objectsThrough.path(manifest.digest)))
    }

    // ---- upload ------------------------------------------------------------------------------

    interface Uploaded {
      objects: number
      manifests: number
    }

    /** The manifests of `ids` and their lineage, in artifact id order. */
    const closureOfIds = (ids: ReadonlyArray<ArtifactId>) =>
      Effect.map(
        Effect.forEach(ids, (id) => catalog.lineage(id)),
        (graphs) => {
          const byId = new Map<string, ArtifactManifest>()
          for (const graph of graphs) for (const node of graph.nodes) byId.set(node.artifactId, node)
          return [...byId.values()].sort((a, b) => (a.artifactId < b.artifactId ? -1 : 1))
        }
      )

    const closureOf = (entry: ActionEntry) => closureOfIds(Object.values(entry.outputs).map((output) => output.artifactId))

    const uploadEntry = (entry: ActionEntry, uploaded: Uploaded) =>
      Effect.gen(function* () {
        const aKey = yield* actionKey(entry.key)
        if (foundCorrupt.size === 0 && (yield* remote.head(aKey))) return
        yield* uploadArtifacts(yield* closureOf(entry), uploaded)
        // 4. the action entry last: the commit point
        const text = yield* Effect.orDie(Schema.encode(entryJson)(entry))
        yield* remote.put(aKey, encoder.encode(text))
      })

    /**
     * Object uploads in progress, by remote key: true once uploaded and verified. Two uploads of one
     * object at once (a write-behind upload and an explicit push of the same inputs, say) send it
     * once: the second waits for the first, and uploads it itself only if the first did not finish.
     */
    const objectUploads = new Map<string, Deferred.Deferred<boolean>>()
    const uploadOnce = <E>(oKey: string, upload: Effect.Effect<void, E>): Effect.Effect<void, E> =>
      // Synchronous from lookup to registration: no other fiber can start the same upload in between.
      Effect.suspend(() => {
        const running = objectUploads.get(oKey)
        if (running !== undefined) {
          return Effect.flatMap(Deferred.await(running), (done) => (done ? Effect.void : uploadOnce(oKey, upload)))
        }
        const mine = Deferred.unsafeMake<boolean>(FiberId.none)
        objectUploads.set(oKey, mine)
        return Effect.onExit(upload, (exit) =>
          Effect.suspend(() => {
            objectUploads.delete(oKey)
            return Deferred.succeed(mine, Exit.isSuccess(exit))
          }))
      })

    /** Objects (each checked by a HEAD after its upload), then manifests: what an entry may name. */
    const uploadArtifacts = (manifests: ReadonlyArray<ArtifactManifest>, uploaded: Uploaded) =>
      Effect.gen(function* () {
        // 1. objects (skipped when already there)
        yield* Effect.forEach(manifests, (manifest) =>
          Effect.flatMap(objectKey(manifest.digest), (oKey) =>
            uploadOnce(oKey, Effect.gen(function* () {
              if (foundCorrupt.has(oKey) || !(yield* remote.head(oKey))) {
                yield* remote.put(oKey, yield* objects.read(manifest.digest))
                uploaded.objects++
                foundCorrupt.delete(oKey)
                // 2. verify it is there before anything names it
                if (!(yield* remote.head(oKey))) {
                  return yield* Effect.fail(new UploadIncomplete({ key: oKey, detail: "the object is not there after its upload" }))
                }
              }
            }))), { concurrency: 4, discard: true })
        // 3. manifests (every object they name is there)
        yield* Effect.forEach(manifests, (manifest) =>
          Effect.gen(function* () {
            const mKey = yield* manifestKey(manifest.artifactId)
            if (!foundCorrupt.has(mKey) && (yield* remote.head(mKey))) return
            const recorded = (yield* catalog.recorded(manifest.artifactId)) ?? manifest
            const text = yield* Effect.orDie(Schema.encode(manifestJson)(recorded))
            yield* remote.put(mKey, encoder.encode(text))
            uploaded.manifests++
            foundCorrupt.delete(mKey)
          }), { concurrency: 8, discard: true })
      })

    const warnUpload = (entry: ActionEntry) => (error: { readonly message: string }) =>
      events.warn({ kind: "incomplete", subject: `action ${entry.key}`, detail: `${error.message}; no entry was written to the remote` })

    // Write-behind: uploads run beside the computation; the layer's release waits for them when
    // the work succeeded (and interrupts them otherwise — an entry is always uploaded last).
    const uploads = yield* FiberSet.make<void>()
    yield* Effect.addFinalizer((exit) => (Exit.isSuccess(exit) ? FiberSet.awaitEmpty(uploads) : Effect.void))

    const wrapped: ActionCacheShape = {
      ...local,
      lookup: (key) =>
        Effect.flatMap(local.lookup(key), (found) =>
          found._tag === "Hit"
            ? holdsPromises ? Effect.as(completeHit(found.entry), found) : Effect.succeed(found)
            : Effect.flatMap(fetchEntry(key, download === "all"), (fetched) => (fetched ? local.lookup(key) : Effect.succeed(found)))
        ),
      put: (entry) =>
        mode === "read"
          ? local.put(entry)
          : Effect.zipRight(
            local.put(entry),
            Effect.asVoid(FiberSet.run(uploads, Effect.catchAll(uploadEntry(entry, { objects: 0, manifests: 0 }), warnUpload(entry))))
          )
    }

    const transfer: RemoteTransferShape = {
      location: remote.location,
      mode,
      push: (keys) =>
        Effect.gen(function* () {
          if (mode === "read") return yield* new RemoteReadOnly({ location: remote.location })
          const entries = keys === undefined
            ? yield* Effect.orDie(local.list())
            : (yield* Effect.forEach(keys, (key) => Effect.orDie(local.get(key)))).filter((entry): entry is ActionEntry => entry !== undefined)
          const uploaded: Uploaded = { objects: 0, manifests: 0 }
          let failed = 0
          for (const entry of entries) {
            yield* Effect.catchAll(uploadEntry(entry, uploaded), (error) =>
              Effect.zipRight(warnUpload(entry)(error), Effect.sync(() => void failed++)))
          }
          return { entries: entries.length - failed, objectsUploaded: uploaded.objects, manifestsUploaded: uploaded.manifests, failed }
        }),
      pull: (keys) =>
        Effect.gen(function* () {
          let fetched = 0
          let already = 0
          let missing = 0
          for (const key of keys) {
            const found = yield* Effect.orElseSucceed(local.lookup(key), () => ({ _tag: "Miss" as const }))
            if (found._tag === "Hit") {
              // A hit may be remote-backed: its objects come down too.
              const brought = yield* Effect.either(importArtifacts(outputIdsOf(found.entry), true))
              if (brought._tag === "Left") {
                yield* events.warn(brought.left.warning)
                missing++
              } else if (brought.right > 0) fetched++
              else already++
            } else if (yield* fetchEntry(key, true)) fetched++
            else missing++
          }
          return { fetched, local: already, missing }
        }),
      pushArtifacts: (ids) =>
        mode === "read"
          ? Effect.fail(new RemoteReadOnly({ location: remote.location }))
          : Effect.flatMap(closureOfIds(ids), (manifests) => uploadArtifacts(manifests, { objects: 0, manifests: 0 })),
      pullArtifacts: (ids) =>
        // What is local already (its manifest here, its object intact) costs no request.
        Effect.flatMap(
          Effect.filter(ids, (id) => Effect.map(localCopy(id), (here) => here?.intact !== true)),
          (missing) =>
            missing.length === 0 ? Effect.succeed(true) : importArtifacts(missing, true).pipe(
              Effect.as(true),
              Effect.catchAll((abandon) =>
                abandon.warning.kind === "incomplete" ? Effect.succeed(false) : Effect.as(events.warn(abandon.warning), false))
            )
        )
    }
    return { wrapped, transfer, objects: objectsThrough, catalog: catalogThrough }
  })

const outputIdsOf = (entry: ActionEntry): ReadonlyArray<ArtifactId> => Object.values(entry.outputs).map((output) => output.artifactId)

/** `needed`'s manifests, each after those of its inputs that are in `needed` (publish's rule). */
const inputsFirst = (needed: ReadonlyMap<string, ArtifactManifest>): ReadonlyArray<ArtifactManifest> => {
  const order: Array<ArtifactManifest> = []
  const placed = new Set<string>()
  const place = (manifest: ArtifactManifest) => {
    if (placed.has(manifest.artifactId)) return
    placed.add(manifest.artifactId)
    for (const input of manifest.inputs) {
      const upstream = needed.get(input)
      if (upstream !== undefined) place(upstream)
    }
    order.push(manifest)
  }
  for (const manifest of needed.values()) place(manifest)
  return order
}

/** An upload stopped before its entry: the object it needs is not on the remote. */
export class UploadIncomplete extends Schema.TaggedError<UploadIncomplete>()("UploadIncomplete", {
  key: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `upload of ${this.key} incomplete: ${this.detail}`
  }
}

/**
 * The remote tier over the local store services: replaces ActionCache with the overlay,
 * ObjectStore and ArtifactCatalog with the local ones reading promised objects through, and adds
 * RemoteTransfer (provide the local services).
 */
export const remoteTierLayer = (
  mode: RemoteMode,
  options: RemoteTierOptions = {}
): Layer.Layer<
  ActionCache | ArtifactCatalog | ObjectStore | RemoteTransfer,
  never,
  ActionCache | ArtifactCatalog | ObjectStore | RemoteStorage | RemoteEvents
> =>
  Layer.scopedContext(
    Effect.map(make(mode, options.download ?? "outputs"), ({ catalog, objects, transfer, wrapped }) =>
      Context.make(ActionCache, wrapped).pipe(
        Context.add(ArtifactCatalog, catalog),
        Context.add(ObjectStore, objects),
        Context.add(RemoteTransfer, transfer)
      ))
  )

/**
 * `store` with its ActionCache, ArtifactCatalog and ObjectStore overlaid by the remote tier (and
 * RemoteTransfer added); the other services pass through as `store` builds them (the tier's win
 * the merge).
 */
export const withRemoteTier = <ROut, E, RIn, E2>(
  store: Layer.Layer<ROut | ActionCache | ArtifactCatalog | ObjectStore, E, RIn>,
  remote: Layer.Layer<RemoteStorage | RemoteEvents, E2>,
  mode: RemoteMode,
  options: RemoteTierOptions = {}
): Layer.Layer<ROut | ActionCache | ArtifactCatalog | ObjectStore | RemoteTransfer, E | E2, RIn> =>
  remoteTierLayer(mode, options).pipe(Layer.provide(remote), Layer.provideMerge(store))
