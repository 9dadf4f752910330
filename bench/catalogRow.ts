/**
 * Bench row: a cached rerun against a PostgreSQL catalog vs the same against the filesystem store
 * (target ≤ 2×). A throwaway PostgreSQL server is started for it (test/support/servers/postgres.ts:
 * initdb + pg_ctl on 127.0.0.1, fsync off — so this measures the catalog's queries, not disk
 * flushes) and stopped afterwards; each backend runs in a child process of its own (bench/catalog.ts),
 * cold once, then cached reruns, medians compared.
 */
import { join } from "node:path"
import { startPostgres } from "../test/support/servers/postgres.js"
import type { CatalogChildResult } from "./catalog.js"
import { median, removeDir, round, runChild, type SizeConfig, tempDir } from "./support.js"

export interface CatalogBenchResult {
  readonly size: string
  readonly reruns: number
  readonly file: CatalogChildResult & { readonly cachedMedianMs: number }
  readonly postgres: CatalogChildResult & { readonly cachedMedianMs: number }
  /** postgres cached median / file cached median. */
  readonly ratio: number
  readonly target: number
}

export const CATALOG_TARGET = 2

export const benchCatalog = async (
  size: SizeConfig,
  reruns: number,
  log: (line: string) => void
): Promise<CatalogBenchResult> => {
  const dir = tempDir("bench-catalog-")
  const server = await startPostgres()
  try {
    log(`${size.name}: catalog — filesystem store, cold + ${reruns} cached`)
    const file = (await runChild<CatalogChildResult>("catalog.ts", { store: join(dir, "file"), size, reruns })).result
    log(`${size.name}: catalog — PostgreSQL (${server.url}), cold + ${reruns} cached`)
    const postgres = (await runChild<CatalogChildResult>("catalog.ts", { store: join(dir, "pg"), catalog: server.url, size, reruns }))
      .result
    const fileMedian = median(file.cachedMs)
    const pgMedian = median(postgres.cachedMs)
    return {
      size: size.name,
      reruns,
      file: { ...file, cachedMedianMs: round(fileMedian) },
      postgres: { ...postgres, cachedMedianMs: round(pgMedian) },
      ratio: round(pgMedian / fileMedian, 3),
      target: CATALOG_TARGET
    }
  } finally {
    server.stop()
    removeDir(dir)
  }
}

export const catalogLines = (r: CatalogBenchResult | null): Array<string> =>
  r === null
    ? []
    : [
      "",
      `Catalog (${r.size}, library, median of ${r.reruns} cached reruns)`,
      `  filesystem store   cold ${r.file.coldMs} ms   cached ${r.file.cachedMedianMs} ms`,
      `  PostgreSQL catalog cold ${r.postgres.coldMs} ms   cached ${r.postgres.cachedMedianMs} ms   (${r.ratio.toFixed(2)}× the file store; target ≤ ${r.target}×)`
    ]

/** `npx tsx bench/catalogRow.ts [S|T] [reruns]`: this row alone (prints the lines and the JSON). */
if (import.meta.url === `file://${process.argv[1]}`) {
  const { SIZES } = await import("./support.js")
  const size = SIZES[process.argv[2] ?? "S"]
  if (size === undefined) throw new Error(`unknown size ${process.argv[2]}`)
  const result = await benchCatalog(size, Number(process.argv[3] ?? 5), (line) => process.stderr.write(`${line}\n`))
  console.log(catalogLines(result).join("\n"))
  console.log(JSON.stringify(result, null, 2))
}
