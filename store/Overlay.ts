/**
 * A copy-on-write view of a filesystem store, for work whose results must not land in it
 * (`pipeline verify` re-executes every node and publishes its recomputed artifacts here).
 *
 * `overlayLayer(mainRoot)` provides an `ObjectStore` and an `ArtifactCatalog` whose writes
 * (putFile, putBytes, publish, scratchPath, supersede, tombstone) go to a scratch store — by
 * default a fresh directory under the main store's tmp/ — and whose reads (has, read, path,
 * verify, get, resolve, list, dataPath, lineage, downstream) look in the scratch store first, then
 * in the main store. The scratch store is removed, objects and all, when the layer's scope closes
 * (success, failure or interruption); gc sweeps it if the process died.
 *
 * The ActionCache and the ExperimentTracker are not overlaid: keep the main store's (a forced
 * execution only reads the action cache). Nothing is ever written to the main store's objects/ or
 * artifacts/ through the overlay; `remove` only removes scratch entries.
 */
import { Context, Effect, Layer } from "effect"
import { ArtifactCatalog, type ArtifactCatalogShape } from "./ArtifactCatalog.js"
import { ObjectStore, type ObjectStoreShape } from "./ObjectStore.js"
import type { StoreIOError } from "./StoreError.js"
import * as overlay from "./internal/overlay.js"

export interface StoreOverlayShape {
  /** Absolute path of the main store. */
  readonly mainRoot: string
  /** Absolute path of the scratch store (removed when the overlay closes). */
  readonly scratchRoot: string
  /** The main store's own object store and catalog, for reading what it holds (never write through them). */
  readonly main: { readonly objects: ObjectStoreShape; readonly catalog: ArtifactCatalogShape }
}

/** Where an overlay's writes go and what it reads through: provided next to the overlaid services. */
export class StoreOverlay extends Context.Tag("pipeline/store/StoreOverlay")<StoreOverlay, StoreOverlayShape>() {}

/**
 * ObjectStore + ArtifactCatalog (+ StoreOverlay) over the filesystem store at `mainRoot`, writing
 * to `scratchRoot` (default: `<mainRoot>/tmp/overlay-<pid>-<n>-<random>`), which is created when the
 * layer is built and removed when it is released.
 */
export const overlayLayer = (
  mainRoot: string,
  scratchRoot?: string
): Layer.Layer<ObjectStore | ArtifactCatalog | StoreOverlay, StoreIOError> =>
  Layer.scopedContext(
    Effect.map(overlay.make(mainRoot, scratchRoot), (parts) =>
      Context.make(ObjectStore, parts.objects).pipe(
        Context.add(ArtifactCatalog, parts.catalog),
        Context.add(StoreOverlay, { mainRoot: parts.mainRoot, scratchRoot: parts.scratchRoot, main: parts.main })
      ))
  )
