/**
 * The store directory on disk (docs/DESIGN.md §4). One root, shared by every filesystem layer through the
 * `StoreRoot` service:
 *
 * ```
 * objects/ab/<hex>                 immutable blobs (fan-out on the first two hex characters)
 * artifacts/<id>.json              manifests, write-once
 * artifacts/status/<id>.json       the mutable status overlay (superseded, tombstoned), replaced atomically
 * artifacts/by-type/<type>/<id>    empty markers: an index so `list({type})` needs no full scan
 * artifacts/by-input/<id>/<id2>    empty markers: <id2> consumed <id> (downstream without a scan)
 * actions/<key-hex>.json           action cache entries, write-once
 * actions/identity/<hash>.json     last key per node identity, replaced atomically
 * actions/groups/<key-hex>.json    group entries (many keys, one record: a sweep batch), write-once
 * experiments/                     tracker records (owned by ExperimentTracker)
 * cache/stat/<path-hash>.json      the file digest cache: (dev, ino, size, mtime-ns, ctime-ns) → digest
 * cache/values/<name>.json         small derived values keyed by what they came from (store/ValueCache)
 * promised/<hex>                   objects a remote holds and this store has not downloaded (their
 *                                  manifests are here): the remote's location, replaced atomically
 * tmp/                             staging, scratch and projections; same filesystem as objects/
 * gc/<ms>-<pid>.json               what each gc run removed (so a missing artifact can say gc removed it)
 * pipeline-store.json              the marker: this directory is a store (written when it is created)
 * ```
 *
 * A directory becomes a store only when it is new or empty (`openStore`); one that holds anything
 * else and is not a store already is refused (`NotAStore`). A store made before the marker existed
 * is recognised by its layout (objects/, artifacts/, actions/ or experiments/) and gains the marker.
 *
 * The index markers are written *before* the manifest, so an index is always a superset of the
 * manifests (a crash leaves at worst a dangling marker, which readers skip and gc removes).
 */
import { Context, Effect, Layer } from "effect"
import type * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import { type Digest, hexOf } from "./Digest.js"
import { NotAStore, StoreIOError } from "./StoreError.js"
import { attempt, errnoOf, fsyncDir, mkdirp, mkdirpDurable } from "./internal/fsOps.js"

/** The store's root directory, shared by all filesystem layers. */
export class StoreRoot extends Context.Tag("pipeline/store/StoreRoot")<StoreRoot, { readonly root: string }>() {
  /** `dir` is resolved to an absolute path once, here. */
  static layer = (dir: string): Layer.Layer<StoreRoot> => Layer.succeed(StoreRoot, { root: nodePath.resolve(dir) })

  /** `layer`, after `openStore`: the directory is a store (created when new or empty), or this fails. */
  static layerOpen = (dir: string): Layer.Layer<StoreRoot, StoreIOError | NotAStore> =>
    Layer.effect(
      StoreRoot,
      Effect.suspend(() => {
        const root = nodePath.resolve(dir)
        return Effect.as(openStore(root), { root })
      })
    )
}

/** The file whose presence says "this directory is a store". */
export const STORE_MARKER = "pipeline-store.json"
/** Top-level directories by which a store made before the marker existed is recognised. */
export const STORE_LAYOUT_DIRS: ReadonlyArray<string> = ["objects", "artifacts", "actions", "experiments"]
const MARKER_TEXT = `${JSON.stringify({ format: "pipeline-store", version: 1 })}\n`

/**
 * What `root` is: absent; a store (its marker); a store made before the marker (one of its layout
 * directories); empty; or something else (`foreign`, with its entry names).
 */
export type StoreDirState =
  | { readonly _tag: "absent" | "store" | "legacy" | "empty" }
  | { readonly _tag: "foreign"; readonly entries: ReadonlyArray<string> }

export const storeDirState = (root: string): Effect.Effect<StoreDirState, StoreIOError> =>
  attempt("open store", root, async (): Promise<StoreDirState> => {
    let entries: Array<fs.Dirent>
    try {
      entries = await fsp.readdir(root, { withFileTypes: true })
    } catch (error) {
      // ENOTDIR: a file on the way (or at root), which the mkdir that follows reports.
      if (errnoOf(error) === "ENOENT" || errnoOf(error) === "ENOTDIR") return { _tag: "absent" }
      throw error
    }
    if (entries.some((entry) => entry.name === STORE_MARKER)) return { _tag: "store" }
    if (entries.some((entry) => entry.isDirectory() && STORE_LAYOUT_DIRS.includes(entry.name))) return { _tag: "legacy" }
    if (entries.length === 0) return { _tag: "empty" }
    return { _tag: "foreign", entries: entries.map((entry) => entry.name).sort() }
  })

/**
 * Creates the marker (exclusively: when another process made it first, theirs stands) and makes
 * it durable. `bestEffort`: a store that cannot be written (read-only) stays usable without it.
 */
const writeMarker = (root: string, bestEffort: boolean): Effect.Effect<void, StoreIOError> => {
  const path = nodePath.join(root, STORE_MARKER)
  return attempt("create", path, async () => {
    let handle: fsp.FileHandle | undefined
    try {
      handle = await fsp.open(path, "wx", 0o444)
      await handle.writeFile(MARKER_TEXT, "utf8")
      await handle.sync()
      return true
    } catch (error) {
      const code = errnoOf(error)
      if (code === "EEXIST") return false
      if (bestEffort && ["EACCES", "EPERM", "EROFS"].includes(code ?? "")) return false
      throw error
    } finally {
      await handle?.close()
    }
  }).pipe(Effect.flatMap((created) => (created ? fsyncDir(root) : Effect.void)))
}

