/**
 * The remote tier: a read-through / write-behind overlay of the local action cache on a remote
 * object store (RemoteStorage), so a result computed anywhere is a hit everywhere.
 *
 * - `lookup(key)`: the local cache first. On a local miss, the remote's entry `actions/<key>.json`
 *   is fetched with every output's manifests (and their inputs', recursively) and objects; every
 *   object is BLAKE3-hashed and every manifest checked against its id *before* anything is
 *   written locally. Then they are published into the local store, objects before manifests, and
 *   the entry is put last, so the hit is local from then on (everything after works offline). A
 *   mismatch is a miss (the node recomputes) plus a `corrupt` warning; nothing bad is ever served.
 *   A remote that cannot be reached is a miss plus an `unavailable` warning.
 * - `put(entry)` (read-write mode only): the local put, then (in the background; the layer's
 *   release waits for it after a success) the upload in the anchors' order —
 *   objects (skipped when a HEAD finds them), a HEAD of every object to verify it is there, then
 *   manifests, then the action entry last (the commit point: an entry on the remote never names
 *   an object that is not there). A failed upload is an `incomplete` warning, never a failed run.
 *   What is already there (HEAD) is not uploaded again, except keys this process found corrupt.
 * - Read-only mode (`read`) never writes to the remote.
 *
 * The ArtifactCatalog and ObjectStore stay the local ones: after a remote hit everything is local.
 * Group entries (sweep batches) and identity pointers stay local; with a shared catalog, sweep
 * workers move a batch's artifacts explicitly (`pushArtifacts` / `pullArtifacts`).
 */
import { Context, Deferred, Effect, Exit, FiberId, FiberSet, Layer, Schema, type Scope, Stream } from "effect"
import { ActionCache, type ActionCacheShape, ActionEntry } from "../ActionCache.js"
import { ArtifactCatalog, ArtifactManifest, type ArtifactId, type CatalogError } from "../ArtifactCatalog.js"
import type { ArtifactNotFound, ObjectNotFound } from "../StoreError.js"
import type { Digest } from "../Digest.js"
import { ObjectStore } from "../ObjectStore.js"
import { manifestMismatch } from "../internal/artifactCatalog.js"
import { writeStreamHashed } from "./writeFile.js"
import type { InvalidRemoteKey } from "./RemoteErrors.js"
import { RemoteEvents, type RemoteWarning } from "./RemoteEvents.js"
import { actionKey, manifestKey, objectKey } from "./RemoteKeys.js"
import { type RemoteIOError, RemoteStorage } from "./RemoteStorage.js"

export type RemoteMode = "read" | "read-write"

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

