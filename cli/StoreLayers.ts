/**
 * Composition root for commands that use the store: the filesystem layers on the resolved store
 * directory, the tracker, process liveness, and the run environment (git state of this code).
 * Built per command because the store directory comes from the parsed global options.
 */
import { execFileSync } from "node:child_process"
import * as NodePath from "node:path"
import { fileURLToPath } from "node:url"
import { experimentLayer } from "../nodes/engine/index.js"
import type { GitInfo } from "../store/index.js"

const packageDir = NodePath.resolve(NodePath.dirname(fileURLToPath(import.meta.url)), "..")

const git = (args: ReadonlyArray<string>): string | undefined => {
  try {
    return execFileSync("git", ["-C", packageDir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim()
  } catch {
    return undefined
  }
}

let cachedGit: GitInfo | undefined
/** The commit of the code that computes (not of the user's data), and whether its tree is dirty. */
export const gitInfo = (): GitInfo => {
  if (cachedGit === undefined) {
    const commit = git(["rev-parse", "HEAD"]) ?? null
    const status = commit === null ? "" : git(["status", "--porcelain", "--untracked-files=no"]) ?? ""
    cachedGit = { commit, dirty: status.length > 0 }
  }
  return cachedGit
}

export const storeLayer = (storeDir: string) => experimentLayer(storeDir, { git: gitInfo() })
