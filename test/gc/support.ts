/** Shared pieces of the gc / fsck tests: a temp filesystem store with every service, small experiments. */
import { Effect, Layer } from "effect"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { experimentLayer } from "../../nodes/runtime/index.js"
import { decodeDefinition, runExperiment } from "../../nodes/experiment/index.js"
import { ProcessLiveness } from "../../store/index.js"

/** A temp directory removed when the scope closes. */
export const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), prefix))),
    (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
  )

/** Every store service on `root`, with the given liveness port (default: the real one). */
export const storeAt = (root: string, liveness: Layer.Layer<ProcessLiveness> = ProcessLiveness.layerNode) =>
  experimentLayer(root, { liveness })

/**
 * A small synthetic experiment; `feeBps` varies the strategy so that every trade's pnl (and so every
 * output's bytes) differs, while the synthetic inputs stay shared.
 */
export const definitionJson = (name: string, feeBps: number, syntheticSeed = 7) => ({
  name,
  seed: 42,
  inputs: { synthetic: { tokens: 6, days: 1, seed: syntheticSeed } },
  dateRange: { from: "2024-01-01T00:00:00Z", to: "2024-01-02T00:00:00Z" },
  strategy: {
    entry: { delayCandles: 1 },
    exit: { targets: [{ multiple: 1.5, fraction: 0.5 }, { multiple: 3, fraction: 0.5 }], maxHoldCandles: 240 },
    stopLoss: { pct: 0.3 },
    intrabar: "stop-first",
    costs: { feeBps, slippageBps: 10 },
    sizing: { notional: 10, initialCapital: 1000 }
  },
  metrics: { bootstrapResamples: 20 }
})

/** Runs the experiment defined by `json` in normal mode. */
export const runDefinition = (json: unknown) =>
  Effect.flatMap(decodeDefinition(json, "test"), (definition) => runExperiment(definition, json))

/** Every file under `root` (relative path → size and mtime), for before/after snapshots. */
export const snapshot = (root: string) =>
  Effect.promise(async () => {
    const files: Record<string, string> = {}
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name)
        if (entry.isDirectory()) await walk(full)
        else {
          const stats = await fs.stat(full)
          files[path.relative(root, full)] = `${stats.size}:${stats.mtimeMs}`
        }
      }
    }
    await walk(root)
    return files
  })

/** Sets a file's mtime into the past (ctime cannot be set: tests pass `grace: 0` to ignore it). */
export const age = (file: string, ms: number) =>
  Effect.promise(async () => {
    const when = new Date(Date.now() - ms)
    await fs.utimes(file, when, when)
  })
