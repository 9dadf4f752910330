/**
 * The artifact catalog: manifests (`artifacts/<id>.json`, write-once) over content-addressed objects.
 *
 * artifactId = "art_" + hex(blake3(canonical({digest, type, schemaVersion, logicalKey,
 * inputs: sorted ids}))) (DESIGN.md §3): two experiments that both produce an empty trades file get
 * distinct artifacts, and publishing the same thing twice yields the same id (idempotent).
 * Status (active | superseded | tombstoned) is the only mutable part and lives beside the manifest.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { Digest } from "./Digest.js"
import { ObjectStore } from "./ObjectStore.js"
import type { ArtifactNotFound, ObjectCorrupt, ObjectNotFound, RecordDecodeError, StoreIOError } from "./StoreError.js"
import type { CanonicalEncodingError } from "./Canonical.js"
import { layoutOf, type StoreRoot } from "./StoreLayout.js"
import * as catalog from "./internal/artifactCatalog.js"

export const ArtifactId = Schema.String.pipe(
  Schema.pattern(/^art_[0-9a-f]{64}$/, { message: () => "expected an artifact id of the form art_<64 hex>" }),
  Schema.brand("ArtifactId")
)
export type ArtifactId = typeof ArtifactId.Type

export const ArtifactStatus = Schema.Literal("active", "superseded", "tombstoned")
export type ArtifactStatus = typeof ArtifactStatus.Type

export const GitInfo = Schema.Struct({ commit: Schema.NullOr(Schema.String), dirty: Schema.Boolean })
export type GitInfo = typeof GitInfo.Type

export const Provenance = Schema.Struct({
  engineVersion: Schema.String,
  duckdbVersion: Schema.String,
  git: GitInfo
})
export type Provenance = typeof Provenance.Type

export const ProducedBy = Schema.Struct({ node: Schema.String, key: Schema.String })

export const ArtifactManifest = Schema.Struct({
  artifactId: ArtifactId,
  type: Schema.String,
  schemaVersion: Schema.Int,
  logicalKey: Schema.String,
  digest: Digest,
  bytes: Schema.NonNegativeInt,
  rowCount: Schema.NonNegativeInt,
  /** ISO-8601 UTC, µs precision; null for artifacts without a time column or with no rows. */
  minTs: Schema.NullOr(Schema.String),
  maxTs: Schema.NullOr(Schema.String),
  inputs: Schema.Array(ArtifactId),
  producedBy: ProducedBy,
  provenance: Provenance,
  status: ArtifactStatus,
  tags: Schema.Array(Schema.String),
  createdAt: Schema.String,
  /** Set with status "superseded" when `supersede(id, by)` named a successor (from the status overlay). */
  supersededBy: Schema.optionalWith(ArtifactId, { exact: true }),
  /** Free-form, schema-described by the artifact type (e.g. an import's quality summary). */
  metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})
export type ArtifactManifest = typeof ArtifactManifest.Type

export interface PublishRequest {
  /** A staged file (usually a scratch path); its bytes are moved or copied into the object store. */
  readonly file: string
  /** Rename `file` into the store instead of copying it when on the same filesystem (default false). */
  readonly move?: boolean
  readonly type: string
  readonly schemaVersion: number
  readonly logicalKey: string
  readonly rowCount: number
  readonly minTs: string | null
  readonly maxTs: string | null
  readonly inputs: ReadonlyArray<ArtifactId>
  readonly producedBy: typeof ProducedBy.Type
  readonly provenance: Provenance
  readonly tags?: ReadonlyArray<string>
  readonly metadata?: Record<string, unknown>
}

export interface ArtifactFilter {
  readonly type?: string
  readonly logicalKeyPrefix?: string
  readonly status?: ArtifactStatus
  readonly tag?: string
}

export interface LineageGraph {
  readonly root: ArtifactId
  readonly nodes: ReadonlyArray<ArtifactManifest>
  /** `from` consumed `to` for lineage (output → input); for downstream, `from` is the input. */
  readonly edges: ReadonlyArray<{ readonly from: ArtifactId; readonly to: ArtifactId }>
}

export type CatalogError = StoreIOError | RecordDecodeError

/** Candidates an `AmbiguousArtifactId` message names; the error itself carries every one. */
export const AMBIGUOUS_LISTED = 10

/** A prefix given to `resolve` matches more than one artifact (`candidates`: every match, sorted). */
export class AmbiguousArtifactId extends Schema.TaggedError<AmbiguousArtifactId>()("AmbiguousArtifactId", {
  prefix: Schema.String,
  candidates: Schema.Array(Schema.String)
}) {
  override get message() {
    const listed = this.candidates.slice(0, AMBIGUOUS_LISTED).join(", ")
    const more = this.candidates.length - AMBIGUOUS_LISTED
    return `artifact id prefix ${this.prefix} is ambiguous: it matches ${this.candidates.length} artifacts (${listed}${
      more > 0 ? `, and ${more} more` : ""
    }); give more characters`
  }
}

export interface ArtifactCatalogShape {
  /** Puts the file into the object store, then writes the manifest (object before manifest). */
  readonly publish: (
    request: PublishRequest
  ) => Effect.Effect<ArtifactManifest, CatalogError | ArtifactNotFound | CanonicalEncodingError>
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
