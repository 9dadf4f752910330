/**
 * Filesystem helpers of gc and fsck: sizes and modification times of files and trees, marker scans.
 */
import { Effect } from "effect"
import type { BigIntStats } from "node:fs"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import type { StoreIOError } from "../StoreError.js"
import type { StoreLayout } from "../StoreLayout.js"
import { attempt, attemptOptional, errnoOf, readDir } from "./fsOps.js"

export interface FileInfo {
  /** Bytes of the file, or of every file under a directory. */
  readonly bytes: number
  /** The later of mtime and ctime, epoch ms (of the newest entry, for a directory tree). */
  readonly modifiedMs: number
  /** The mtime alone (newest in a tree): when the content was last written. */
  readonly mtimeMs: number
  readonly isDirectory: boolean
  /** The entry itself is a symbolic link (never followed). */
  readonly isSymbolicLink: boolean
}

/** The later of mtime and ctime: objects keep a fixed mtime, their ctime says when they were linked in. */
const modifiedMsOf = (stats: BigIntStats): number =>
  Number((stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs) / 1_000_000n)

const mtimeMsOf = (stats: BigIntStats): number => Number(stats.mtimeNs / 1_000_000n)

const lstatOrUndefined = async (path: string): Promise<BigIntStats | undefined> => {
  try {
    return await fsp.lstat(path, { bigint: true })
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return undefined
    throw error
  }
}

/** One file's size and modification time (the entry itself; symlinks are not followed). */
export const fileInfo = (path: string): Effect.Effect<FileInfo | undefined, StoreIOError> =>
  Effect.map(attemptOptional("stat", path, () => fsp.lstat(path, { bigint: true })), (stats) =>
    stats === undefined
      ? undefined
      : {
          bytes: Number(stats.size),
          modifiedMs: modifiedMsOf(stats),
          mtimeMs: mtimeMsOf(stats),
          isDirectory: stats.isDirectory(),
          isSymbolicLink: stats.isSymbolicLink()
        }
  )

/**
 * A file, or a directory tree summed: total bytes of its files and the newest modification time
 * of any entry. Entries vanishing during the walk are skipped; `undefined` when `path` is absent.
 */
export const treeInfo = (path: string): Effect.Effect<FileInfo | undefined, StoreIOError> =>
  attempt("stat", path, async () => {
    const top = await lstatOrUndefined(path)
    if (top === undefined) return undefined
    if (!top.isDirectory()) {
      return {
        bytes: Number(top.size),
        modifiedMs: modifiedMsOf(top),
        mtimeMs: mtimeMsOf(top),
        isDirectory: false,
        isSymbolicLink: top.isSymbolicLink()
      }
    }
    let bytes = 0
    let modifiedMs = modifiedMsOf(top)
    let mtimeMs = mtimeMsOf(top)
    const pending = [path]
    while (pending.length > 0) {
      const dir = pending.pop()!
      let names: Array<string>
      try {
        names = await fsp.readdir(dir)
      } catch (error) {
        if (errnoOf(error) === "ENOENT" || errnoOf(error) === "ENOTDIR") continue
        throw error
      }
      for (const name of names) {
        const child = nodePath.join(dir, name)
        const stats = await lstatOrUndefined(child)
        if (stats === undefined) continue
        modifiedMs = Math.max(modifiedMs, modifiedMsOf(stats))
        mtimeMs = Math.max(mtimeMs, mtimeMsOf(stats))
        if (stats.isDirectory()) pending.push(child)
        else bytes += Number(stats.size)
      }
    }
    return { bytes, modifiedMs, mtimeMs, isDirectory: true, isSymbolicLink: false }
  })

/** Removes an empty directory; a missing or non-empty one is left alone. */
export const removeDirIfEmpty = (path: string): Effect.Effect<void, StoreIOError> =>
  attempt("rmdir", path, async () => {
    try {
      await fsp.rmdir(path)
    } catch (error) {
      const code = errnoOf(error)
      if (code !== "ENOENT" && code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOTDIR") throw error
    }
  })

const ID_NAME = /^art_[0-9a-f]{64}$/
export const MANIFEST_NAME = /^art_[0-9a-f]{64}\.json$/
export const ACTION_NAME = /^[0-9a-f]{64}\.json$/

export interface Marker {
  /** The artifact the marker files. */
  readonly artifactId: string
  readonly path: string
  /** Relative to the store root, for display. */
  readonly relative: string
}

/** Every index marker under artifacts/by-type/ and artifacts/by-input/. */
export const listMarkers = (layout: StoreLayout): Effect.Effect<ReadonlyArray<Marker>, StoreIOError> =>
  Effect.gen(function* () {
    const markers: Array<Marker> = []
    for (const base of [layout.artifactsByType, layout.artifactsByInput]) {
      for (const group of yield* readDir(base)) {
        const dir = nodePath.join(base, group)
        const names = yield* Effect.catchIf(readDir(dir), (e) => e.reason === "ENOTDIR", () => Effect.succeed([]))
        for (const name of names) {
          if (!ID_NAME.test(name)) continue
          const path = nodePath.join(dir, name)
          markers.push({ artifactId: name, path, relative: nodePath.relative(layout.root, path) })
        }
      }
    }
    return markers
  })

/** Artifact ids with a manifest file (by name; nothing decoded). */
export const listManifestIds = (layout: StoreLayout): Effect.Effect<ReadonlyArray<string>, StoreIOError> =>
  Effect.map(readDir(layout.artifacts), (names) => names.filter((n) => MANIFEST_NAME.test(n)).map((n) => n.slice(0, -5)))
