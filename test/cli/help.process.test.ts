/**
 * Help and usage errors of the real CLI process: help pages without @effect/cli's boilerplate and
 * with the full command path, "did you mean" for a mistyped command, `--wizard` refused, a missing
 * import file a usage error like a missing definition, a JSON syntax error with its line and column.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"

let dir: string
beforeAll(() => {
  dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "pipeline-help-"))
})
afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

const SLOW = 120_000

describe("pipeline help and usage errors", () => {
  it("help pages: no boilerplate, no --wizard, the full command path, --tag optional", async () => {
    const [top, alerts, group] = await Promise.all([
      runCli(["--help"]),
      runCli(["import", "alerts", "--help"]),
      runCli(["experiments", "-h"])
    ])
    for (const result of [top, alerts, group]) {
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).not.toContain("A user-defined piece of text")
      expect(result.stdout).not.toContain("This setting is optional")
      expect(result.stdout).not.toContain("--wizard")
      expect(result.stdout).not.toContain("DESIGN.md")
    }
    expect(top.stdout).toMatch(/^ {2}import alerts +Import alert files/m)
    expect(alerts.stdout.split("\n")[0]).toMatch(/^usage: pipeline import alerts \[--chain CHAIN\] .*\[--tag TAG\]\.\.\. <file>\.\.\.$/)
    expect(group.stdout).toMatch(/^ {2}pipeline experiments show +Show an experiment/m)
  }, SLOW)

  it("a mistyped command: exit 2 with the closest name; --wizard: exit 2", async () => {
    const [typo, nested, wizard] = await Promise.all([
      runCli(["rnu", "examples/quickstart.json"]),
      runCli(["experiments", "lsit"]),
      runCli(["--wizard"])
    ])
    expect(typo.code).toBe(2)
    expect(typo.stderr.trim()).toBe("pipeline: unknown command 'rnu': did you mean 'run'? (pipeline --help)")
    expect(nested.code).toBe(2)
    expect(nested.stderr).toContain("did you mean 'experiments list'?")
    expect(wizard.code).toBe(2)
    expect(wizard.stderr).toContain("unknown option --wizard")
    expect(wizard.stdout).toBe("")
  }, SLOW)

  it("a missing import file is a usage error (exit 2), like a missing definition; no store is made", async () => {
    const store = NodePath.join(dir, "store")
    const [importMissing, runMissing, explainMissing] = await Promise.all([
      runCli(["--store", store, "import", "alerts", "no-such-alerts.csv"], { cwd: dir }),
      runCli(["--store", store, "run", "no-such-definition.json"], { cwd: dir }),
      runCli(["--store", store, "explain", "no-such-definition.json"], { cwd: dir })
    ])
    expect(importMissing.code).toBe(2)
    expect(importMissing.stderr.trim()).toBe("pipeline: no such file: no-such-alerts.csv")
    // The same words for a definition, not @effect/cli's own "Path '…' must exist".
    for (const missing of [runMissing, explainMissing]) {
      expect(missing.code).toBe(2)
      expect(missing.stderr.trim()).toBe("pipeline: no such file: no-such-definition.json")
    }
    expect(NodeFs.existsSync(store)).toBe(false)
  }, SLOW)

  it("a definition that is not JSON: exit 2 naming the line and column", async () => {
    const path = NodePath.join(dir, "broken.json")
    NodeFs.writeFileSync(path, '{\n  "name": "broken",\n  "seed": 1,,\n  "inputs": {}\n}\n')
    const result = await runCli(["--store", NodePath.join(dir, "store2"), "run", path], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`invalid experiment definition ${path}:`)
    expect(result.stderr).toContain("not valid JSON at line 3, column 13: expected a property name in double quotes, found ','")
  }, SLOW)
})
