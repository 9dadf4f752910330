/**
 * Synthetic generator throughput: `npx tsx bench/synthetic.ts [tokens days]…`.
 * Default sizes: 250 tokens × 3.5 days (~1M candles; ~80 % of slots have one) and 2,500 × 3.5
 * (~10M). Prints rows/s, CPU seconds (all threads) and peak RSS.
 */
import { Effect } from "effect"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { generateSynthetic, makeSyntheticConfig } from "../nodes/synthetic/index.js"

const args = process.argv.slice(2).map(Number)
const sizes: Array<[number, number]> = []
for (let i = 0; i + 1 < args.length; i += 2) sizes.push([args[i], args[i + 1]])
if (sizes.length === 0) sizes.push([250, 3.5], [2500, 3.5])

const dir = mkdtempSync(join(tmpdir(), "bench-synthetic-"))
try {
  for (const [tokens, days] of sizes) {
    const config = makeSyntheticConfig({ tokens, days, seed: 7 })
    const ohlcvPath = join(dir, `ohlcv-${tokens}.parquet`)
    const alertsPath = join(dir, `alerts-${tokens}.parquet`)
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const summary = await Effect.runPromise(generateSynthetic(config, { ohlcvPath, alertsPath }))
    const seconds = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    const cpuSeconds = (cpu.user + cpu.system) / 1e6
    console.log(
      `${tokens} tokens × ${days} days: ${summary.candles.toLocaleString("en")} candles, ` +
        `${summary.alerts.toLocaleString("en")} alerts in ${seconds.toFixed(2)} s = ` +
        `${(summary.candles / seconds / 1e6).toFixed(2)} M rows/s (CPU ${cpuSeconds.toFixed(2)} s in all threads); ` +
        `ohlcv ${(statSync(ohlcvPath).size / 1e6).toFixed(1)} MB; ` +
        `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
