/**
 * Bad input files through `pipeline import ohlcv`: garbage, a Parquet file with flipped bytes or
 * cut short, a truncated CSV, a non-numeric price, a NaN price, a duplicate candle. Each must fail
 * with exit 1 and an error naming the file (and the row and column when the problem is in a row),
 * and leave the store exactly as it was. Several files at once are all or nothing.
 */
import { randomBytes } from "node:crypto"
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parseJson, pipeline, runOk, show } from "./support/cli.js"
import { definition, snapshot, snapshotDiff, storeSnapshot, tempDir, writeDefinition } from "./support/fixtures.js"
import { expectConsistent, expectFsckCli } from "./support/fsck.js"
import { checkStore, objectPath } from "./support/storeCheck.js"

const work = tempDir("import")
afterAll(() => work.cleanup())

const HEADER = "ts,open,high,low,close,volume"
const candle = (minute: number) =>
  `2023-03-01T00:${String(minute).padStart(2, "0")}:00Z,${(1 + minute / 100).toFixed(2)},${(1.1 + minute / 100).toFixed(2)},` +
  `${(0.9 + minute / 100).toFixed(2)},${(1.05 + minute / 100).toFixed(2)},${100 + minute}`
const rows = Array.from({ length: 30 }, (_, i) => candle(i))

