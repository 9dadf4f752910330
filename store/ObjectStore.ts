/**
 * Content-addressed blobs: `objects/ab/<hex>`, immutable, deduplicated by digest.
 *
 * Writes are atomic (temp file in tmp/ → fsync → rename → fsync dir) and idempotent: putting bytes
 * that are already stored is a no-op. Nodes stage their outputs in scratch space from `scratchPath`,
 * which is removed when the scope closes, so an interrupted node leaves nothing behind.
 */
import { Context, Effect, Layer, type Scope } from "effect"
import type { Digest } from "./Digest.js"
import { FileDigestCache } from "./FileDigestCache.js"
import type { ObjectCorrupt, ObjectNotFound, StoreIOError } from "./StoreError.js"
import { layoutOf, type StoreRoot } from "./StoreLayout.js"
import * as fileSystem from "./internal/objectStoreFileSystem.js"
import * as memory from "./internal/objectStoreMemory.js"

export interface StoredObject {
  readonly digest: Digest
  readonly bytes: number
}

/** A remote-backed object: `location` holds it, this store does not (yet). */
export interface PromisedObject {
  readonly digest: Digest
  readonly location: string
}

export type VerifyResult =
  | { readonly _tag: "Intact"; readonly digest: Digest }
  | { readonly _tag: "Missing"; readonly digest: Digest }
  | { readonly _tag: "Corrupt"; readonly digest: Digest; readonly actual: Digest }

/** A file staged by `stageFile`: its digest is known, nothing is durable until `commit` has run. */
export interface StagedObject extends StoredObject {
  /** Makes the object durable in the store (what `putFile` does after hashing). */
  readonly commit: Effect.Effect<StoredObject, StoreIOError>
}

export interface ObjectStoreShape {
  /** Hashes the file while copying it into the store; `move: true` renames instead when it can. */
  readonly putFile: (path: string, options?: { readonly move?: boolean }) => Effect.Effect<StoredObject, StoreIOError>
  /**
   * Optional: `putFile` in two steps, so a caller can start other work that needs the digest (the
   * catalog's manifest and index markers) while the object is made durable. The staging is undone
   * when the scope closes unless `commit` ran.
   */
  readonly stageFile?: (
    path: string,
    options?: { readonly move?: boolean }
  ) => Effect.Effect<StagedObject, StoreIOError, Scope.Scope>
  readonly putBytes: (bytes: Uint8Array) => Effect.Effect<StoredObject, StoreIOError>
  readonly has: (digest: Digest) => Effect.Effect<boolean, StoreIOError>
  readonly read: (digest: Digest) => Effect.Effect<Uint8Array, ObjectNotFound | StoreIOError>
  /** A path a reader (DuckDB, any Parquet reader) can open; fails if the object is absent. */
  readonly path: (digest: Digest) => Effect.Effect<string, ObjectNotFound | StoreIOError>
  /**
   * Re-hashes the object. `trustStatCache: true` accepts a digest cached for an unchanged
   * (device, inode, size, mtime) — what cache lookups use; fsck and verify pass false.
   */
  readonly verify: (
    digest: Digest,
    options?: { readonly trustStatCache?: boolean }
  ) => Effect.Effect<VerifyResult, StoreIOError>
  /** Like `verify` but fails unless intact: what readers call before serving an object. */
  readonly ensureIntact: (digest: Digest) => Effect.Effect<void, ObjectNotFound | ObjectCorrupt | StoreIOError>
  readonly list: () => Effect.Effect<ReadonlyArray<StoredObject>, StoreIOError>
  /**
   * Records that the remote at `location` holds `digest` and this store has not downloaded it (a
   * manifest here names it: a remote-backed artifact). Written before such a manifest, as an object
   * is before its own; kept when the object arrives (it then says nothing more).
   */
  readonly promise: (digest: Digest, location: string) => Effect.Effect<void, StoreIOError>
  /** The remote said to hold `digest` (`promise`), or undefined. Says nothing about the local copy. */
  readonly promisedBy: (digest: Digest) => Effect.Effect<string | undefined, StoreIOError>
  /** Every promised digest with its remote (fsck, gc). */
  readonly listPromised: () => Effect.Effect<ReadonlyArray<PromisedObject>, StoreIOError>
  /** Forgets a promise (gc, when no manifest names the digest any more). */
  readonly forgetPromise: (digest: Digest) => Effect.Effect<void, StoreIOError>
  readonly remove: (digest: Digest) => Effect.Effect<void, StoreIOError>
  /**
   * A fresh path under the store's tmp/ (same filesystem as objects/), deleted when the scope closes.
   * `suffix` is made of `[A-Za-z0-9._-]` (TempName.ts; else InvalidSuffix).
   */
  readonly scratchPath: (suffix: string) => Effect.Effect<string, StoreIOError, Scope.Scope>
  /** The store's root directory, for display only. */
  readonly root: string
}

export class ObjectStore extends Context.Tag("pipeline/store/ObjectStore")<ObjectStore, ObjectStoreShape>() {
  /**
   * `objects/ab/<hex>` under the `StoreRoot`; file digests go through `FileDigestCache` (provide
   * `FileDigestCache.layerFileSystem` on the same root, as `StoreLive.layer` does).
   */
  static layerFileSystem: Layer.Layer<ObjectStore, StoreIOError, StoreRoot | FileDigestCache> = Layer.effect(
    ObjectStore,
    Effect.suspend(() =>
      Effect.flatMap(Effect.zip(layoutOf, FileDigestCache), ([layout, digests]) => fileSystem.make(layout, digests))
    )
  )
  /** A Map of digest → bytes; `path` and `scratchPath` use a private temp directory removed with the layer. */
  static layerMemory: Layer.Layer<ObjectStore, StoreIOError> = Layer.scoped(
    ObjectStore,
    Effect.suspend(() => memory.make)
  )
}
