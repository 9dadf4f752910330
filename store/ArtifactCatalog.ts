/**
 * The artifact catalog: manifests (`artifacts/<id>.json`, write-once) over content-addressed objects.
 *
 * artifactId = "art_" + hex(blake3(canonical({digest, type, schemaVersion, logicalKey,
 * inputs: sorted ids}))) (docs/DESIGN.md §3): two experiments that both produce an empty trades file get
 * distinct artifacts, and publishing the same thing twice yields the same id (idempotent).
 * Status (active | superseded | tombstoned) is the only mutable part and lives beside the manifest.
 */
import { Context, Effect, Layer } from "effect"
import { ObjectStore } from "./ObjectStore.js"
import type { ArtifactNotFound, ObjectCorrupt, ObjectNotFound, StoreIOError } from "./StoreError.js"
import type { CanonicalEncodingError } from "./Canonical.js"
import { layoutOf, type StoreRoot } from "./StoreLayout.js"
import * as catalog from "./internal/artifactCatalog.js"
import {
  AmbiguousArtifactId,
  ArtifactFilter,
  ArtifactId,
  ArtifactManifest,
  CatalogError,
  LineageGraph,
  PublishRequest
} from "./ArtifactRecords.js"
export * from "./ArtifactRecords.js"

export interface ArtifactCatalogShape {
  /** Puts the file into the object store, then writes the manifest (object before manifest). */
  readonly publish: (
    request: PublishRequest
  ) => Effect.Effect<ArtifactManifest, CatalogError | ArtifactNotFound | CanonicalEncodingError>
  /**
   * Records a manifest made elsewhere (a remote's), without staging a file: it must hash to its id,
   * its inputs must be on record, and its object must be in the store or promised by a remote
   * (`ObjectStore.promise`, written first). Index markers, then the manifest (write-once; one that
   * does not hash to its id is replaced). Returns the manifest on record.
   */
  readonly record: (
    manifest: ArtifactManifest
  ) => Effect.Effect<ArtifactManifest, CatalogError | ArtifactNotFound | ObjectNotFound>
  readonly get: (id: ArtifactId) => Effect.Effect<ArtifactManifest, ArtifactNotFound | CatalogError>
  /** Resolves a full id or any unique prefix of one (`art_2d83`, or bare hex `2d83`); an ambiguous prefix fails listing its matches. */
  readonly resolve: (
    idOrPrefix: string
  ) => Effect.Effect<ArtifactManifest, ArtifactNotFound | AmbiguousArtifactId | CatalogError>
  /** Sorted by (type, logicalKey, createdAt, artifactId): a stable order for display and selectors. */
  readonly list: (filter?: ArtifactFilter) => Effect.Effect<ReadonlyArray<ArtifactManifest>, CatalogError>
  /** Marks `id` superseded (by `by`, when given). */
  readonly supersede: (id: ArtifactId, by?: ArtifactId) => Effect.Effect<void, ArtifactNotFound | CatalogError>
  readonly tombstone: (id: ArtifactId) => Effect.Effect<void, ArtifactNotFound | CatalogError>
  /** Inputs, recursively, `depth` levels deep (default: all). */
  readonly lineage: (
    id: ArtifactId,
    options?: { readonly depth?: number }
  ) => Effect.Effect<LineageGraph, ArtifactNotFound | CatalogError>
  /** Consumers, recursively. */
  readonly downstream: (
    id: ArtifactId,
    options?: { readonly depth?: number }
  ) => Effect.Effect<LineageGraph, ArtifactNotFound | CatalogError>
  /** Path of the artifact's data file, after checking the object is present and intact. */
  readonly dataPath: (
    id: ArtifactId
  ) => Effect.Effect<string, ArtifactNotFound | ObjectNotFound | ObjectCorrupt | CatalogError>
  /**
   * The manifest on record, as stored: not checked against its id (fsck). Every other reader treats
   * a manifest that does not hash to its id as absent.
   */
  readonly recorded: (id: ArtifactId) => Effect.Effect<ArtifactManifest | undefined, CatalogError>
  /** Removes a manifest (gc only). */
  readonly remove: (id: ArtifactId) => Effect.Effect<void, StoreIOError>
}

export class ArtifactCatalog extends Context.Tag("pipeline/store/ArtifactCatalog")<
  ArtifactCatalog,
  ArtifactCatalogShape
>() {
  /** Manifests under `artifacts/` of the `StoreRoot`, objects in the given `ObjectStore`. */
  static layerFileSystem: Layer.Layer<ArtifactCatalog, StoreIOError, StoreRoot | ObjectStore> = Layer.effect(
    ArtifactCatalog,
    Effect.suspend(() =>
      Effect.map(Effect.zip(layoutOf, ObjectStore), ([layout, objects]) =>
        catalog.make(catalog.fileSystemBackend(layout), objects)
      )
    )
  )
  /** Manifests in memory, objects in the given `ObjectStore`. */
  static layerMemory: Layer.Layer<ArtifactCatalog, never, ObjectStore> = Layer.effect(
    ArtifactCatalog,
    Effect.suspend(() => Effect.map(ObjectStore, (objects) => catalog.make(catalog.memoryBackend(), objects)))
  )
}
