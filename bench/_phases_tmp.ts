import { DuckDBInstance } from "@duckdb/node-api"
import { PARQUET_COPY_OPTIONS } from "../nodes/contracts/index.js"
import { makeSyntheticConfig, SyntheticMarket as M } from "../nodes/synthetic/index.js"
import { makeOhlcvSource } from "../nodes/synthetic/internal/sources.js"
const config = makeSyntheticConfig({ tokens: Number(process.argv[2] ?? 500), days: 3.5, seed: 7 })
const phase = process.argv[3]
const { mints, order } = M.mintsAndOrder(config.seed, config.tokens)
const db = await DuckDBInstance.create(":memory:", { threads: "2" }); const c = await db.connect()
const src = makeOhlcvSource({ ...config }, mints, order)
c.registerTableFunction(src.tableFunction)
const cpu0 = process.cpuUsage(); const t0 = performance.now()
const sel = "SELECT chain, mint, ts, interval_s, open, high, low, close, volume FROM synthetic_ohlcv()"
if (phase === "gen") { const b = M.makeCandleBuffers(config); let n = 0; for (let i = 0; i < config.tokens; i++) n += M.generateCandles(config, M.planToken(config, i), b) }
if (phase === "scan") await c.run(`SELECT count(*) FROM synthetic_ohlcv()`)
if (phase === "stream") await c.run(`COPY (${sel}) TO '/tmp/synbench/p.parquet' (${PARQUET_COPY_OPTIONS})`)
if (phase === "stream-snappy") await c.run(`COPY (${sel}) TO '/tmp/synbench/p.parquet' (FORMAT parquet, COMPRESSION snappy)`)
if (phase === "sorted") await c.run(`COPY (${sel} ORDER BY chain, mint, ts) TO '/tmp/synbench/p.parquet' (${PARQUET_COPY_OPTIONS})`)
if (phase === "staged") { await c.run(`CREATE TABLE s AS ${sel}`); await c.run(`COPY s TO '/tmp/synbench/p.parquet' (${PARQUET_COPY_OPTIONS})`) }
const cpu = process.cpuUsage(cpu0); const dt = (performance.now() - t0) / 1000
console.log(phase.padEnd(14), "wall", dt.toFixed(2), "cpu", ((cpu.user + cpu.system) / 1e6).toFixed(2), "rss", (process.resourceUsage().maxRSS / 1024).toFixed(0))
