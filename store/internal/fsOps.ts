/**
 * The store's filesystem calls for its records, objects and directories. Every failure becomes a
 * `StoreIOError` (through `StoreIOError.fromCause`) with the errno code (ENOSPC, EACCES, EROFS,
 * ENOENT, …) as its `reason`, so callers branch on a code and never on message text. (Hashing
 * (Digest.ts), the stat cache, the layout check and gc's directory walk call node:fs themselves.)
 *
 * Small metadata calls (stat, mkdir, link, rename, unlink, opening and closing, reading a record of
 * a few KiB) are made synchronously: each is a few microseconds of kernel work, while the same call
 * through the thread pool and a promise costs 0.1–0.3 ms of CPU and a round trip through the event
 * loop (measured here: an async stat ~84 µs CPU, readFile of a small file ~310 µs, their sync forms
 * 2–8 µs), and a publish makes dozens of them. What waits on the disk — fsync, bulk reads and
 * writes — stays asynchronous, so independent fsyncs run at the same time and never block the
 * event loop.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import type { BigIntStats } from "node:fs"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import { StoreIOError } from "../StoreError.js"
import { parseTempName } from "../TempName.js"

/** The errno code of a Node error, if it has one. */
export const errnoOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

/** The one mapping from a thrown fs error to the store's error. */
export const toStoreIOError =
  (operation: string, path: string) =>
  (cause: unknown): StoreIOError =>
    StoreIOError.fromCause(operation, path, cause)

/** Runs a promise-returning fs call; rejections become `StoreIOError(operation, path, errno)`. */
export const attempt = <A>(
  operation: string,
  path: string,
  run: (signal: AbortSignal) => PromiseLike<A>
): Effect.Effect<A, StoreIOError> => Effect.tryPromise({ try: run, catch: toStoreIOError(operation, path) })

/** Runs a small synchronous fs call; a throw becomes `StoreIOError(operation, path, errno)`. */
export const attemptSync = <A>(operation: string, path: string, run: () => A): Effect.Effect<A, StoreIOError> =>
  Effect.try({ try: run, catch: toStoreIOError(operation, path) })

/** `attemptSync` with `undefined` instead of a failure when the file does not exist. */
export const attemptSyncOptional = <A>(operation: string, path: string, run: () => A): Effect.Effect<A | undefined, StoreIOError> =>
  attemptSync(operation, path, () => {
    try {
      return run()
    } catch (error) {
      if (errnoOf(error) === "ENOENT") return undefined
      throw error
    }
  })

/** fsync of an open descriptor through the thread pool (it waits on the disk). */
export const fsyncFd = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())))

/** `undefined` instead of a failure when the file does not exist. */
export const attemptOptional = <A>(
  operation: string,
  path: string,
  run: () => PromiseLike<A>
): Effect.Effect<A | undefined, StoreIOError> =>
  attempt(operation, path, async () => {
    try {
      return await run()
    } catch (error) {
      if (errnoOf(error) === "ENOENT") return undefined
      throw error
    }
  })

export const statBig = (path: string): Effect.Effect<BigIntStats | undefined, StoreIOError> =>
  attemptSync("stat", path, () => fs.statSync(path, { bigint: true, throwIfNoEntry: false }))

/** Like `statBig` but about the entry itself: a symbolic link is reported as one, never followed. */
export const lstatBig = (path: string): Effect.Effect<BigIntStats | undefined, StoreIOError> =>
  attemptSync("stat", path, () => fs.lstatSync(path, { bigint: true, throwIfNoEntry: false }))

/** Where a symbolic link points (not followed); `undefined` when it is gone. */
export const readLink = (path: string): Effect.Effect<string | undefined, StoreIOError> =>
  attemptOptional("readlink", path, () => fsp.readlink(path))

export const exists = (path: string): Effect.Effect<boolean, StoreIOError> =>
  Effect.map(statBig(path), (stats) => stats !== undefined)

/** The text of a record (a manifest, an entry: a few KiB), read synchronously. */
export const readText = (path: string): Effect.Effect<string | undefined, StoreIOError> =>
  attemptSyncOptional("read", path, () => fs.readFileSync(path, "utf8"))

export const readBytes = (path: string): Effect.Effect<Uint8Array | undefined, StoreIOError> =>
  attemptOptional("read", path, () => fsp.readFile(path))

/** Entry names of a directory; `[]` when it does not exist. Sorted, so listings are stable. */
export const readDir = (path: string): Effect.Effect<ReadonlyArray<string>, StoreIOError> =>
  Effect.map(attemptOptional("readdir", path, () => fsp.readdir(path)), (names) => (names ?? []).sort())

