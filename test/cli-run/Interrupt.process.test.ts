/**
 * Ctrl-C during a long simulation: the CLI exits 130, the DuckDB projection (a scoped resource
 * under the store's tmp/) is disposed, and the run is recorded `cancelled`.
 *
 * Progress is rendered only on a TTY, so the test watches the store instead: the projection's
 * database file appears in tmp/ when the simulate node acquires its input (the simulate node is
 * running from then on), and SIGINT is sent shortly after.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnCli, waitForExit } from "../support/cli.js"
import { smallDefinition, type Workspace, workspace } from "./support.js"

const projectionFiles = (tmp: string): Array<string> => {
  const found: Array<string> = []
  const walk = (dir: string) => {
    let entries: Array<NodeFs.Dirent>
    try {
      entries = NodeFs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = NodePath.join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.includes("-projection.duckdb")) found.push(path)
    }
  }
  walk(tmp)
  return found
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("pipeline run interrupted", () => {
  let ws: Workspace
  beforeAll(() => {
    ws = workspace("pipeline-sigint-")
  })
  afterAll(() => ws.cleanup())

  it("SIGINT during simulate: exit 130, projection disposed, run recorded cancelled", async () => {
    const definition = ws.write("big.json", smallDefinition({ name: "big", tokens: 300, days: 5 }))
    const child = spawnCli(["--store", ws.store, "run", definition], { cwd: ws.dir })
    const exited = waitForExit(child, 150_000)
    let exitedEarly = false
    void exited.then(() => (exitedEarly = true), () => (exitedEarly = true))

    const tmp = NodePath.join(ws.store, "tmp")
    const deadline = Date.now() + 140_000
    while (projectionFiles(tmp).length === 0 && !exitedEarly && Date.now() < deadline) await sleep(50)
    expect(exitedEarly, "the run ended before its projection was built").toBe(false)
    expect(projectionFiles(tmp).length).toBeGreaterThan(0)
    await sleep(300)
    child.kill("SIGINT")
    const result = await exited

    expect(result.signal).toBeNull()
    expect(result.code, result.stderr).toBe(130)
    expect(result.stderr).toContain("pipeline: interrupted")
    expect(projectionFiles(tmp)).toEqual([])

    // The run record, read straight from the store: experiments/<id>/runs/<NNNNNN>.json.
    const experiments = NodeFs.readdirSync(NodePath.join(ws.store, "experiments")).filter((n) => n.startsWith("exp_"))
    expect(experiments).toHaveLength(1)
    const runsDir = NodePath.join(ws.store, "experiments", experiments[0]!, "runs")
    const runs = NodeFs.readdirSync(runsDir).filter((n) => /^\d{6,}\.json$/.test(n)).sort()
    expect(runs).toEqual(["000001.json"])
    const run = JSON.parse(NodeFs.readFileSync(NodePath.join(runsDir, runs.at(-1)!), "utf8"))
    expect(run.status, JSON.stringify(run.error)).toBe("cancelled")
    expect(run.endedAt).toEqual(expect.any(String))
    // Nothing of the simulation was published: no trades artifact exists.
    const byType = NodePath.join(ws.store, "artifacts", "by-type")
    const types = NodeFs.existsSync(byType) ? NodeFs.readdirSync(byType) : []
    const trades = types.includes("experiment_trades") ? NodeFs.readdirSync(NodePath.join(byType, "experiment_trades")) : []
    expect(trades).toEqual([])
  }, 170_000)
})
