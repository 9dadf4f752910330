/**
 * Hostile strings: quotes, SQL (`'; DROP TABLE x; --`), `../` in names, logical keys, tags and CSV
 * values, 10,000-character values, unicode, tab. They must be handled as data: never run as SQL,
 * never used as a path. NUL and other control characters are refused (in names and in imported rows). The store sits deep inside a work directory so that any `../` escape would
 * land in a place the test snapshots; nothing may appear outside the store but what the test wrote.
 * Accepted values round-trip exactly (artifact list, experiment list, the trades Parquet); values
 * that are refused (control characters in a name, a 10,000-character name) get a clear usage error.
 */
import { DuckDBInstance } from "@duckdb/node-api"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as NodePath from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parseJson, pipeline, runOk, show } from "./support/cli.js"
import { snapshot, snapshotDiff, tempDir, writeDefinition } from "./support/fixtures.js"
import { expectConsistent, expectFsckCli } from "./support/fsck.js"

const work = tempDir("hostile")
afterAll(() => work.cleanup())

const marker = `pipeline-fault-escape-${process.pid}`
const SQL = "'; DROP TABLE x; --"
const MINTS = [SQL, 'say "hi", ok', "../../etc/passwd", "トークン🚀 ünï", "tab\tinside", "m".repeat(10_000)]
const CHAIN = `ch'ain"; DROP TABLE alerts; --`
const CALLER = `caller "x" '; DELETE FROM y; --`
const OHLCV_KEY = `../../x${SQL}/ohlcv`
const ALERTS_KEY = `../../../../../../../../${marker}/alerts`
const TAG = `"; rm -rf / #`

