/**
 * `pipeline import` as a process: progress on a terminal (bytes scanned and loaded, rows validated
 * and written, rendered like `run`'s node progress), plain lines when stderr is not a terminal,
 * none with --quiet / --json; and NUL or other control characters in a CSV's text columns
 * refused with the usual problem report, nothing published. A terminal is given with util-linux `script` (a pty).
 * Run `npm run build` first.
 */
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ArtifactCatalog, StoreLive } from "../../store/index.js"
import { binPath, type CliResult, runCli, waitForExit } from "../support/cli.js"
import { realBtcData } from "../support/realData.js"

const FILE = path.join(realBtcData, "binanceus_BTCUSDT_1m.csv")
const ROWS = "30,240"
let dir: string

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-progress-cli-"))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`

/** `pipeline …args` with stdin, stdout and stderr on a pseudo-terminal; both outputs end up in stdout. */
const onTerminal = (args: ReadonlyArray<string>): Promise<CliResult> => {
  const command = [process.execPath, binPath, ...args].map(quote).join(" ")
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", TERM: "dumb" }
  delete env.PIPELINE_STORE
  const child = spawn("script", ["-qec", command, "/dev/null"], { env, stdio: ["ignore", "pipe", "pipe"] })
  return waitForExit(child, 120_000).then((result) => ({ ...result, stdout: result.stdout.replaceAll("\r\n", "\n") }))
}

const SLOW = 180_000
const bytes = () => fs.statSync(FILE).size.toLocaleString("en-US")
const args = (store: string, ...extra: Array<string>) => [
  "--store",
  store,
  ...extra,
  "import",
  "ohlcv",
  FILE,
  "--chain",
  "binanceus",
  "--mint",
  "BTCUSDT"
]

describe("pipeline import progress", () => {
  it("on a terminal: each step's progress, ending at total of total", async () => {
    const result = await onTerminal(args(path.join(dir, "tty")))
    expect(result.code, result.stdout).toBe(0)
    const out = result.stdout
    const name = `  … import ${FILE}`
    expect(out).toContain(`${name} ${bytes()}/${bytes()} bytes scanned (100%)`)
    expect(out).toContain(`${name} ${bytes()}/${bytes()} bytes loaded (100%)`)
    expect(out).toContain(`${name} ${ROWS}/${ROWS} rows validated (100%)`)
    expect(out).toContain(`${name} ${ROWS}/${ROWS} rows written (100%)`)
    // In this order, before the result.
    const at = (text: string) => out.indexOf(text)
    expect(at("bytes scanned")).toBeLessThan(at("bytes loaded"))
    expect(at("bytes loaded")).toBeLessThan(at("rows validated"))
    expect(at("rows validated")).toBeLessThan(at("rows written"))
    expect(at("rows written")).toBeLessThan(at("  quality: "))
    expect(out).toMatch(/^art_[0-9a-f]{64}  ohlcv_slice_v2  chain=binanceus\/mint=BTCUSDT\/res=60s$/m)
  }, SLOW)

  it("none with --quiet or --json on a terminal; plain lines when stderr is not a terminal", async () => {
    const [quiet, json, piped] = await Promise.all([
      onTerminal(args(path.join(dir, "quiet"), "--quiet")),
      onTerminal(args(path.join(dir, "json"), "--json")),
      runCli(args(path.join(dir, "piped")), { timeout: 120_000 })
    ])
    for (const result of [quiet, json]) {
      expect(result.code, result.stdout + result.stderr).toBe(0)
      expect(result.stdout + result.stderr).not.toContain("… import")
      expect(result.stdout + result.stderr).not.toContain("bytes loaded")
    }
    expect(JSON.parse(json.stdout).imported[0].rows).toBe(30_240)
    // A pipe: each step's completion on a line of its own, no control character, stdout untouched.
    expect(piped.code, piped.stderr).toBe(0)
    const name = `  … import ${FILE}`
    const lines = piped.stderr.split("\n")
    expect(lines.some((line) => line.startsWith(`${name} ${bytes()}/${bytes()} bytes loaded (100%)`))).toBe(true)
    expect(piped.stderr).toContain(`${name} ${ROWS}/${ROWS} rows written (100%)`)
    expect(piped.stderr).not.toMatch(/[\u001b\r]/)
    expect(piped.stdout).not.toContain("… import")
  }, SLOW)
})

describe("pipeline import: control characters", () => {
  it("a NUL or an escape in a text column: exit 1, the problems by row and column, nothing published", async () => {
    const store = path.join(dir, "controls")
    const file = path.join(dir, "alerts.csv")
    fs.writeFileSync(
      file,
      [
        "alert_id,alert_ts,chain,mint,caller",
        "a1,2024-01-01T00:00:00Z,solana,MI\u0000NT,bob",
        "a2,2024-01-01T00:01:00Z,sol\u001b[2Jana,M2,",
        "a3,2024-01-01T00:02:00Z,solana,M3,tab\there"
      ].join("\n") + "\n"
    )
    const [text, json] = await Promise.all([
      runCli(["--store", store, "import", "alerts", file], { timeout: 120_000 }),
      runCli(["--store", store, "--json", "import", "alerts", file], { timeout: 120_000 })
    ])
    expect(text.code).toBe(1)
    expect(text.stderr).toContain(`pipeline: ${file}: 2 problems`)
    expect(text.stderr).toContain("  row 2, mint: control character U+0000 at character 3 is not allowed (tab is the only one)")
    expect(text.stderr).toContain("  row 3, chain: control character U+001B at character 4 is not allowed (tab is the only one)")
    expect(text.stderr).not.toMatch(/[\u0000\u001b]/)
    expect(json.code).toBe(1)
    const doc = JSON.parse(json.stdout)
    expect(doc.imported).toEqual([])
    expect(doc.failed[0].problems.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([[2, "mint"], [3, "chain"]])
    const listed = await Effect.runPromise(
      Effect.flatMap(ArtifactCatalog, (catalog) => catalog.list()).pipe(Effect.provide(StoreLive.layer(store)))
    )
    expect(listed).toEqual([])
  }, SLOW)
})
