/**
 * File digests cached by stat key (docs/DESIGN.md §3): (device, inode, size, mtime-ns, ctime-ns) → digest,
 * persisted under `cache/stat/<blake3(absolute path)>.json`, so an unchanged file is never re-hashed,
 * in this process or the next one.
 *
 * The ctime is in the key as in git's index: the mtime can be put back (`touch -r`, a copy that
 * preserves times, bit rot under a preserved mtime), the ctime cannot — every write, chmod, utimes,
 * link or rename sets it to the current time, and no user call sets it. Objects in the store carry a
 * fixed mtime (1 s after the epoch, as in the Nix store), so for them the ctime is what moves.
 *
 * Racy writes (git's "racily clean" problem): file timestamps are coarse (a kernel tick), so a file
 * rewritten in the same tick it was hashed keeps its mtime. A cached entry is therefore trusted only
 * when the file's mtime is strictly older than the entry file's own mtime (both taken from the same
 * filesystem clock); otherwise the file is hashed again and the entry rewritten. The ctime gets no
 * such check (it would re-hash every object just published, whose ctime is that very tick): a change
 * keeps the recorded ctime only if it lands in the same tick as the file's previous change, and on
 * Linux ≥ 6.13 (multigrain timestamps) not even then, as a ctime once read by stat is never given
 * to a later change.
 *
 * The cache is an optimisation: an entry that cannot be written (a read-only store, a full disk) is
 * skipped, never an error, so commands that only read work on a store they cannot write.
 *
 * `stats` counts the files actually hashed, so a test or a benchmark can prove that a rerun re-hashes
 * no unchanged file.
 */
import { Context, Effect, Layer, Option, Ref, Schema } from "effect"
import type { BigIntStats } from "node:fs"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import { Digest, hashFile, hashString, hexOf } from "./Digest.js"
import { StoreIOError } from "./StoreError.js"
import { layoutOf, type StoreLayout, type StoreRoot } from "./StoreLayout.js"
import { writeAtomic } from "./internal/atomicWrite.js"
import { attemptOptional, statBig, unlinkIfExists } from "./internal/fsOps.js"

export interface DigestCacheStats {
  /** Files whose bytes were read and hashed. */
  readonly filesHashed: number
  readonly bytesHashed: number
  /** Digests answered from the stat cache without reading the file. */
  readonly cacheHits: number
}

export interface FileDigestCacheShape {
  /**
   * The digest of the file at `path`. With `trust` (the default) a cached digest for an unchanged
   * stat key is returned without reading the file; `trust: false` always hashes (and refreshes the
   * entry). A missing file fails with `StoreIOError` reason ENOENT.
   */
  readonly digest: (path: string, options?: { readonly trust?: boolean }) => Effect.Effect<Digest, StoreIOError>
  /**
   * Records `digest` for the file's current stat key, for a writer that just produced the file and
   * knows its digest (the object store after a put). With `ino`, records only if the file is still
   * that inode.
   */
  readonly record: (path: string, digest: Digest, ino?: bigint) => Effect.Effect<void, StoreIOError>
  /** Drops the entry for `path` (the file was removed). */
  readonly forget: (path: string) => Effect.Effect<void, StoreIOError>
  readonly stats: Effect.Effect<DigestCacheStats>
}

const StatEntry = Schema.parseJson(
  Schema.Struct({
    path: Schema.String,
    dev: Schema.BigInt,
    ino: Schema.BigInt,
    size: Schema.BigInt,
    mtimeNs: Schema.BigInt,
    ctimeNs: Schema.BigInt,
    digest: Digest
  })
)
type StatEntry = typeof StatEntry.Type
const decodeEntry = Schema.decodeUnknownOption(StatEntry)
const encodeEntry = Schema.encodeSync(StatEntry)

/** The stat key: what a change to the file's bytes always changes (the ctime even when the mtime is put back). */
const sameKey = (
  a: Pick<BigIntStats, "dev" | "ino" | "size" | "mtimeNs" | "ctimeNs">,
  b: Pick<BigIntStats, "dev" | "ino" | "size" | "mtimeNs" | "ctimeNs">
): boolean => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs

const emptyStats: DigestCacheStats = { filesHashed: 0, bytesHashed: 0, cacheHits: 0 }

const hashCounted = (counters: Ref.Ref<DigestCacheStats>, path: string, size: bigint) =>
  hashFile(path).pipe(
    Effect.mapError((error) => StoreIOError.fromCode("hash", path, error.reason)),
    Effect.tap(() =>
      Ref.update(counters, (c) => ({ ...c, filesHashed: c.filesHashed + 1, bytesHashed: c.bytesHashed + Number(size) }))
    )
  )