const make = (mode: RemoteMode): Effect.Effect<
  { readonly wrapped: ActionCacheShape; readonly transfer: RemoteTransferShape },
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

    const isLocal = (id: ArtifactId, digest: Digest) =>
      Effect.orElseSucceed(
        Effect.flatMap(catalog.get(id), (manifest) =>
          manifest.digest !== digest
            ? Effect.succeed(false)
            : Effect.map(objects.verify(digest, { trustStatCache: true }), (result) => result._tag === "Intact")),
        () => false
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
     * Brings the artifacts `roots` and the inputs they need into the local store: every manifest
     * (checked against its id) and every object (BLAKE3-verified) is downloaded first, in parallel;
     * only when all are sound are they published, inputs before their consumers (publish's rule),
     * each object before its manifest.
     */
    const importArtifacts = (roots: ReadonlyArray<ArtifactId>): Effect.Effect<void, Abandon> =>
      Effect.scoped(
        Effect.gen(function* () {
          const needed = new Map<string, ArtifactManifest>()
          const seen = new Set<string>()
          let frontier = [...new Set(roots)]
          while (frontier.length > 0) {
            for (const id of frontier) seen.add(id)
            const found = yield* Effect.forEach(frontier, (id) =>
              Effect.flatMap(fetchManifest(id), (manifest) =>
                Effect.map(isLocal(id, manifest.digest), (local) => ({ manifest, local }))), { concurrency: 8 })
            const next: Array<ArtifactId> = []
            for (const { local, manifest } of found) {
              // A local manifest's inputs are local too (publish requires them).
              if (local) continue
              needed.set(manifest.artifactId, manifest)
              for (const input of manifest.inputs) if (!seen.has(input)) next.push(input)
            }
            frontier = [...new Set(next)]
          }
          const files = new Map(
            yield* Effect.forEach([...needed.values()], (manifest) =>
              Effect.map(fetchObject(manifest.digest), (file) => [manifest.artifactId, file] as const), { concurrency: 8 })
          )
          // Inputs before consumers.
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
          for (const manifest of order) {
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
        })
      )

    /** The remote's entry for `key`, imported into the local store; false (with a warning when not just absent) otherwise. */
    const fetchEntry = (key: Digest): Effect.Effect<boolean> =>
      Effect.gen(function* () {
        const aKey = yield* keyOrAbandon(actionKey(key))
        const text = yield* fetchOrAbandon(aKey)
        if (text === undefined) return false
        const entry = yield* Effect.mapError(
          Schema.decodeUnknown(entryJson)(decoder.decode(text)),
          () => new Abandon({ kind: "corrupt", subject: aKey, detail: "the action entry does not decode" })
        )
        if (entry.key !== key) return yield* Effect.fail(new Abandon({ kind: "corrupt", subject: aKey, detail: `it holds the entry of ${entry.key}` }))
        yield* importArtifacts(Object.values(entry.outputs).map((output) => output.artifactId))
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
            ? Effect.succeed(found)
            : Effect.flatMap(fetchEntry(key), (fetched) => (fetched ? local.lookup(key) : Effect.succeed(found)))
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
            if (found._tag === "Hit") already++
            else if (yield* fetchEntry(key)) fetched++
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
          Effect.filter(ids, (id) => Effect.map(Effect.orElseSucceed(Effect.flatMap(catalog.get(id), (manifest) => isLocal(id, manifest.digest)), () => false), (local) => !local)),
          (missing) =>
            missing.length === 0 ? Effect.succeed(true) : importArtifacts(missing).pipe(
              Effect.as(true),
              Effect.catchAll((abandon) =>
                abandon.warning.kind === "incomplete" ? Effect.succeed(false) : Effect.as(events.warn(abandon.warning), false))
            )
        )
    }
    return { wrapped, transfer }
  })

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
 * The remote tier over the local store services: replaces ActionCache with the overlay and adds
 * RemoteTransfer; ArtifactCatalog and ObjectStore pass through (provide the local ones).
 */
export const remoteTierLayer = (
  mode: RemoteMode
): Layer.Layer<ActionCache | RemoteTransfer, never, ActionCache | ArtifactCatalog | ObjectStore | RemoteStorage | RemoteEvents> =>
  Layer.scopedContext(
    Effect.map(make(mode), ({ transfer, wrapped }) =>
      Context.make(ActionCache, wrapped).pipe(Context.add(RemoteTransfer, transfer)))
  )

/**
 * `store` with its ActionCache overlaid by the remote tier (and RemoteTransfer added); the other
 * local services pass through as `store` builds them (the tier's ActionCache wins the merge).
 */
export const withRemoteTier = <ROut, E, RIn, E2>(
  store: Layer.Layer<ROut | ActionCache | ArtifactCatalog | ObjectStore, E, RIn>,
  remote: Layer.Layer<RemoteStorage | RemoteEvents, E2>,
  mode: RemoteMode
): Layer.Layer<ROut | ActionCache | ArtifactCatalog | ObjectStore | RemoteTransfer, E | E2, RIn> =>
  remoteTierLayer(mode).pipe(Layer.provide(remote), Layer.provideMerge(store))
