/**
 * Comments and documents cite only what is in the repository: the design by its in-repo path
 * (`docs/DESIGN.md §n`), no notes kept beside the checkout, no machine-specific path. The real test
 * data is named only through test/support/realData.ts, which says what it is and where it comes from.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { describe, expect, it } from "vitest"
import { repoRoot } from "../support/cli.js"

const SKIPPED_DIRECTORIES = new Set(["node_modules", "dist", ".git", ".pipeline", ".scratch", "results"])

const sources = (dir: string): Array<string> =>
  NodeFs.readdirSync(NodePath.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = NodePath.join(dir, entry.name)
    if (entry.isDirectory()) return SKIPPED_DIRECTORIES.has(entry.name) ? [] : sources(path)
    return /\.(ts|mts|js|mjs|md|json)$/.test(entry.name) ? [path] : []
  })

/** A document named bare (not as a quoted string in a list of names to refuse), or outside the checkout. */
const OUTSIDE = [
  /(?<![\w/"])(DESIGN|STACK|STYLE|PROVENANCE)\.md(?!")/,
  /\/work\/shared/,
  /(?<!")\.\.\/shared(?!\/data\/real-btc-2023-03)/
]

describe("citations", () => {
  it("the design is in the repository and cited by its path", () => {
    expect(NodeFs.readFileSync(NodePath.join(repoRoot, "docs", "DESIGN.md"), "utf8")).toMatch(/^# Design: /)
    const citing = sources(".").filter((path) =>
      NodeFs.readFileSync(NodePath.join(repoRoot, path), "utf8").includes("docs/DESIGN.md §")
    )
    expect(citing.length).toBeGreaterThan(30)
  })

  it("no source, test or document names a document outside the repository or a path beside it", () => {
    const found: Array<string> = []
    for (const path of sources(".")) {
      NodeFs.readFileSync(NodePath.join(repoRoot, path), "utf8").split("\n").forEach((line, index) => {
        if (OUTSIDE.some((pattern) => pattern.test(line))) found.push(`${path}:${index + 1}: ${line.trim()}`)
      })
    }
    expect(found).toEqual([])
  })
})
