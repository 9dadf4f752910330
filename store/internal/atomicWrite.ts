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
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { StoreIOError } from "../StoreError.js"
import type { StoreLayout } from "../StoreLayout.js"
import {
  attempt,
  attemptSync,
  createdParents,
  errnoOf,
  exists,
  fsyncDirs,
  fsyncFd,
  unlinkIfExists
} from "./fsOps.js"
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

/**
 * Writes `bytes` (a record: a few KiB) to a new file (`wx`: never an existing one) and fsyncs it
 * when durable. Open, write and close are synchronous; only the fsync goes through the thread pool.
 */
export const writeNewFile = (
  path: string,
  bytes: Uint8Array | string,
  options: WriteOptions = {}
): Effect.Effect<void, StoreIOError> =>
  attempt("write", path, async () => {
    const fd = fs.openSync(path, "wx", options.mode ?? 0o644)
    try {
      fs.writeFileSync(fd, bytes)
      if (options.durable ?? true) await fsyncFd(fd)
    } finally {
      fs.closeSync(fd)
    }
  })

/**
 * `mkdir -p` of `dir`; with `durable`, the directories whose entries changed — the parents of what
 * it created — are returned, to be fsynced together with `dir` itself after the link or rename.
 */
const prepareDir = (dir: string, durable: boolean): Effect.Effect<ReadonlyArray<string>, StoreIOError> =>
  attemptSync("mkdir", dir, () => {
    const created = fs.mkdirSync(dir, { recursive: true })
    return durable && created !== undefined ? createdParents(dir, created) : []
  })

/** Renames a finished temp file over `dest` (atomic replace), then fsyncs the directory. */
export const commitReplace = (
  tempPath: string,
  dest: string,
  options: WriteOptions = {}
): Effect.Effect<void, StoreIOError> =>
  Effect.gen(function* () {
    const dir = nodePath.dirname(dest)
    const durable = options.durable ?? true
    const parents = yield* prepareDir(dir, durable)
    yield* attemptSync("rename", dest, () => fs.renameSync(tempPath, dest))
    if (durable) yield* fsyncDirs([dir, ...parents])
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
    const durable = options.durable ?? true
    const parents = yield* prepareDir(dir, durable)
    const outcome = yield* attemptSync("link", dest, (): WriteOnceOutcome | "unsupported" => {
      try {
        fs.linkSync(tempPath, dest)
        return "written"
      } catch (error) {
        const code = errnoOf(error)
        if (code === "EEXIST") return "exists"
        if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS" || code === "EOPNOTSUPP") return "unsupported"
        throw error
      }
    })
    // A directory created on the way is made durable even when another writer's file won.
    if (outcome === "exists") {
      if (parents.length > 0) yield* fsyncDirs(parents)
      return outcome
    }
    if (outcome === "unsupported") {
      if (yield* exists(dest)) return "exists" as const
      yield* attemptSync("rename", dest, () => fs.renameSync(tempPath, dest))
    }
    if (durable) yield* fsyncDirs([dir, ...parents])
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
 * created in place (`wx`; EEXIST means another writer made it) and only its directory is fsynced
 * (with the parent of a directory created for it, at the same time): 1 fsync round instead of the
 * temp-file path's 2.
 */
export const touchOnce = (dest: string): Effect.Effect<void, StoreIOError> => {
  const dir = nodePath.dirname(dest)
  return Effect.flatMap(prepareDir(dir, true), (parents) =>
    Effect.flatMap(
      attemptSync("write", dest, () => {
        try {
          fs.closeSync(fs.openSync(dest, "wx", 0o644))
          return true
        } catch (error) {
          if (errnoOf(error) === "EEXIST") return false
          throw error
        }
      }),
      (created) => fsyncDirs(created ? [dir, ...parents] : parents)
    )
  )
}
