/**
 * Writing a file the user named outside the store (`report -o PATH`): what is at PATH is written
 * the way `> PATH` in a shell would, never replaced by something of another kind.
 *
 * - A symlink is followed (relative links from their own directory, chains included, a dangling
 *   link to the path it names), and what it leads to is written; the link stays a link.
 * - A FIFO, a character or block device, or a socket is opened and written into directly (a FIFO
 *   waits for its reader, as a shell redirection does). Its write error (ENOSPC on /dev/full) is
 *   the error.
 * - A regular file or a new path is written atomically: a temporary file in the same directory,
 *   fsync, rename over the path, fsync of the directory. A replaced file keeps its permission bits
 *   (and its owner, where the process may set it); hard links to it keep the old contents.
 * - A directory is refused (EISDIR).
 *
 * Every failure is a `FileWriteError` naming the path the user gave (and where a link led).
 */
import { Effect, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { constants as FsConstants } from "node:fs"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import { describeReason } from "./renderError.js"

/** A file outside the store could not be written; `reason` is the errno code. Exit code 1. */
export class FileWriteError extends Schema.TaggedError<FileWriteError>()("FileWriteError", {
  path: Schema.String,
  /** Where symlinks at `path` led, when that is another path. */
  target: Schema.optional(Schema.String),
  reason: Schema.String
}) {
  override get message() {
    const via = this.target === undefined ? "" : ` (a link to ${this.target})`
    return `cannot write ${this.path}${via}: ${describeReason(this.reason)}`
  }
}

/** Linux's limit on symlinks followed in one path resolution. */
const MAX_LINKS = 40

const codeOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : String(error)

const lstatOrAbsent = async (path: string) => {
  try {
    return await NodeFs.lstat(path)
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined
    throw error
  }
}

/** Follows symlinks at `path` (not in its directories: the kernel does that) to what they lead to. */
const followLinks = async (path: string): Promise<string> => {
  let current = path
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    const stats = await lstatOrAbsent(current)
    if (stats === undefined || !stats.isSymbolicLink()) return current
    current = NodePath.resolve(NodePath.dirname(current), await NodeFs.readlink(current))
  }
  throw Object.assign(new Error("too many symbolic links"), { code: "ELOOP" })
}

/** Opens an existing FIFO, device or socket for writing (no create, no truncate) and writes `data`. */
const writeInto = async (path: string, data: string) => {
  const handle = await NodeFs.open(path, FsConstants.O_WRONLY)
  try {
    await handle.writeFile(data, "utf8")
  } finally {
    await handle.close()
  }
}

const fsyncDirectory = async (dir: string) => {
  let handle: NodeFs.FileHandle | undefined
  try {
    handle = await NodeFs.open(dir, "r")
    await handle.sync()
  } catch (error) {
    // Some filesystems cannot fsync a directory; nothing more can be done there.
    if (!["EISDIR", "EINVAL", "ENOTSUP", "EPERM", "EACCES"].includes(codeOf(error))) throw error
  } finally {
    await handle?.close()
  }
}

/** What a replaced regular file keeps: its permission bits and, where allowed, its owner. */
interface Kept {
  readonly mode: number
  readonly uid: number
  readonly gid: number
}

/** Temp file beside `path`, fsync, rename over `path`, fsync the directory. */
const replaceAtomically = async (path: string, data: string, kept: Kept | undefined) => {
  const dir = NodePath.dirname(path)
  const temp = NodePath.join(dir, `.${NodePath.basename(path)}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`)
  let renamed = false
  try {
    const handle = await NodeFs.open(temp, "wx", kept?.mode ?? 0o666)
    try {
      await handle.writeFile(data, "utf8")
      if (kept !== undefined) {
        // Only root may give a file away; anyone else keeps their own ownership (as `cp` does).
        await handle.chown(kept.uid, kept.gid).catch(() => {})
        await handle.chmod(kept.mode) // after chown (which may clear set-id bits); undoes the umask
      }
      await handle.sync()
    } finally {
      await handle.close()
    }
    await NodeFs.rename(temp, path)
    renamed = true
    await fsyncDirectory(dir)
  } finally {
    if (!renamed) await NodeFs.rm(temp, { force: true })
  }
}

/** Writes `data` (UTF-8) to the user's `path` as described in this module's comment. */
export const writeOutputFile = (path: string, data: string): Effect.Effect<void, FileWriteError> => {
  let target: string | undefined
  return Effect.tryPromise({
    try: async () => {
      target = await followLinks(path)
      const stats = await lstatOrAbsent(target)
      if (stats === undefined) return replaceAtomically(target, data, undefined)
      if (stats.isFile()) return replaceAtomically(target, data, { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid })
      if (stats.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" })
      return writeInto(target, data)
    },
    catch: (error) =>
      new FileWriteError({ path, reason: codeOf(error), ...(target !== undefined && target !== path ? { target } : {}) })
  })
}
