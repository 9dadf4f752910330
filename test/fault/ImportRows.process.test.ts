/**
 * Every input row is imported or named in an error, through `pipeline import`: rows longer than
 * the line limit (including one larger than DuckDB's CSV buffer, which its reader dropped without a
 * word), bare-CR line endings (the caller column was lost), a header line of 50 MB (read whole
 * before), duplicate header names, quoted newlines, and years outside 0001–9999. Each refused file
 * exits 1 naming file, row (and column), and leaves the store exactly as it was.
 */
import { writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseJson, pipeline, show } from "./support/cli.js"
import { snapshot, snapshotDiff, tempDir } from "./support/fixtures.js"

const work = tempDir("import-rows")
afterAll(() => work.cleanup())
const store = NodePath.join(work.dir, "store")

const file = (name: string, content: string | Uint8Array) => {
  const path = NodePath.join(work.dir, name)
  writeFileSync(path, content)
  return path
}

const ALERTS = "alert_id,alert_ts,chain,mint,caller"
const alert = (i: number, caller = "bob") => `a${i},2024-01-01T00:0${i}:00Z,solana,M${i},${caller}`
const OHLCV = "ts,open,high,low,close,volume"
const candle = (minute: number) =>
  `2023-03-01T00:${String(minute).padStart(2, "0")}:00Z,1.0${minute % 10},1.2,0.9,1.1,${100 + minute}`

const importJson = (kind: "alerts" | "ohlcv", path: string, extra: ReadonlyArray<string> = []) =>
  pipeline(["import", kind, path, "--json", "--store", store, ...extra])

/** The store is created once by a good import; every refused file must leave it as it was. */
beforeAll(async () => {
  const result = await importJson("alerts", file("seed.csv", [ALERTS, alert(1)].join("\n") + "\n"))
  expect(result.code, show(result)).toBe(0)
})

const expectRefused = (result: Awaited<ReturnType<typeof pipeline>>, path: string) => {
  expect(result.code, show(result)).toBe(1)
  const report = parseJson(result)
  expect(report.imported).toEqual([])
  expect(report.failed).toHaveLength(1)
  expect(report.failed[0].file).toBe(path)
  expect(report.failed[0].message).toContain(path)
  return report.failed[0]
}

describe("import: no row is silently dropped", () => {
  it("a row longer than the line limit is named, also past DuckDB's 32 MB buffer (was: exit 0, 2 rows)", async () => {
    const before = snapshot(store)
    const huge = file("huge.csv", [ALERTS, alert(1), alert(9, "x".repeat(33 * 1024 * 1024)), alert(2)].join("\n") + "\n")
    const long = file("long.csv", [OHLCV, candle(0), `${candle(1)},${"9".repeat(2 * 1024 * 1024)}`, candle(2)].join("\n") + "\n")
    const [a, b] = await Promise.all([
      importJson("alerts", huge),
      importJson("ohlcv", long, ["--chain", "sol", "--mint", "M"])
    ])
    for (const [result, path] of [[a, huge], [b, long]] as const) {
      const failure = expectRefused(result, path)
      expect(failure.problems).toEqual([
        { row: 3, column: null, message: expect.stringMatching(/longer than the limit of 1,048,576 bytes/) }
      ])
    }
    expect(snapshotDiff(before, snapshot(store))).toEqual({ added: [], removed: [], changed: [] })
  })

  it("a header line of 50 MB, or of 100,000 columns, fails fast, naming the file (was: 57 s and 3.65 GB)", async () => {
    const before = snapshot(store)
    const wide = file("wide.csv", ALERTS + ",x".repeat(25 * 1024 * 1024) + "\n" + alert(1) + "\n")
    const columns = file("columns.csv", ALERTS + ",x".repeat(100_000) + "\n" + alert(1) + "\n")
    const started = Date.now()
    const [a, b] = await Promise.all([importJson("alerts", wide), importJson("alerts", columns)])
    const elapsed = Date.now() - started
    expect(expectRefused(a, wide).message).toMatch(/the first line is longer than 1,048,576 bytes/)
    expect(expectRefused(b, columns).message).toMatch(/the header has 100,005 columns, more than the limit of 4,096/)
    expect(elapsed).toBeLessThan(20_000)
    expect(snapshotDiff(before, snapshot(store))).toEqual({ added: [], removed: [], changed: [] })
  })
})