/** A CSV field, quoted (doubling quotes), so commas, quotes and NUL stay inside the value. */
const field = (value: string | number) => `"${String(value).replaceAll(`"`, `""`)}"`
const csv = (rows: ReadonlyArray<ReadonlyArray<string | number>>) => rows.map((row) => row.map(field).join(",")).join("\n") + "\n"

const readParquet = async (path: string): Promise<Array<Record<string, unknown>>> => {
  const db = await DuckDBInstance.create(":memory:")
  const connection = await db.connect()
  try {
    const reader = await connection.runAndReadAll("SELECT mint, chain, caller, alert_id FROM read_parquet($1) ORDER BY alert_id", [path])
    return reader.getRowObjectsJS() as Array<Record<string, unknown>>
  } finally {
    connection.closeSync()
    db.closeSync()
  }
}

describe("hostile strings are data", () => {
  it("SQL, quotes, ../, unicode, tab and 10,000-character values round-trip, NUL is refused; nothing is written outside the store", async () => {
    const inputs = NodePath.join(work.dir, "in")
    mkdirSync(inputs)
    // Deep enough that `../../` from any store directory still lands inside the work directory.
    const store = NodePath.join(work.dir, "a", "b", "c", "d", "e", "store")
    const ohlcvRows: Array<Array<string | number>> = [["ts", "chain", "mint", "open", "high", "low", "close", "volume"]]
    MINTS.forEach((mint, k) => {
      for (let i = 0; i < 120; i++) {
        const p = 1 + 0.4 * Math.sin(i / 12 + k) + i * 0.003
        const ts = `2023-03-01T${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00Z`
        ohlcvRows.push([ts, CHAIN, mint, p.toFixed(4), (p * 1.02).toFixed(4), (p * 0.98).toFixed(4), (p * 1.01).toFixed(4), 100 + i])
      }
    })
    const alertRows: Array<Array<string | number>> = [["alert_id", "alert_ts", "chain", "mint", "caller"]]
    MINTS.forEach((mint, k) => alertRows.push([`id-${k}${SQL}`, `2023-03-01T00:${10 + k}:00Z`, CHAIN, mint, CALLER]))
    const ohlcvFile = NodePath.join(inputs, `candles ${SQL}.csv`)
    const alertsFile = NodePath.join(inputs, "alerts'; --.csv")
    writeFileSync(ohlcvFile, csv(ohlcvRows))
    writeFileSync(alertsFile, csv(alertRows))
    const outsideBefore = snapshot(work.dir, [])

    // Imports with a hostile logical key and tag.
    const ohlcv = await pipeline(["import", "ohlcv", ohlcvFile, "--logical-key", OHLCV_KEY, "--tag", TAG, "--json", "--store", store])
    expect(ohlcv.code, show(ohlcv)).toBe(0)
    const alerts = await pipeline(["import", "alerts", alertsFile, "--logical-key", ALERTS_KEY, "--json", "--store", store])
    expect(alerts.code, show(alerts)).toBe(0)
    // A NUL in an imported value is refused (row and column named), like a NUL in a name.
    const nulFile = NodePath.join(inputs, "nul.csv")
    writeFileSync(nulFile, csv([["alert_id", "alert_ts", "chain", "mint"], ["n1", "2023-03-01T00:00:00Z", CHAIN, "nul\u0000inside"]]))
    const nulImport = await pipeline(["import", "alerts", nulFile, "--store", store])
    expect(nulImport.code, show(nulImport)).toBe(1)
    expect(nulImport.stderr).toContain("row 2, mint: control character U+0000")
    const listed = parseJson(await pipeline(["artifacts", "list", "--json", "--store", store])).artifacts as Array<any>
    const ohlcvArtifact = listed.find((a) => a.type === "ohlcv_slice_v2")
    expect(ohlcvArtifact.logicalKey).toBe(OHLCV_KEY)
    expect(ohlcvArtifact.tags).toEqual([TAG])
    expect(ohlcvArtifact.rowCount).toBe(MINTS.length * 120)
    expect(listed.find((a) => a.type === "alerts_v1").logicalKey).toBe(ALERTS_KEY)
    // A prefix filter with SQL and ../ in it is a string comparison.
    const byPrefix = parseJson(await pipeline(["artifacts", "list", "--prefix", `../../x${SQL}`, "--json", "--store", store]))
    expect(byPrefix.artifacts.map((a: any) => a.artifactId)).toEqual([ohlcvArtifact.artifactId])

    // An experiment named like a path and an injection, on inputs selected by hostile prefixes.
    const name = `../../etc${SQL} "q" ü🚀`
    const def = writeDefinition(inputs, "def.json", {
      name,
      seed: 42,
      inputs: {
        alerts: [{ type: "alerts_v1", logicalKeyPrefix: `../../../../../../../../${marker}/` }],
        ohlcv: [{ type: "ohlcv_slice_v2", logicalKeyPrefix: `../../x${SQL}/` }]
      },
      dateRange: { from: "2023-03-01T00:00:00Z", to: "2023-03-01T02:00:00Z" },
      strategy: {
        entry: { delayCandles: 1 },
        exit: { targets: [{ multiple: 1.2, fraction: 1 }], maxHoldCandles: 30 },
        stopLoss: { pct: 0.3 },
        intrabar: "stop-first",
        costs: { feeBps: 25, slippageBps: 15 },
        sizing: { notional: 10, initialCapital: 1000 }
      }
    })
    const run = await runOk(def, store)
    expect(run.status).toBe("completed")
    // Every alert traded, each with its own exact strings: they went through DuckDB as values.
    const trades = await readParquet(run.outputs.trades.path)
    expect(trades.map((t) => t.mint)).toEqual(MINTS)
    for (const [k, trade] of trades.entries()) {
      expect(trade).toEqual({ mint: MINTS[k], chain: CHAIN, caller: CALLER, alert_id: `id-${k}${SQL}` })
    }
    const experiments = parseJson(await pipeline(["experiments", "list", "--json", "--store", store])).experiments
    expect(experiments.map((e: any) => e.name)).toEqual([name])

    // Refused, with a clear usage error: control characters in a name, a 10,000-character name.
    const definition = JSON.parse(readFileSync(def, "utf8"))
    const nulDef = writeDefinition(inputs, "nul.json", { ...definition, name: "a\u0000b" })
    const nul = await pipeline(["run", nulDef, "--json", "--store", store])
    expect(nul.code, show(nul)).toBe(2)
    expect(nul.stderr).toMatch(/name: .*control characters/)
    const longDef = writeDefinition(inputs, "long.json", { ...definition, name: "n".repeat(10_000) })
    const long = await pipeline(["run", longDef, "--json", "--store", store])
    expect(long.code, show(long)).toBe(2)
    expect(long.stderr).toMatch(/name: .*at most \d+ character/)

    // The store's own records are intact: a rerun is all hits, with the same outputs.
    const rerun = await runOk(def, store)
    for (const node of rerun.nodes) expect(node.cache, node.name).toBe("hit")
    expect(rerun.outputs).toEqual(run.outputs)

    // Nothing was written outside the store: the work directory holds what the test wrote, plus
    // the store; nothing named after the escape marker exists anywhere the ../ could reach.
    const outsideAfter = snapshot(work.dir, [])
    const diff = snapshotDiff(outsideBefore, outsideAfter)
    expect(diff.removed).toEqual([])
    expect(diff.changed).toEqual([])
    const storeRel = NodePath.relative(work.dir, store)
    const added = diff.added.filter((path) => !path.startsWith(`${storeRel}/`) && !storeRel.startsWith(path.replace(/\/$/, "")))
    expect(added.sort()).toEqual(["in/def.json", "in/long.json", "in/nul.csv", "in/nul.json"])
    for (const dir of [work.dir, NodePath.dirname(work.dir), tmpdir(), "/"]) {
      expect(existsSync(NodePath.join(dir, marker)), dir).toBe(false)
    }
    await expectConsistent(store)
    await expectFsckCli(store)
  }, 120_000)
})
