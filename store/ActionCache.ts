/**
 * The action cache: node key → the artifacts that node produced (docs/DESIGN.md §3).
 *
 * An entry is written only after its objects and manifests are durable (CAS before AC, as Bazel does).
 * A lookup re-checks that every output's manifest and object exist and are intact; anything else is
 * a miss with that reason, never a hit. Entries carry their key material so `explain` can diff it,
 * and the latest key per node identity is remembered so "what changed since last time" is one read.
 */
import { Context, Effect, Layer } from "effect"
import { ArtifactCatalog } from "./ArtifactCatalog.js"
import { Digest } from "./Digest.js"
import { ObjectStore } from "./ObjectStore.js"
import type { RecordDecodeError, StoreIOError } from "./StoreError.js"
import { layoutOf, type StoreRoot } from "./StoreLayout.js"
import * as actions from "./internal/actionCache.js"
import { ActionEntry, GroupEntry, IdentityPointer, Lookup } from "./ActionRecords.js"
export * from "./ActionRecords.js"

export interface ActionCacheShape {
  readonly lookup: (key: Digest) => Effect.Effect<Lookup, StoreIOError>
  /** Idempotent: a second put of the same key is a no-op (first writer wins; outputs are identical). */
  readonly put: (entry: ActionEntry) => Effect.Effect<void, StoreIOError>
  /** The raw entry, unchecked (explain, verify, gc). */
  readonly get: (key: Digest) => Effect.Effect<ActionEntry | undefined, StoreIOError | RecordDecodeError>
  readonly list: () => Effect.Effect<ReadonlyArray<ActionEntry>, StoreIOError | RecordDecodeError>
  readonly remove: (key: Digest) => Effect.Effect<void, StoreIOError>
  readonly lastForIdentity: (identity: string) => Effect.Effect<IdentityPointer | undefined, StoreIOError>
  readonly rememberIdentity: (pointer: IdentityPointer) => Effect.Effect<void, StoreIOError>
  /** Idempotent (first writer wins), like `put`; the group's outputs must already be durable. */
  readonly putGroup: (group: GroupEntry) => Effect.Effect<void, StoreIOError>
  /**
   * For each of `keys` that is a member of a sound group entry (decodable, outputs intact): that
   * group. Malformed groups and groups whose outputs are gone are skipped (their keys miss).
   */
  readonly lookupMembers: (
    keys: ReadonlyArray<Digest>,
    options?: {
      /** Default true. False returns groups whose outputs are gone or corrupt too (verify re-hashes them itself). */
      readonly requireSoundOutputs?: boolean
    }
  ) => Effect.Effect<ReadonlyMap<Digest, GroupEntry>, StoreIOError>
}

export class ActionCache extends Context.Tag("pipeline/store/ActionCache")<ActionCache, ActionCacheShape>() {
  /** Entries under `actions/` of the `StoreRoot`; lookups check outputs in the given catalog and objects. */
  static layerFileSystem: Layer.Layer<ActionCache, StoreIOError, StoreRoot | ArtifactCatalog | ObjectStore> =
    Layer.effect(
      ActionCache,
      Effect.suspend(() =>
        Effect.map(Effect.all([layoutOf, ArtifactCatalog, ObjectStore]), ([layout, catalog, objects]) =>
          actions.make(actions.fileSystemBackend(layout), catalog, objects)
        )
      )
    )
  static layerMemory: Layer.Layer<ActionCache, never, ArtifactCatalog | ObjectStore> = Layer.effect(
    ActionCache,
    Effect.suspend(() =>
      Effect.map(Effect.all([ArtifactCatalog, ObjectStore]), ([catalog, objects]) =>
        actions.make(actions.memoryBackend(), catalog, objects)
      )
    )
  )
}
