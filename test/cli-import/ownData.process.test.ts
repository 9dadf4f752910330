/**
 * The README's "Your own data" commands, as written, on a fresh store: import the example alerts
 * and candles by tag, run examples/own-data.json (inputs selected by that tag).
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"

const dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "pipeline-own-data-"))
afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

describe("README: your own data", () => {
  it("imports examples/data by tag and runs examples/own-data.json on them", async () => {
    const store = NodePath.join(dir, "store")
    const cli = (args: ReadonlyArray<string>) => runCli(["--store", store, ...args], { timeout: 150_000 })
    const alerts = await cli(["import", "alerts", "examples/data/alerts.csv", "--tag", "own-data"])
    expect(alerts.code, alerts.stderr).toBe(0)
    const candles = await cli(["import", "ohlcv", "examples/data/candles.csv", "--tag", "own-data", "--logical-key", "candles/example"])
    expect(candles.code, candles.stderr).toBe(0)
    const run = await cli(["run", "examples/own-data.json", "--json"])
    expect(run.code, run.stderr).toBe(0)
    const doc = JSON.parse(run.stdout)
    expect(doc.status).toBe("completed")
    expect(doc.metrics.trades).toBe(3)
    expect(doc.diagnostics).toEqual({})
  }, 400_000)
})
