/**
 * `pipeline import` as a process: the four real files of test/support/realData.ts (the
 * kraken one headerless), ids and quality printed; alerts; a bad CSV (and a batch holding one)
 * exits 1 naming row and column and leaves the store unchanged. Run `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { ArtifactCatalog, StoreLive } from "../../store/index.js"
import { runCli } from "../support/cli.js"
import { realBtcData } from "../support/realData.js"
import { snapshot } from "../gc/support.js"

const DATA = realBtcData
let dir: string
let store: string
const cli = (...args: Array<string>) => runCli(["--store", store, ...args], { timeout: 120_000 })

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-cli-"))
  store = path.join(dir, "store")
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const listImported = () =>
  Effect.runPromise(
    Effect.flatMap(ArtifactCatalog, (catalog) => catalog.list()).pipe(Effect.provide(StoreLive.layer(store)))
  )

describe("pipeline import (process)", () => {
  it("imports the four real files: ids, types, logical keys, rows and quality printed", async () => {
    const kraken = await cli(
      "import",
      "ohlcv",
      path.join(DATA, "kraken_BTCUSDC_1m_noheader.csv"),
      "--columns",
      "ts,open,high,low,close,volume,trade_count",
      "--ts-unit",
      "s",
      "--chain",
      "kraken",
      "--mint",
      "BTCUSDC",
      "--tag",
      "real"
    )
    expect(kraken.code, kraken.stderr).toBe(0)
    expect(kraken.stdout).toMatch(/^art_[0-9a-f]{64}  ohlcv_slice_v2  chain=kraken\/mint=BTCUSDC\/res=60s$/m)
    expect(kraken.stdout).toContain("56,717 rows")
    expect(kraken.stdout).toMatch(/quality: interval 60 s \(inferred\), 1 series, [\d,]+ gaps \([\d,]+ missing candles\), 0 zero-volume candles/)

    const docs: Record<string, any> = {}
    for (const mint of ["BTCUSDC", "BTCUSDT", "BTCUSD"]) {
      const result = await cli(
        "--json",
        "import",
        "ohlcv",
        path.join(DATA, `binanceus_${mint}_1m.csv`),
        "--chain",
        "binanceus",
        "--mint",
        mint,
        "--tag",
        "real"
      )
      expect(result.code, result.stderr).toBe(0)
      const doc = JSON.parse(result.stdout)
      expect(doc.failed).toEqual([])
      expect(doc.imported).toHaveLength(1)
      docs[mint] = doc.imported[0]
    }
    for (const [mint, imported] of Object.entries(docs)) {
      expect(imported.artifactId).toMatch(/^art_[0-9a-f]{64}$/)
      expect(imported.type).toBe("ohlcv_slice_v2")
      expect(imported.logicalKey).toBe(`chain=binanceus/mint=${mint}/res=60s`)
      expect(imported.rows).toBe(imported.quality.rowCount)
      expect(imported.rows).toBeGreaterThan(25_000)
      expect(imported.quality.intervalS).toBe(60)
      expect(imported.quality.zeroVolume).toBeGreaterThan(0)
      expect(imported.tags).toEqual(["real"])
    }

    const manifests = await listImported()
    expect(manifests).toHaveLength(4)
    for (const manifest of manifests) {
      expect(manifest.producedBy.node).toBe("import")
      expect(manifest.tags).toEqual(["real"])
    }
  }, 180_000)

  it("alerts: imported with the chain from an option", async () => {
    const file = path.join(dir, "calls.csv")
    fs.writeFileSync(file, "alert_id,ts,mint,caller\na1,2023-03-01T00:00:00Z,BTCUSDT,amy\na2,2023-03-02T00:00:00Z,BTCUSDC,\n")
    const result = await cli("import", "alerts", file, "--chain", "binanceus")
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^art_[0-9a-f]{64}  alerts_v1  alerts\/calls$/m)
    expect(result.stdout).toContain("2 rows")
    expect(result.stdout).toContain("1 chains, 2 mints, 1 callers, 1 alerts without caller")
  }, 60_000)

  it("a bad CSV exits 1 naming row and column (first 20, then a count); a batch with it publishes nothing", async () => {
    const bad = path.join(dir, "bad.csv")
    const rows = ["open_time,open,high,low,close,volume", "2023-03-01 00:00:00+00:00,1,2,0.5,1.5,10"]
    rows.push("2023-03-01 00:01:00+00:00,1,abc,0.5,1.5,10")
    for (let i = 2; i < 27; i++) rows.push(`2023-03-01 00:${String(i).padStart(2, "0")}:00+00:00,1,2,0.5,1.5,-${i}`)
    fs.writeFileSync(bad, `${rows.join("\n")}\n`)
    const good = path.join(dir, "good.csv")
    fs.writeFileSync(
      good,
      "open_time,open,high,low,close,volume\n2023-03-01 00:00:00+00:00,1,2,0.5,1.5,10\n2023-03-01 00:01:00+00:00,1,2,0.5,1.5,10\n"
    )
    fs.mkdirSync(store, { recursive: true })
    const before = await Effect.runPromise(snapshot(store))

    const single = await cli("import", "ohlcv", bad, "--chain", "x", "--mint", "y")
    expect(single.code).toBe(1)
    expect(single.stdout).toBe("")
    expect(single.stderr).toContain(bad)
    expect(single.stderr).toContain("26 problems")
    expect(single.stderr).toMatch(/row 3, high: .*abc/)
    expect(single.stderr).toMatch(/row 4, volume: /)
    const listed = single.stderr.split("\n").filter((line) => /^\s+row \d+, /.test(line))
    expect(listed).toHaveLength(20)
    expect(single.stderr).toContain("and 6 more")
    expect(single.stderr).toContain("nothing was imported")
    expect(await Effect.runPromise(snapshot(store))).toEqual(before)

    const batch = await cli("--json", "import", "ohlcv", good, bad, "--chain", "x", "--mint", "y")
    expect(batch.code).toBe(1)
    const doc = JSON.parse(batch.stdout)
    expect(doc.imported).toEqual([])
    expect(doc.failed).toHaveLength(1)
    expect(doc.failed[0].file).toBe(bad)
    expect(doc.failed[0].totalProblems).toBe(26)
    expect(doc.failed[0].problems[0]).toEqual({ row: 3, column: "high", message: expect.stringContaining("abc") })
    expect(await Effect.runPromise(snapshot(store))).toEqual(before)
  }, 120_000)

  it("option errors are usage errors (exit 2)", async () => {
    const bad = await cli("import", "ohlcv", path.join(DATA, "binanceus_BTCUSD_1m.csv"), "--interval-s", "0")
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("intervalS")
  }, 60_000)
})
