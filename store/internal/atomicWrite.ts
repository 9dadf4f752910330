/**
 * Atomic writes into the store: temp file in tmp/ (same filesystem) → fsync → rename or link →
 * fsync the directory. Readers never see a partial file; a crash leaves at most debris in tmp/.
 *
 * - `writeAtomic` replaces the destination (status overlays, identity pointers, tracker records).
 * - `writeOnce` keeps the first writer's file: it hard-links the temp file to the destination, which
 *   fails with EEXIST when another writer got there first (no check-then-rename race), so concurrent
 *   writers of the same record agree on one file and the loser reads the winner's bytes back.
 *
 * The temp file is removed on every exit (success, failure, interruption).
 */
import { Effect } from "effect"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import type { StoreIOError } from "../StoreError.js"
import type { StoreLayout } from "../StoreLayout.js"
import { attempt, errnoOf, exists, fsyncDir, mkdirp, mkdirpDurable, unlinkIfExists } from "./fsOps.js"
import { type TempKind, tempName } from "../TempName.js"

export { toStoreIOError } from "./fsOps.js"

export interface WriteOptions {
  /** fsync the file and its directory (default true). Caches pass false: losing one is harmless. */
  readonly durable?: boolean
  /** File mode of the new file (default 0o644; objects use 0o444). */
  readonly mode?: number
}

export type WriteOnceOutcome = "written" | "exists"

/** A fresh temp path under tmp/, removed when `use` ends, whatever the outcome. */
export const withTempPath = <A, E, R>(
  layout: StoreLayout,
  kind: TempKind,
  use: (tempPath: string) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => layout.tmpPath(tempName(kind))),
    use,
    (tempPath) => Effect.ignore(unlinkIfExists(tempPath))
  )

/** Writes `bytes` to a new file (`wx`: never an existing one) and fsyncs it when durable. */
export const writeNewFile = (
  path: string,
  bytes: Uint8Array | string,
  options: WriteOptions = {}
): Effect.Effect<void, StoreIOError> =>
  attempt("write", path, async () => {
    const handle = await fsp.open(path, "wx", options.mode ?? 0o644)
    try {
      await handle.writeFile(bytes)
      if (options.durable ?? true) await handle.sync()
    } finally {
      await handle.close()
    }
  })

/** Renames a finished temp file over `dest` (atomic replace), then fsyncs the directory. */
export const commitReplace = (
  tempPath: string,
  dest: string,
  options: WriteOptions = {}
): Effect.Effect<void, StoreIOError> =>
  Effect.gen(function* () {
    const dir = nodePath.dirname(dest)
    yield* (options.durable ?? true ? mkdirpDurable(dir) : mkdirp(dir))
    yield* attempt("rename", dest, () => fsp.rename(tempPath, dest))
    if (options.durable ?? true) yield* fsyncDir(dir)
  })

/**
 * Links a finished temp file to `dest` unless `dest` exists (first writer wins), then fsyncs the
 * directory. Filesystems without hard links fall back to exists-check + rename, which is still
 * atomic and, for content-addressed files, equivalent.
 */
export const commitOnce = (
  tempPath: string,
  dest: string,
  options: WriteOptions = {}
): Effect.Effect<WriteOnceOutcome, StoreIOError> =>
  Effect.gen(function* () {
    const dir = nodePath.dirname(dest)
    yield* (options.durable ?? true ? mkdirpDurable(dir) : mkdirp(dir))
    const outcome = yield* attempt("link", dest, async (): Promise<WriteOnceOutcome | "unsupported"> => {
      try {
        await fsp.link(tempPath, dest)
        return "written"
      } catch (error) {
        const code = errnoOf(error)
        if (code === "EEXIST") return "exists"
        if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS" || code === "EOPNOTSUPP") return "unsupported"
        throw error
      }
    })
    if (outcome === "exists") return outcome
    if (outcome === "unsupported") {
      if (yield* exists(dest)) return "exists" as const
      yield* attempt("rename", dest, () => fsp.rename(tempPath, dest))
    }
    if (options.durable ?? true) yield* fsyncDir(dir)
    return "written" as const
  })

/** temp → fsync → rename → fsync dir. */
export const writeAtomic = (
  layout: StoreLayout,
  dest: string,
  bytes: Uint8Array | string,
  options: WriteOptions = {}
): Effect.Effect<void, StoreIOError> =>
  withTempPath(layout, "write", (tempPath) =>
    Effect.zipRight(writeNewFile(tempPath, bytes, options), commitReplace(tempPath, dest, options))
  )

/** temp → fsync → link (EEXIST: no-op) → fsync dir. Returns whether this call wrote the file. */
export const writeOnce = (
  layout: StoreLayout,
  dest: string,
  bytes: Uint8Array | string,
  options: WriteOptions = {}
): Effect.Effect<WriteOnceOutcome, StoreIOError> =>
  Effect.flatMap(exists(dest), (present) =>
    present
      ? Effect.succeed("exists" as const)
      : withTempPath(layout, "write", (tempPath) =>
          Effect.zipRight(writeNewFile(tempPath, bytes, options), commitOnce(tempPath, dest, options))
        )
  )

/**
 * An empty marker file (index entries), durable. An empty file has no bytes to tear, so it is
 * created in place (`wx`; EEXIST means another writer made it) and only its directory is fsynced:
 * 1 fsync and 5 round trips instead of the temp-file path's 2 fsyncs and 9.
 */
export const touchOnce = (dest: string): Effect.Effect<void, StoreIOError> => {
  const dir = nodePath.dirname(dest)
  return Effect.zipRight(
    mkdirpDurable(dir),
    Effect.flatMap(
      attempt("write", dest, async () => {
        try {
          await (await fsp.open(dest, "wx", 0o644)).close()
          return true
        } catch (error) {
          if (errnoOf(error) === "EEXIST") return false
          throw error
        }
      }),
      (created) => (created ? fsyncDir(dir) : Effect.void)
    )
  )
}
