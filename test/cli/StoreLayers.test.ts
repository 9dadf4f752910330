/** The run's provenance from one `git status --porcelain=v2 --branch` (cli/StoreLayers.ts). */
import { describe, expect, it } from "vitest"
import { parseGitStatus } from "../../cli/StoreLayers.js"

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
