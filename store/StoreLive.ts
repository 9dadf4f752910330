/**
 * Convenience compositions of the store layers. Composition proper belongs to the CLI's entry point;
 * these exist so that it, the tests and the benchmarks build the same graph. The tracker's layers
 * live in store/ExperimentTracker.ts (they also need a ProcessLiveness).
 */
import { Layer } from "effect"
import { ActionCache } from "./ActionCache.js"
import { ArtifactCatalog } from "./ArtifactCatalog.js"
import { FileDigestCache } from "./FileDigestCache.js"
import { ObjectStore } from "./ObjectStore.js"
import type { NotAStore, StoreIOError } from "./StoreError.js"
import { StoreRoot } from "./StoreLayout.js"

export type StoreServices = StoreRoot | FileDigestCache | ObjectStore | ArtifactCatalog | ActionCache

/**
 * Every filesystem layer on one root directory: a store, or a new or empty directory that becomes
 * one (`openStore`); any other directory fails with `NotAStore` before anything is written.
 */
export const StoreLive = {
  layer: (root: string): Layer.Layer<StoreServices, StoreIOError | NotAStore> =>
    ActionCache.layerFileSystem.pipe(
      Layer.provideMerge(ArtifactCatalog.layerFileSystem),
      Layer.provideMerge(ObjectStore.layerFileSystem),
      Layer.provideMerge(FileDigestCache.layerFileSystem),
      Layer.provideMerge(StoreRoot.layerOpen(root))
    )
}

/** Every memory layer (objects in a Map; a private temp directory for `path`/`scratchPath`). */
export const StoreMemory = {
  layer: ActionCache.layerMemory.pipe(
    Layer.provideMerge(ArtifactCatalog.layerMemory),
    Layer.provideMerge(ObjectStore.layerMemory),
    Layer.provideMerge(FileDigestCache.layerMemory)
  ) satisfies Layer.Layer<Exclude<StoreServices, StoreRoot>, StoreIOError>
}