export const mkdirp = (path: string): Effect.Effect<void, StoreIOError> =>
  Effect.asVoid(attemptSync("mkdir", path, () => fs.mkdirSync(path, { recursive: true })))

/** Removes a file; a missing file is not an error. */
export const unlinkIfExists = (path: string): Effect.Effect<void, StoreIOError> =>
  Effect.asVoid(attemptSyncOptional("unlink", path, () => fs.unlinkSync(path)))

/** Removes a file or a directory tree; a missing path is not an error. */
export const removeRecursive = (path: string): Effect.Effect<void, StoreIOError> =>
  attempt("remove", path, () => fsp.rm(path, { recursive: true, force: true }))

/** One fsync of a directory now; directories that cannot be fsynced are tolerated (see `fsyncDir`). */
const fsyncDirNow = async (dir: string): Promise<void> => {
  let fd: number | undefined
  try {
    fd = fs.openSync(dir, "r")
    await fsyncFd(fd)
  } catch (error) {
    const code = errnoOf(error)
    if (code !== "EISDIR" && code !== "EINVAL" && code !== "ENOTSUP" && code !== "EPERM") throw error
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/**
 * Directory fsyncs grouped per directory (group commit), over `syncNow` (one fsync of a directory):
 * while one runs, every request for the same directory waits for the next, which starts once it
 * ends and serves them all. A request is answered only by an fsync that started after it was made
 * (so after the link or rename it follows), and gets that fsync's error, if any. Concurrent
 * publishes share directories — `artifacts/`, the index directory of a shared input, `objects/` —
 * and without this each asked for its own fsync, queueing in the thread pool (4 threads) behind
 * the others. Measured on a cold experiment run at bench size S: 89 fsyncs before, 77 with this
 * and a node's tables published together (nodes/parquet/Publish.ts, `stageRows`).
 */
export const groupDirSyncs = (syncNow: (dir: string) => Promise<void>): (dir: string) => Promise<void> => {
  interface Group {
    running: boolean
    waiting: Array<(error: unknown) => void>
  }
  const groups = new Map<string, Group>()
  const start = (dir: string, group: Group): void => {
    const served = group.waiting
    group.waiting = []
    group.running = true
    void syncNow(dir).then(() => undefined, (error: unknown) => error ?? new Error(`fsync ${dir} failed`)).then((error) => {
      for (const done of served) done(error)
      group.running = false
      if (group.waiting.length > 0) start(dir, group)
      else groups.delete(dir)
    })
  }
  return (dir) =>
    new Promise((resolve, reject) => {
      let group = groups.get(dir)
      if (group === undefined) {
        group = { running: false, waiting: [] }
        groups.set(dir, group)
      }
      group.waiting.push((error) => (error === undefined ? resolve() : reject(error)))
      if (!group.running) start(dir, group)
    })
}

const groupedFsyncDir = groupDirSyncs(fsyncDirNow)

/**
 * fsync a directory so that a rename or link inside it is durable. Filesystems that cannot fsync
 * a directory (EISDIR, EINVAL, ENOTSUP on some platforms) are tolerated: there is nothing more to do.
 * Requests for one directory made while its fsync runs share the next one (`groupedFsyncDir`).
 */
export const fsyncDir = (dir: string): Effect.Effect<void, StoreIOError> => attempt("fsync", dir, () => groupedFsyncDir(dir))

/** `fsyncDir` of each distinct directory, all at once (independent fsyncs share the disk's flushes). */
export const fsyncDirs = (dirs: Iterable<string>): Effect.Effect<void, StoreIOError> =>
  Effect.forEach(new Set(dirs), fsyncDir, { concurrency: "unbounded", discard: true })

/**
 * `mkdir -p` that makes the new directory entries durable: when it created directories, their
 * parents are fsynced (a file fsynced inside a new directory is not reachable after a power loss
 * unless the directory's own entry is).
 */
export const mkdirpDurable = (dir: string): Effect.Effect<void, StoreIOError> =>
  Effect.flatMap(
    attemptSync("mkdir", dir, () => fs.mkdirSync(dir, { recursive: true })),
    (created) => (created === undefined ? Effect.void : fsyncDirs(createdParents(dir, created)))
  )

/** The directories whose entries `mkdir -p dir` changed, when it created `created` and below. */
export const createdParents = (dir: string, created: string): Array<string> => {
  const parents: Array<string> = []
  for (let p = dir; ; p = nodePath.dirname(p)) {
    parents.push(nodePath.dirname(p))
    if (p === created || p === nodePath.dirname(p)) break
  }
  return parents
}

/** The pid of a store temp name's writer; `undefined` for a name that is not the store's. */
export const ownerPidOf = (name: string): number | undefined => parseTempName(name)?.pid