describe("bad input files and corrupt imported objects", () => {
  it("each bad file fails with exit 1 naming file, row and column; the store is left as it was", async () => {
    const inputs = NodePath.join(work.dir, "in")
    mkdirSync(inputs)
    const file = (name: string, content: string | Uint8Array) => {
      const path = NodePath.join(inputs, name)
      writeFileSync(path, content)
      return path
    }
    const store = NodePath.join(work.dir, "store")
    const good = file("good.csv", [HEADER, ...rows].join("\n") + "\n")
    const imported = await pipeline(["import", "ohlcv", good, "--chain", "sol", "--mint", "GOOD", "--json", "--store", store])
    expect(imported.code, show(imported)).toBe(0)
    const goodArtifact = parseJson(imported).imported[0]

    // Parquet inputs made from the canonical Parquet the good import wrote.
    const parquet = readFileSync(objectPath(store, goodArtifact.digest))
    const flipped = Buffer.from(parquet)
    for (let i = 200; i < Math.min(1200, flipped.length - 16); i += 7) flipped[i] ^= 0xa5
    const csv = [HEADER, ...rows].join("\n")
    const withRow = (index: number, line: string) => [HEADER, ...rows.slice(0, index), line, ...rows.slice(index + 1)].join("\n") + "\n"
    const bad: Array<{ name: string; path: string; expect: Array<RegExp> }> = [
      { name: "garbage", path: file("garbage.parquet", randomBytes(4096)), expect: [/not a readable Parquet file/] },
      { name: "flipped bytes", path: file("flipped.parquet", flipped), expect: [/Failed to read file|corrupt|Decompression|Invalid/i] },
      { name: "cut short", path: file("cut.parquet", parquet.subarray(0, parquet.length >> 1)), expect: [/not a readable Parquet file/] },
      // The last line cut in the middle of its timestamp: row 31 (line 31, header is line 1).
      { name: "truncated CSV", path: file("truncated.csv", csv.slice(0, csv.length - 37)), expect: [/row 31, ts:/, /row 31, volume:/] },
      { name: "wrong type", path: file("types.csv", withRow(4, candle(4).replace(/,1\.04,/, ",abc,"))), expect: [/row 6, open: .*abc/] },
      { name: "NaN price", path: file("nan.csv", withRow(6, candle(6).replace(/,1\.11,/, ",NaN,"))), expect: [/row 8, close: .*NaN/] },
      { name: "duplicate candle", path: file("dup.csv", [HEADER, ...rows.slice(0, 10), rows[9], ...rows.slice(10)].join("\n") + "\n"), expect: [/row 12, ts: .*duplicate/i] }
    ]

    const before = snapshot(store)
    const results = await Promise.all(
      bad.map((b) => pipeline(["import", "ohlcv", b.path, "--chain", "sol", "--mint", "BAD", "--store", store]))
    )
    results.forEach((result, i) => {
      const { name, path } = bad[i]
      expect(result.code, `${name}: ${show(result)}`).toBe(1)
      expect(result.stderr, name).toContain(NodePath.basename(path))
      for (const pattern of bad[i].expect) expect(result.stderr, name).toMatch(pattern)
      expect(result.stderr, name).toMatch(/nothing was imported/)
      expect(result.stderr, name).not.toMatch(/internal error|\n\s+at /)
    })
    // Nothing published, nothing left behind (tmp/ and the stat cache included).
    expect(snapshotDiff(before, snapshot(store))).toEqual({ added: [], removed: [], changed: [] })

    // Several files at once: one bad file means none is imported.
    const good2 = file("good2.csv", [HEADER, ...rows.slice(0, 20)].join("\n") + "\n")
    const batch = await pipeline(["import", "ohlcv", good2, bad[5].path, "--chain", "sol", "--mint", "BATCH", "--json", "--store", store])
    expect(batch.code, show(batch)).toBe(1)
    const report = parseJson(batch)
    expect(report.imported).toEqual([])
    expect(report.failed.map((f: any) => NodePath.basename(f.file))).toEqual(["nan.csv"])
    expect(report.failed[0].problems[0]).toMatchObject({ row: 8, column: "close" })
    expect(snapshotDiff(before, snapshot(store))).toEqual({ added: [], removed: [], changed: [] })

    // The good file still imports (to the same artifact) and the store is consistent.
    const again = await pipeline(["import", "ohlcv", good, "--chain", "sol", "--mint", "GOOD", "--json", "--store", store])
    expect(parseJson(again).imported[0].artifactId).toBe(goodArtifact.artifactId)
    await expectConsistent(store)
    await expectFsckCli(store)
  }, 120_000)

  it("a flipped byte in an imported artifact's object: validate names the artifact as corrupt; re-importing repairs it", async () => {
    const dir = NodePath.join(work.dir, "corrupt")
    mkdirSync(dir)
    const store = NodePath.join(dir, "store")
    const candles = NodePath.join(dir, "candles.csv")
    const alerts = NodePath.join(dir, "alerts.csv")
    writeFileSync(candles, [HEADER, ...rows].join("\n") + "\n")
    writeFileSync(alerts, "alert_id,alert_ts,chain,mint,caller\nA1,2023-03-01T00:03:00Z,sol,M1,bob\n")
    const ohlcv = parseJson(await pipeline(["import", "ohlcv", candles, "--chain", "sol", "--mint", "M1", "--json", "--store", store])).imported[0]
    expect((await pipeline(["import", "alerts", alerts, "--json", "--store", store])).code).toBe(0)
    const def = writeDefinition(dir, "def.json", {
      ...definition("import-corrupt"),
      inputs: { alerts: [{ type: "alerts_v1" }], ohlcv: [{ type: "ohlcv_slice_v2" }] },
      dateRange: { from: "2023-03-01T00:00:00Z", to: "2023-03-01T01:00:00Z" }
    })

    const file = objectPath(store, ohlcv.digest)
    chmodSync(file, 0o644)
    const bytes = readFileSync(file)
    bytes[bytes.length >> 1] ^= 0xff
    writeFileSync(file, bytes)
    const before = storeSnapshot(store)
    const result = await pipeline(["run", def, "--json", "--store", store])
    expect(result.code, show(result)).toBe(1)
    expect(result.stderr).toContain(ohlcv.artifactId)
    expect(result.stderr).toContain(ohlcv.digest)
    expect(result.stderr).toMatch(/corrupt/)
    // Nothing was computed from it: no object, manifest or action entry was added.
    const diff = snapshotDiff(before, storeSnapshot(store))
    expect(diff.added.filter((path) => /^(objects|artifacts|actions)\/.*[^/]$/.test(path) && !path.startsWith("actions/identity/"))).toEqual([])
    expect(diff.removed).toEqual([])

    // Importing the same file again writes the same object, replacing the corrupt bytes.
    const again = parseJson(await pipeline(["import", "ohlcv", candles, "--chain", "sol", "--mint", "M1", "--json", "--store", store])).imported[0]
    expect(again.artifactId).toBe(ohlcv.artifactId)
    expect(checkStore(store)).toEqual([])
    const run = await runOk(def, store)
    expect(run.status).toBe("completed")
    await expectFsckCli(store)
  }, 90_000)
})
