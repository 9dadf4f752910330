/**
 * The small storage core under the experiment tracker: text files addressed by a path relative to
 * the store root. Two backends: the filesystem (atomic, crash-safe) and memory (tests).
 *
 * Filesystem writes follow docs/DESIGN.md §4: temp file in `<root>/tmp` → fsync → rename (or link) →
 * fsync the directory, so readers never see a partial file.
 * - `replace` renames over the target (last writer wins; the run's owner is the only writer).
 * - `createExclusive` hard-links the fully written temp file to the target: `link(2)` fails with
 *   EEXIST atomically when the name is taken, which gives race-free allocation across processes
 *   *and* a file that is complete from the moment its name exists (an `open(…, "wx")` followed by a
 *   write would let a concurrent reader see an empty file).
 * Errno failures become StoreIOError{operation, path, reason: errno code}.
 */
import { tempName } from "../TempName.js"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Effect, Ref } from "effect"
import { StoreIOError } from "../StoreError.js"

export interface RecordFiles {
  /** How a relative path is named in errors (absolute path, or `memory:<rel>`). */
  readonly describe: (rel: string) => string
  /** The file's text, or undefined when it does not exist. */
  readonly read: (rel: string) => Effect.Effect<string | undefined, StoreIOError>
  /** Entry names directly under `relDir` (unsorted); empty when the directory does not exist. */
  readonly list: (relDir: string) => Effect.Effect<ReadonlyArray<string>, StoreIOError>
  /** Writes `text` at `rel` unless the name exists; true when this call created it. */
  readonly createExclusive: (rel: string, text: string) => Effect.Effect<boolean, StoreIOError>
  /** Atomically replaces (or creates) `rel` with `text`. */
  readonly replace: (rel: string, text: string) => Effect.Effect<void, StoreIOError>
  /**
   * Runs a read-check-replace of `rel` as one unit against other processes (a database transaction
   * holding the record's row lock). Absent where the record has a single writer anyway (the run's
   * owner process, serialised in-process by the tracker).
   */
  readonly atomically?: <A, E, R>(rel: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreIOError, R>
}

const io = <A>(operation: string, path: string, run: () => Promise<A>): Effect.Effect<A, StoreIOError> =>
  Effect.tryPromise({
    try: run,
    catch: (error) => StoreIOError.fromCause(operation, path, error)
  })

/** Runs `run`, turning the listed errno codes into `onCode(code)` instead of a failure. */
const ioExcept = <A, B>(
  operation: string,
  path: string,
  run: () => Promise<A>,
  codes: ReadonlyArray<string>,
  onCode: (code: string) => B
): Effect.Effect<A | B, StoreIOError> =>
  Effect.catchIf(
    io(operation, path, run),
    (error) => codes.includes(error.reason),
    (error) => Effect.succeed(onCode(error.reason))
  )

const fsyncDir = (dir: string): Effect.Effect<void, StoreIOError> =>
  Effect.acquireUseRelease(
    io("open", dir, () => fs.open(dir, "r")),
    (handle) => io("fsync", dir, () => handle.sync()),
    (handle) => Effect.promise(() => handle.close().catch(() => undefined))
  )

const removeQuietly = (path: string): Effect.Effect<void> =>
  Effect.promise(() => fs.rm(path, { force: true }).catch(() => undefined))

/** Link failures meaning "this filesystem has no hard links": fall back to an exclusive open. */
const NO_LINKS = ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]