const mustStat = (path: string) =>
  Effect.flatMap(statBig(path), (stats) =>
    stats === undefined ? Effect.fail(new StoreIOError({ operation: "stat", path, reason: "ENOENT" })) : Effect.succeed(stats)
  )

/** Where the entry for `path` lives: `cache/stat/<blake3(path) hex>.json`. */
export const statCacheEntryPath = (layout: StoreLayout, path: string): Effect.Effect<string> =>
  Effect.map(hashString(nodePath.resolve(path)), (digest) => layout.statCachePath(hexOf(digest)))

const makeFileSystem = (layout: StoreLayout) =>
  Effect.gen(function* () {
    const counters = yield* Ref.make(emptyStats)
    const entryPath = (path: string) => statCacheEntryPath(layout, path)

    /** The entry and its file's mtime; `undefined` when absent or unreadable (it is only a cache). */
    const readEntry = (file: string) =>
      attemptOptional("read", file, async () => {
        const handle = await fsp.open(file, "r")
        try {
          const stats = await handle.stat({ bigint: true })
          return { text: await handle.readFile("utf8"), writtenNs: stats.mtimeNs }
        } finally {
          await handle.close()
        }
      }).pipe(
        Effect.map((read) =>
          read === undefined
            ? undefined
            : Option.match(decodeEntry(read.text), {
                onNone: () => undefined,
                onSome: (entry) => ({ entry, writtenNs: read.writtenNs })
              })
        ),
        Effect.orElseSucceed(() => undefined)
      )

    /** Best effort: a store that cannot be written (EACCES, EPERM, EROFS, ENOSPC) just keeps no entry. */
    const writeEntry = (path: string, stats: BigIntStats, digest: Digest) =>
      Effect.flatMap(entryPath(path), (file) =>
        writeAtomic(
          layout,
          file,
          encodeEntry({
            path: nodePath.resolve(path),
            dev: stats.dev,
            ino: stats.ino,
            size: stats.size,
            mtimeNs: stats.mtimeNs,
            ctimeNs: stats.ctimeNs,
            digest
          }),
          { durable: false }
        )
      ).pipe(Effect.ignore)

    const digest: FileDigestCacheShape["digest"] = Effect.fn("FileDigestCache.digest")(function* (path, options) {
      const before = yield* mustStat(path)
      if (options?.trust ?? true) {
        const cached = yield* readEntry(yield* entryPath(path))
        if (cached !== undefined && sameKey(cached.entry, before) && before.mtimeNs < cached.writtenNs) {
          yield* Ref.update(counters, (c) => ({ ...c, cacheHits: c.cacheHits + 1 }))
          return cached.entry.digest
        }
      }
      const digest = yield* hashCounted(counters, path, before.size)
      const after = yield* statBig(path)
      // Record only if the file did not change while it was read.
      if (after !== undefined && sameKey(after, before)) {
        yield* writeEntry(path, before, digest)
      }
      return digest
    })

    const record: FileDigestCacheShape["record"] = (path, digest, ino) =>
      Effect.flatMap(statBig(path), (stats) =>
        stats === undefined || (ino !== undefined && stats.ino !== ino) ? Effect.void : writeEntry(path, stats, digest)
      )

    const forget: FileDigestCacheShape["forget"] = (path) => Effect.flatMap(entryPath(path), unlinkIfExists)

    return FileDigestCache.of({ digest, record, forget, stats: Ref.get(counters) })
  })

/** No persistence: every call hashes (for memory-backed stores and tests). */
const makeMemory = Effect.gen(function* () {
  const counters = yield* Ref.make(emptyStats)
  return FileDigestCache.of({
    digest: (path) => Effect.flatMap(mustStat(path), (stats) => hashCounted(counters, path, stats.size)),
    record: () => Effect.void,
    forget: () => Effect.void,
    stats: Ref.get(counters)
  })
})

export class FileDigestCache extends Context.Tag("pipeline/store/FileDigestCache")<
  FileDigestCache,
  FileDigestCacheShape
>() {
  static layerFileSystem: Layer.Layer<FileDigestCache, StoreIOError, StoreRoot> = Layer.effect(
    FileDigestCache,
    Effect.flatMap(layoutOf, makeFileSystem)
  )
  static layerMemory: Layer.Layer<FileDigestCache> = Layer.effect(FileDigestCache, makeMemory)
}

