/**
 * The bodies of the copy-on-write store view (../Overlay.ts): an object store and a catalog
 * backend whose writes go to a scratch store and whose reads look in the scratch store first,
 * then in the main one. The main store is opened read-only in spirit: nothing here writes to its
 * objects/ or artifacts/ (its stat cache may learn digests of files it already holds).
 */
import { Effect, Layer, type Scope } from "effect"
import * as nodePath from "node:path"
import type { ArtifactCatalogShape } from "../ArtifactCatalog.js"
import { FileDigestCache } from "../FileDigestCache.js"
import type { ObjectStoreShape, StoredObject } from "../ObjectStore.js"
import type { StoreIOError } from "../StoreError.js"
import { ensureLayout, makeLayout, StoreRoot } from "../StoreLayout.js"
import { type CatalogBackend, fileSystemBackend, make as makeCatalog } from "./artifactCatalog.js"
import { mkdirp, removeRecursive } from "./fsOps.js"
import { tempName } from "../TempName.js"
import { make as makeObjects } from "./objectStoreFileSystem.js"

export interface OverlayParts {
  readonly mainRoot: string
  readonly scratchRoot: string
  readonly objects: ObjectStoreShape
  readonly catalog: ArtifactCatalogShape
  /** The main store's own views (reads only, by convention). */
  readonly main: { readonly objects: ObjectStoreShape; readonly catalog: ArtifactCatalogShape }
}

const digestCacheAt = (root: string) =>
  Effect.provide(FileDigestCache, FileDigestCache.layerFileSystem.pipe(Layer.provide(StoreRoot.layer(root))))

const union = <A extends string>(a: ReadonlyArray<A>, b: ReadonlyArray<A>): ReadonlyArray<A> =>
  [...new Set([...a, ...b])].sort()

/** Scratch first, then main, for every read; every write to scratch. */
export const overlayObjects = (scratch: ObjectStoreShape, main: ObjectStoreShape): ObjectStoreShape => {
  const pick = (digest: Parameters<ObjectStoreShape["has"]>[0]) =>
    Effect.map(scratch.has(digest), (inScratch) => (inScratch ? scratch : main))
  return {
    putFile: scratch.putFile,
    ...(scratch.stageFile === undefined ? {} : { stageFile: scratch.stageFile }),
    putBytes: scratch.putBytes,
    scratchPath: scratch.scratchPath,
    has: (digest) => Effect.flatMap(scratch.has(digest), (inScratch) => (inScratch ? Effect.succeed(true) : main.has(digest))),
    read: (digest) => Effect.flatMap(pick(digest), (store) => store.read(digest)),
    path: (digest) => Effect.flatMap(pick(digest), (store) => store.path(digest)),
    verify: (digest, options) => Effect.flatMap(pick(digest), (store) => store.verify(digest, options)),
    ensureIntact: (digest) => Effect.flatMap(pick(digest), (store) => store.ensureIntact(digest)),
    list: () =>
      Effect.map(Effect.zip(scratch.list(), main.list()), ([mine, theirs]) => {
        const byDigest = new Map<string, StoredObject>()
        for (const object of [...theirs, ...mine]) byDigest.set(object.digest, object)
        return [...byDigest.values()].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0))
      }),
    // Only scratch objects can be removed through the overlay.
    remove: scratch.remove,
    // Promises are the main store's (the overlay recomputes; it never imports from a remote).
    promise: scratch.promise,
    promisedBy: (digest) =>
      Effect.flatMap(scratch.promisedBy(digest), (found) => (found !== undefined ? Effect.succeed(found) : main.promisedBy(digest))),
    listPromised: main.listPromised,
    forgetPromise: scratch.forgetPromise,
    root: scratch.root
  }
}

/** Manifests, status and index markers: scratch first, then main; writes to scratch. */
export const overlayCatalogBackend = (scratch: CatalogBackend, main: CatalogBackend): CatalogBackend => ({
  readManifest: (id) =>
    Effect.flatMap(scratch.readManifest(id), (found) => (found !== undefined ? Effect.succeed(found) : main.readManifest(id))),
  writeManifestOnce: scratch.writeManifestOnce,
  ...(scratch.prepareManifestOnce === undefined ? {} : { prepareManifestOnce: scratch.prepareManifestOnce }),
  replaceManifest: scratch.replaceManifest,
  readStatus: (id) =>
    Effect.flatMap(scratch.readStatus(id), (found) => (found !== undefined ? Effect.succeed(found) : main.readStatus(id))),
  writeStatus: scratch.writeStatus,
  listIds: Effect.map(Effect.zip(scratch.listIds, main.listIds), ([a, b]) => union(a, b)),
  listIndex: (index, key) =>
    Effect.map(Effect.zip(scratch.listIndex(index, key), main.listIndex(index, key)), ([a, b]) => union(a, b)),
  addToIndex: scratch.addToIndex,
  remove: scratch.remove,
  // Only the main store is swept by gc.
  ...(main.removedBy === undefined ? {} : { removedBy: main.removedBy })
})

/**
 * Opens the overlay: a scratch store at `scratchRoot` (default: a fresh directory under the main
 * store's tmp/), removed with everything in it when the scope closes.
 */
export const make = (
  mainRoot: string,
  scratchRoot?: string
): Effect.Effect<OverlayParts, StoreIOError, Scope.Scope> =>
  Effect.gen(function*() {
    const mainLayout = makeLayout(nodePath.resolve(mainRoot))
    yield* ensureLayout(mainLayout)
    const scratchDir = nodePath.resolve(scratchRoot ?? mainLayout.tmpPath(tempName("overlay")))
    yield* Effect.acquireRelease(mkdirp(scratchDir), () => Effect.ignore(removeRecursive(scratchDir)))
    const scratchLayout = makeLayout(scratchDir)
    yield* ensureLayout(scratchLayout)

    const mainObjects = yield* Effect.flatMap(digestCacheAt(mainLayout.root), (digests) => makeObjects(mainLayout, digests))
    const scratchObjects = yield* Effect.flatMap(digestCacheAt(scratchDir), (digests) => makeObjects(scratchLayout, digests))
    const objects = overlayObjects(scratchObjects, mainObjects)
    const mainBackend = fileSystemBackend(mainLayout)
    const catalog = makeCatalog(overlayCatalogBackend(fileSystemBackend(scratchLayout), mainBackend), objects)
    return {
      mainRoot: mainLayout.root,
      scratchRoot: scratchDir,
      objects,
      catalog,
      main: { objects: mainObjects, catalog: makeCatalog(mainBackend, mainObjects) }
    }
  })
