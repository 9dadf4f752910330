/**
 * The examples are users of the public entry (`import … from "content-addressed-backtest-pipeline"`,
 * resolved through package.json `exports`): run as a user would, twice. The first run computes every
 * node, the second hits every one; a custom node's own contract is published and readable.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..", "..")
const store = mkdtempSync(join(tmpdir(), "pipeline-examples-"))
afterAll(() => rmSync(store, { recursive: true, force: true }))

const runExample = (file: string, ...args: Array<string>) =>
  execFileSync(process.execPath, ["--conditions=source", "--import", "tsx", join(root, "examples", file), "--store", store, ...args], {
    cwd: root,
    encoding: "utf8"
  })

const statusOf = (output: string) =>
  new Map(
    output.split("\n").flatMap((line) => {
      const match = /^(hit|miss|resource)\s+(\S+)$/.exec(line.trim())
      return match === null ? [] : [[match[2]!, match[1]!] as const]
    })
  )

describe("examples through the public entry", () => {
  it("custom-node: a node with its own contract, cached like the built-in ones", () => {
    const first = statusOf(runExample("custom-node.ts"))
    expect(first.get("alerts-by-caller")).toBe("miss")
    expect(first.get("caller-counts")).toBe("miss")
    expect(first.get("publish")).toBe("miss")

    const secondOutput = runExample("custom-node.ts")
    const second = statusOf(secondOutput)
    for (const name of ["synthetic", "alerts-by-caller", "caller-counts", "validate", "simulate", "publish"]) {
      expect(second.get(name), name).toBe("hit")
    }
    const countsId = /caller counts:\s+(art_[0-9a-f]{64})/.exec(secondOutput)![1]!
    const shown = JSON.parse(execFileSync(process.execPath, [join(root, "bin", "pipeline.js"), "--store", store, "--json", "artifacts", "show", countsId], {
      cwd: root,
      encoding: "utf8"
    }))
    expect(shown.artifact.type).toBe("caller_alert_counts")
    // Two callers kept by the default --callers.
    expect(shown.artifact.rowCount).toBe(2)
  }, 240_000)
})
