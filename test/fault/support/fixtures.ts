/** Temp directories, small synthetic definitions and store snapshots for the fault tests. */
import { createHash } from "node:crypto"
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as NodePath from "node:path"

/** A fresh directory under os.tmpdir(); `cleanup` removes it. */
export const tempDir = (prefix: string) => {
  const dir = mkdtempSync(NodePath.join(tmpdir(), `pipeline-fault-${prefix}-`))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface StrategyVariant {
  readonly stopLoss?: number
  readonly firstTarget?: number
  readonly delayCandles?: number
  readonly feeBps?: number
}

/** A small definition on the synthetic market (tokens × 1 day), varied by strategy. */
export const definition = (name: string, variant: StrategyVariant = {}, market = { tokens: 10, days: 1, seed: 7 }) => ({
  name,
  seed: 42,
  inputs: { synthetic: market },
  dateRange: { from: "2024-01-01T00:00:00Z", to: "2024-01-02T00:00:00Z" },
  strategy: {
    entry: { delayCandles: variant.delayCandles ?? 1 },
    exit: {
      targets: [{ multiple: variant.firstTarget ?? 1.5, fraction: 0.5 }, { multiple: 3, fraction: 0.5 }],
      maxHoldCandles: 720
    },
    stopLoss: { pct: variant.stopLoss ?? 0.25 },
    intrabar: "stop-first",
    costs: { feeBps: variant.feeBps ?? 25, slippageBps: 15 },
    sizing: { notional: 10, initialCapital: 1000 }
  }
})

/** Writes a definition as JSON into `dir` and returns its path. */
export const writeDefinition = (dir: string, file: string, value: unknown): string => {
  const path = NodePath.join(dir, file)
  writeFileSync(path, JSON.stringify(value, null, 2))
  return path
}

/** The four output digests of a `run --json` document. */
export const outputDigests = (doc: any): Record<string, string> =>
  Object.fromEntries(Object.entries(doc.outputs as Record<string, { digest: string }>).map(([k, v]) => [k, v.digest]))

/** The four output artifact ids of a `run --json` document. */
export const outputIds = (doc: any): Record<string, string> =>
  Object.fromEntries(Object.entries(doc.outputs as Record<string, { artifactId: string }>).map(([k, v]) => [k, v.artifactId]))

/**
 * Every file under `root` (relative path → `size:sha256-prefix`), skipping the top-level
 * directories in `skip`. Symlinks are recorded as links, never followed.
 */
export const snapshot = (root: string, skip: ReadonlyArray<string> = []): Map<string, string> => {
  const out = new Map<string, string>()
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const relPath = rel === "" ? name : `${rel}/${name}`
      if (rel === "" && skip.includes(name)) continue
      const path = NodePath.join(dir, name)
      const stats = lstatSync(path)
      if (stats.isDirectory()) {
        out.set(`${relPath}/`, "dir")
        walk(path, relPath)
      } else if (stats.isSymbolicLink()) out.set(relPath, "symlink")
      else out.set(relPath, `${stats.size}:${createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16)}`)
    }
  }
  if (existsSync(root)) walk(root, "")
  return out
}

/** The store's durable state: objects/, artifacts/, actions/, experiments/ (not tmp/ or cache/). */
export const storeSnapshot = (root: string): Map<string, string> => snapshot(root, ["tmp", "cache"])

/** What differs between two snapshots, for assertions with readable failures. */
export const snapshotDiff = (before: Map<string, string>, after: Map<string, string>) => {
  const added = [...after.keys()].filter((k) => !before.has(k))
  const removed = [...before.keys()].filter((k) => !after.has(k))
  const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k))
  return { added, removed, changed }
}
