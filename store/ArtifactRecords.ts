/** The artifact catalog's records: ids, manifests with provenance, publish requests, lineage. */
import { Schema } from "effect"
import { Digest } from "./Digest.js"
import type { RecordDecodeError, StoreIOError } from "./StoreError.js"

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