/**
 * Makes sure `root` is a store before anything is written in it: a new path is created, an empty
 * directory initialised (the marker first, so a concurrent opener sees a store, never a half-made
 * foreign directory), a store made before the marker gains it; a non-empty directory that is not a
 * store fails with `NotAStore` and nothing in it changes.
 */
export const openStore = (root: string): Effect.Effect<void, StoreIOError | NotAStore> =>
  Effect.gen(function*() {
    let state = yield* storeDirState(root)
    if (state._tag === "absent") {
      yield* mkdirpDurable(root)
      state = yield* storeDirState(root)
    }
    switch (state._tag) {
      case "store":
        return
      case "legacy":
        return yield* writeMarker(root, true)
      case "empty":
        return yield* writeMarker(root, false)
      case "absent":
        return yield* new StoreIOError({ operation: "open store", path: root, reason: "ENOENT" }) // removed meanwhile
      case "foreign":
        return yield* new NotAStore({ path: root, entries: state.entries })
    }
  })

export interface StoreLayout {
  readonly root: string
  readonly objects: string
  readonly artifacts: string
  readonly artifactStatus: string
  readonly artifactsByType: string
  readonly artifactsByInput: string
  readonly actions: string
  readonly actionIdentities: string
  /** Group entries: one record for many keys sharing outputs (a sweep batch's variants). */
  readonly actionGroups: string
  readonly experiments: string
  readonly tmp: string
  readonly gcLog: string
  readonly cache: string
  readonly statCache: string
  readonly valueCache: string
  /** Remote-backed objects: a manifest here names them, a remote holds their bytes. */
  readonly promised: string
  readonly objectDir: (digest: Digest) => string
  readonly objectPath: (digest: Digest) => string
  readonly manifestPath: (id: string) => string
  readonly statusPath: (id: string) => string
  readonly typeIndexDir: (type: string) => string
  readonly inputIndexDir: (inputId: string) => string
  readonly actionPath: (key: Digest) => string
  /** `identityHex` is the hex of a hash of the identity string (names may hold any character). */
  readonly identityPath: (identityHex: string) => string
  readonly actionGroupPath: (key: Digest) => string
  readonly statCachePath: (pathHex: string) => string
  /** `segment` is one safe path segment (`encodeSegment`). */
  readonly valueCachePath: (segment: string) => string
  readonly tmpPath: (name: string) => string
  readonly promisedPath: (digest: Digest) => string
}

/**
 * A type name as one safe path segment: `[A-Za-z0-9_-]` kept, every other UTF-8 byte as `%XX`
 * (so "." and "/" can never make `..` or a subdirectory). Injective and reversible.
 */
export const encodeSegment = (text: string): string =>
  Array.from(new TextEncoder().encode(text), (byte) => {
    const char = String.fromCharCode(byte)
    return /[A-Za-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
  }).join("") || "%"

export const makeLayout = (root: string): StoreLayout => {
  const join = nodePath.join
  const objects = join(root, "objects")
  const artifacts = join(root, "artifacts")
  const artifactStatus = join(artifacts, "status")
  const artifactsByType = join(artifacts, "by-type")
  const artifactsByInput = join(artifacts, "by-input")
  const actions = join(root, "actions")
  const actionIdentities = join(actions, "identity")
  const actionGroups = join(actions, "groups")
  const cache = join(root, "cache")
  const statCache = join(cache, "stat")
  const valueCache = join(cache, "values")
  const tmp = join(root, "tmp")
  const promised = join(root, "promised")
  const objectDir = (digest: Digest) => join(objects, hexOf(digest).slice(0, 2))
  return {
    root,
    objects,
    artifacts,
    artifactStatus,
    artifactsByType,
    artifactsByInput,
    actions,
    actionIdentities,
    actionGroups,
    experiments: join(root, "experiments"),
    tmp,
    gcLog: join(root, "gc"),
    cache,
    statCache,
    valueCache,
    promised,
    objectDir,
    objectPath: (digest) => join(objectDir(digest), hexOf(digest)),
    manifestPath: (id) => join(artifacts, `${id}.json`),
    statusPath: (id) => join(artifactStatus, `${id}.json`),
    typeIndexDir: (type) => join(artifactsByType, encodeSegment(type)),
    inputIndexDir: (inputId) => join(artifactsByInput, inputId),
    actionPath: (key) => join(actions, `${hexOf(key)}.json`),
    actionGroupPath: (key) => join(actionGroups, `${hexOf(key)}.json`),
    identityPath: (identityHex) => join(actionIdentities, `${identityHex}.json`),
    statCachePath: (pathHex) => join(statCache, `${pathHex}.json`),
    valueCachePath: (segment) => join(valueCache, `${segment}.json`),
    tmpPath: (name) => join(tmp, name),
    promisedPath: (digest) => join(promised, hexOf(digest))
  }
}

/**
 * Creates every top-level directory (idempotent; each filesystem layer calls it when built). The stat
 * cache's directory is best effort: a read-only store without one is still read (the cache is only an
 * optimisation).
 */
export const ensureLayout = (layout: StoreLayout): Effect.Effect<void, StoreIOError> =>
  Effect.zipRight(
    Effect.forEach(
      [
        layout.objects,
        layout.artifactStatus,
        layout.artifactsByType,
        layout.artifactsByInput,
        layout.actionIdentities,
        layout.experiments,
        layout.tmp
      ],
      mkdirp,
      { discard: true }
    ),
    Effect.ignore(mkdirp(layout.statCache))
  )

/** The layout of the `StoreRoot` in context, with its directories created. */
export const layoutOf: Effect.Effect<StoreLayout, StoreIOError, StoreRoot> = Effect.flatMap(StoreRoot, ({ root }) => {
  const layout = makeLayout(root)
  return Effect.as(ensureLayout(layout), layout)
})