export const fileSystemFiles = (root: string): RecordFiles => {
  const tmpDir = nodePath.join(root, "tmp")
  const abs = (rel: string) => nodePath.join(root, rel)

  /** A fully written, fsynced temp file, removed when the scope closes (after rename it is gone). */
  const tempFile = (text: string) =>
    Effect.acquireRelease(
      Effect.gen(function* () {
        yield* io("mkdir", tmpDir, () => fs.mkdir(tmpDir, { recursive: true }))
        const path = nodePath.join(tmpDir, tempName("tracker", ".json.tmp"))
        yield* Effect.acquireUseRelease(
          io("open", path, () => fs.open(path, "wx")),
          (handle) =>
            Effect.zipRight(
              io("write", path, () => handle.writeFile(text, "utf8")),
              io("fsync", path, () => handle.sync())
            ),
          (handle) => Effect.promise(() => handle.close().catch(() => undefined))
        ).pipe(
          // The release below exists only once this acquire succeeds: a failed write (ENOSPC) or
          // fsync must remove its own temp file.
          Effect.onError(() => removeQuietly(path))
        )
        return path
      }),
      (path) => removeQuietly(path)
    )

  const ensureParent = (target: string) => {
    const dir = nodePath.dirname(target)
    return Effect.as(io("mkdir", dir, () => fs.mkdir(dir, { recursive: true })), dir)
  }

  const createWithOpenWx = (target: string, text: string) =>
    Effect.flatMap(
      ioExcept("open", target, () => fs.open(target, "wx"), ["EEXIST"], () => undefined),
      (handle) =>
        handle === undefined
          ? Effect.succeed(false)
          : Effect.acquireUseRelease(
              Effect.succeed(handle),
              (h) =>
                Effect.zipRight(
                  io("write", target, () => h.writeFile(text, "utf8")),
                  io("fsync", target, () => h.sync())
                ),
              (h) => Effect.promise(() => h.close().catch(() => undefined))
            ).pipe(Effect.as(true))
    )

  return {
    describe: abs,
    read: (rel) => {
      const path = abs(rel)
      return ioExcept("read", path, () => fs.readFile(path, "utf8"), ["ENOENT"], () => undefined)
    },
    list: (relDir) => {
      const path = abs(relDir)
      return ioExcept("readdir", path, () => fs.readdir(path), ["ENOENT"], () => [] as Array<string>)
    },
    createExclusive: (rel, text) =>
      Effect.scoped(
        Effect.gen(function* () {
          const target = abs(rel)
          const dir = yield* ensureParent(target)
          const temp = yield* tempFile(text)
          const outcome = yield* ioExcept(
            "link",
            target,
            () => fs.link(temp, target).then(() => "created" as const),
            ["EEXIST", ...NO_LINKS],
            (code) => (code === "EEXIST" ? ("exists" as const) : ("no-links" as const))
          )
          const created = outcome === "no-links" ? yield* createWithOpenWx(target, text) : outcome === "created"
          if (created) yield* fsyncDir(dir)
          return created
        })
      ),
    replace: (rel, text) =>
      Effect.scoped(
        Effect.gen(function* () {
          const target = abs(rel)
          const dir = yield* ensureParent(target)
          const temp = yield* tempFile(text)
          yield* io("rename", target, () => fs.rename(temp, target))
          yield* fsyncDir(dir)
        })
      )
  }
}

/** The same contract over a map of relative path → text. */
export const memoryFiles: Effect.Effect<RecordFiles> = Effect.map(
  Ref.make(new Map<string, string>()),
  (ref): RecordFiles => {
    const norm = (rel: string) => nodePath.posix.normalize(rel).replace(/^\/+|\/+$/g, "")
    return {
      describe: (rel) => `memory:${norm(rel)}`,
      read: (rel) => Effect.map(Ref.get(ref), (files) => files.get(norm(rel))),
      list: (relDir) =>
        Effect.map(Ref.get(ref), (files) => {
          const prefix = `${norm(relDir)}/`
          const names = new Set<string>()
          for (const key of files.keys()) {
            if (key.startsWith(prefix)) names.add(key.slice(prefix.length).split("/")[0])
          }
          return [...names]
        }),
      createExclusive: (rel, text) =>
        Ref.modify(ref, (files) => {
          const key = norm(rel)
          if (files.has(key)) return [false, files]
          return [true, new Map(files).set(key, text)]
        }),
      replace: (rel, text) => Ref.update(ref, (files) => new Map(files).set(norm(rel), text))
    }
  }
)
