/**
 * The store services on a PostgreSQL catalog: artifact manifests with lineage, the action cache and
 * the experiment tracker live in the database (shared by every process and machine that reaches
 * it); object bytes stay in the local store directory (content-addressed, verified on read), as does
 * the file digest cache. Each layer is the same service the filesystem and memory layers implement,
 * derived from the same rules, over a PostgreSQL backend core.
 */
import { Effect, Layer } from "effect"
import { ActionCache } from "../ActionCache.js"
import { ArtifactCatalog } from "../ArtifactCatalog.js"
import { DEFAULT_STALE_AFTER_MS, ExperimentTracker, type ProcessLiveness, type TrackerOptions } from "../ExperimentTracker.js"
import { FileDigestCache } from "../FileDigestCache.js"
import { ObjectStore } from "../ObjectStore.js"
import type { NotAStore, StoreIOError } from "../StoreError.js"
import { StoreRoot } from "../StoreLayout.js"
import type { StoreServices } from "../StoreLive.js"
import * as actions from "../internal/actionCache.js"
import * as catalog from "../internal/artifactCatalog.js"
import { make as makeTracker } from "../internal/experimentTracker.js"
import { PostgresCatalog, PostgresCatalogLive, type PostgresCatalogOptions } from "./PostgresCatalog.js"
import { actionBackend } from "./internal/actionBackend.js"
import { catalogBackend } from "./internal/catalogBackend.js"
import { trackerRecords } from "./internal/trackerRecords.js"

/** Manifests, lineage and status in the catalog database; objects in the given `ObjectStore`. */
export const artifactCatalogPostgres: Layer.Layer<ArtifactCatalog, never, PostgresCatalog | ObjectStore> = Layer.effect(
  ArtifactCatalog,
  Effect.map(Effect.zip(PostgresCatalog, ObjectStore), ([{ sql }, objects]) => catalog.make(catalogBackend(sql), objects))
)

/** Action entries, group entries and identity pointers in the catalog database. */
export const actionCachePostgres: Layer.Layer<ActionCache, never, PostgresCatalog | ArtifactCatalog | ObjectStore> =
  Layer.effect(
    ActionCache,
    Effect.map(Effect.all([PostgresCatalog, ArtifactCatalog, ObjectStore]), ([{ sql }, artifacts, objects]) =>
      actions.make(actionBackend(sql), artifacts, objects)
    )
  )

/** Experiments and runs in the catalog database; transitions and heartbeats in transactions. */
export const experimentTrackerPostgres = (
  options?: TrackerOptions
): Layer.Layer<ExperimentTracker, never, PostgresCatalog | ProcessLiveness> =>
  Layer.effect(
    ExperimentTracker,
    Effect.flatMap(PostgresCatalog, ({ sql }) => makeTracker(trackerRecords(sql), options?.staleAfterMs ?? DEFAULT_STALE_AFTER_MS))
  )

export const StorePostgres = {
  /**
   * `StoreLive.layer(root)`'s services with the catalog, action cache and (with `tracker`) the
   * experiment tracker in the PostgreSQL database at `options.url`; objects under `root`. Fails
   * with StoreIOError when the database cannot be reached or migrated, NotAStore as StoreLive does.
   */
  layer: (
    root: string,
    options: PostgresCatalogOptions
  ): Layer.Layer<StoreServices | PostgresCatalog, StoreIOError | NotAStore> =>
    actionCachePostgres.pipe(
      Layer.provideMerge(artifactCatalogPostgres),
      Layer.provideMerge(ObjectStore.layerFileSystem),
      Layer.provideMerge(FileDigestCache.layerFileSystem),
      Layer.provideMerge(StoreRoot.layerOpen(root)),
      Layer.provideMerge(PostgresCatalogLive.layer(options))
    )
}
