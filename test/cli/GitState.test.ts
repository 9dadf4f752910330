/** The run's provenance from one `git status --porcelain=v2 --branch` (cli/GitState.ts). */
import { it as effectIt } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { gitInfo, parseGitStatus, startGit } from "../../cli/GitState.js"

const commit = "fd94becea3a3772f903cc0d7f42532b38a599774"

describe("parseGitStatus", () => {
  it("reads the commit from the header and dirtiness from the changed-file lines", () => {
    expect(parseGitStatus(`# branch.oid ${commit}\n# branch.head main`)).toEqual({ commit, dirty: false })
    expect(parseGitStatus(
      `# branch.oid ${commit}\n# branch.head main\n1 .M N... 100644 100644 100644 2f5e 2f5e cli/Cli.ts`
    )).toEqual({ commit, dirty: true })
  })

  it("has no commit before the first one, outside a repository or without git", () => {
    expect(parseGitStatus("# branch.oid (initial)\n# branch.head master\n1 A. N... 0 100644 100644 0 2f5e a.ts"))
      .toEqual({ commit: null, dirty: false })
    expect(parseGitStatus("")).toEqual({ commit: null, dirty: false })
    expect(parseGitStatus(undefined)).toEqual({ commit: null, dirty: false })
  })
})

describe("gitInfo", () => {
  const git = (...args: Array<string>) => execFileSync("git", args, { cwd: process.cwd(), encoding: "utf8" }).trim()

  effectIt.effect("is this checkout's commit and dirtiness, asked once in the background", () =>
    Effect.gen(function*() {
      startGit()
      const first = yield* gitInfo
      expect(first).toEqual({
        commit: git("rev-parse", "HEAD"),
        dirty: git("status", "--porcelain", "--untracked-files=no") !== ""
      })
      // The same answer again, from the same process (a second run would not ask again).
      expect(yield* gitInfo).toBe(first)
    }))
})
