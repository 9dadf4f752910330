import { Effect } from "effect"
import { DuckDBInstance } from "@duckdb/node-api"
import { generateSynthetic, makeSyntheticConfig } from "../nodes/synthetic/index.js"
await Effect.runPromise(generateSynthetic(makeSyntheticConfig({ tokens: 100, days: 3, seed: 13 }), { ohlcvPath: "/tmp/synbench/s.parquet", alertsPath: "/tmp/synbench/sa.parquet" }))
const db = await DuckDBInstance.create(":memory:"); const c = await db.connect()
await c.run(`COPY (SELECT * FROM '/tmp/synbench/s.parquet' ORDER BY chain, mint, ts) TO '/tmp/synbench/c.parquet' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, ROW_GROUP_SIZE 122880, PARQUET_VERSION V1)`)
for (const f of ["s", "c"]) console.log(f, (await c.runAndReadAll(`SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata('/tmp/synbench/${f}.parquet') GROUP BY ALL ORDER BY 1`)).getRows())
