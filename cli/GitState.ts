/**
 * The git state of the code that computes (not of the user's data): the commit and whether its
 * tree is dirty, from one `git status --porcelain=v2 --branch` in the package's directory. It goes
 * into every run's provenance (nodes/runtime/RunEnvironment.ts).
 *
 * git runs in the background: `startGit` starts it (once per process) as soon as a command knows
 * it will record a run, and `gitInfo` waits for its answer where the provenance is recorded, so
 * the process overlaps with loading the command's code and opening the store. Commands that only
 * read the store never start it. At run time this module imports nothing of the project's: the
 * command tree (cli/tree/) can start git without loading the store or the nodes.
 */
import { execFile } from "node:child_process"
import * as NodePath from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type { GitInfo } from "../store/index.js"

const packageDir = NodePath.resolve(NodePath.dirname(fileURLToPath(import.meta.url)), "..")

/**
 * The commit and the dirtiness from one `git status --porcelain=v2 --branch`: its header line
 * `# branch.oid <commit>` (`(initial)` before the first commit: no commit, nothing dirty), then
 * one line per changed tracked file.
 */
export const parseGitStatus = (output: string | undefined): GitInfo => {
  const lines = (output ?? "").split("\n").filter((line) => line !== "")
  const oid = lines.find((line) => line.startsWith("# branch.oid "))?.slice("# branch.oid ".length)
  if (oid === undefined || !/^[0-9a-f]{40,64}$/.test(oid)) return { commit: null, dirty: false }
  return { commit: oid, dirty: lines.some((line) => !line.startsWith("#")) }
}

/**
 * Asks git; no git, no repository or any other failure reads as no commit, nothing dirty.
 * GIT_OPTIONAL_LOCKS=0: status does not refresh the index file (take .git/index.lock and rewrite
 * it), which would be a write into the user's repository and could make their own git command
 * meet the lock; the answer is the same.
 */
const askGit = (): Promise<GitInfo> =>
  new Promise((resolve) => {
    execFile(
      "git",
      ["-C", packageDir, "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
      { encoding: "utf8", env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" } },
      (error, stdout) => resolve(parseGitStatus(error === null ? stdout.trim() : undefined))
    )
  })

let asked: Promise<GitInfo> | undefined

/** Starts asking git, unless this process already has. */
export const startGit = (): void => {
  asked ??= askGit()
}

/** The git state, from the process `startGit` started (started now if it was not). */
export const gitInfo: Effect.Effect<GitInfo> = Effect.promise(() => (asked ??= askGit()))