describe("import: line endings", () => {
  it("bare-CR files import with every column (was: caller dropped; ohlcv: a missing column)", async () => {
    const alerts = file("cr-alerts.csv", [ALERTS, alert(1), alert(2, "eve"), alert(3)].join("\r") + "\r")
    const candles = file("cr-ohlcv.csv", [OHLCV, ...Array.from({ length: 5 }, (_, i) => candle(i))].join("\r") + "\r")
    const [a, b] = await Promise.all([
      importJson("alerts", alerts),
      importJson("ohlcv", candles, ["--chain", "sol", "--mint", "CR"])
    ])
    expect(a.code, show(a)).toBe(0)
    const imported = parseJson(a).imported[0]
    expect(imported.rows).toBe(3)
    expect(imported.quality).toMatchObject({ callers: 2, withoutCaller: 0 })
    expect(b.code, show(b)).toBe(0)
    expect(parseJson(b).imported[0]).toMatchObject({ rows: 5, quality: { intervalS: 60, gaps: 0 } })
  })
})

describe("import: header names, quoted newlines, years", () => {
  it("a duplicated header name is refused, naming the column", async () => {
    const before = snapshot(store)
    const dup = file("dup.csv", [`${ALERTS},caller`, `${alert(1)},eve`, `${alert(2)},eve`].join("\n") + "\n")
    const failure = expectRefused(await importJson("alerts", dup), dup)
    expect(failure.problems).toEqual([
      { row: 1, column: "caller", message: expect.stringMatching(/appears twice in the header \(columns 5 and 6\)/) }
    ])
    expect(snapshotDiff(before, snapshot(store))).toEqual({ added: [], removed: [], changed: [] })
  })

  it("quoted newlines: a record spanning lines imports; problems after it name the right line", async () => {
    const before = snapshot(store)
    const header = `${ALERTS},note`
    const ok = file("quoted.csv", [header, `${alert(1)},plain`, `${alert(2)},"two\nlines"`, `${alert(3)},"a ""quoted""\r\n\nword"`, `${alert(4)},x`].join("\n") + "\n")
    const bad = file("quoted-bad.csv", [header, `${alert(1)},"one\nmore"`, `${alert(2)},x`, `a3,not-a-time,solana,M3,bob,x`, `${alert(4, '"in\ncaller"')},x`].join("\n") + "\n")
    const [a, b] = await Promise.all([importJson("alerts", ok), importJson("alerts", bad)])
    expect(a.code, show(a)).toBe(0)
    expect(parseJson(a).imported[0]).toMatchObject({ rows: 4, quality: { callers: 1, withoutCaller: 0 } })
    const failure = expectRefused(b, bad)
    expect(failure.problems).toEqual([
      { row: 5, column: "alert_ts", message: expect.stringMatching(/not a valid timestamp/) },
      { row: 6, column: "caller", message: expect.stringMatching(/control character U\+000A/) }
    ])
    // Only the good file was published.
    expect(snapshotDiff(before, snapshot(store)).removed).toEqual([])
  })

  it("years before 0001 or after 9999 are refused, naming row and column (was: a non-ISO minTs)", async () => {
    const before = snapshot(store)
    const alerts = file("years.csv", [ALERTS, alert(1), "a5,-0001-01-01T00:05:00Z,solana,M5,bob", "a6,10000-01-01T00:00:00Z,solana,M6,bob"].join("\n") + "\n")
    const candles = file("years-ohlcv.csv", [OHLCV, candle(0), candle(1), "10000-03-01T00:02:00Z,1,1.2,0.9,1.1,100"].join("\n") + "\n")
    const [a, b] = await Promise.all([importJson("alerts", alerts), importJson("ohlcv", candles, ["--chain", "sol", "--mint", "Y"])])
    expect(expectRefused(a, alerts).problems).toEqual([
      { row: 3, column: "alert_ts", message: expect.stringMatching(/outside the years 0001–9999/) },
      { row: 4, column: "alert_ts", message: expect.stringMatching(/outside the years 0001–9999/) }
    ])
    expect(expectRefused(b, candles).problems).toContainEqual(
      { row: 4, column: "ts", message: expect.stringMatching(/outside the years 0001–9999/) }
    )
    expect(snapshotDiff(before, snapshot(store))).toEqual({ added: [], removed: [], changed: [] })
  })
})
