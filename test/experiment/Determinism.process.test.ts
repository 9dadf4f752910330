/**
 * Determinism as a contract (docs/DESIGN.md §5), across processes: the same definition and seed, run by
 * two separate processes into two separate stores, give identical output digests; a seed only
 * matters when the strategy has a random component.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { repoRoot, runCli } from "../support/cli.js"

const work = mkdtempSync(join(tmpdir(), "determinism-"))

const definition = (seed: number, costs: Record<string, number>, entry: Record<string, number> = {}) => ({
  name: "determinism",
  seed,
  inputs: { synthetic: { tokens: 12, days: 1, seed: 11 } },
  dateRange: { from: "2024-01-01T00:00:00Z", to: "2024-01-02T00:00:00Z" },
  strategy: {
    entry,
    exit: { targets: [{ multiple: 1.5, fraction: 0.5 }, { multiple: 3, fraction: 0.5 }], maxHoldCandles: 240 },
    stopLoss: { pct: 0.2 },
    trailing: { activation: 0.3, pct: 0.15 },
    costs: { feeBps: 20, slippageBps: 10, ...costs }
  }
})

const write = (name: string, value: unknown) => {
  const path = join(work, `${name}.json`)
  writeFileSync(path, JSON.stringify(value))
  return path
}

interface RunDocument {
  readonly experimentId: string
  readonly outputs: Record<"trades" | "metrics" | "equity" | "diagnostics", { digest: string; path: string }>
}

const run = async (definitionPath: string, store: string): Promise<RunDocument> => {
  const result = await runCli(["run", definitionPath, "--json", "--store", join(work, store)], { timeout: 180_000 })
  expect(result.stderr).not.toContain("internal error")
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as RunDocument
}

const digests = (doc: RunDocument) => Object.fromEntries(Object.entries(doc.outputs).map(([k, v]) => [k, v.digest]))

beforeAll(() => {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: repoRoot, stdio: "ignore" })
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe("determinism across processes", () => {
  it("two processes, two stores, same definition: identical output digests", async () => {
    const path = write("jitter-seed-1", definition(1, { slippageJitterBps: 30 }, { jitterCandles: 2 }))
    const [a, b] = await Promise.all([run(path, "store-a"), run(path, "store-b")])
    expect(a.experimentId).toBe(b.experimentId)
    expect(digests(a)).toEqual(digests(b))
    // The files themselves, re-hashed independently of the store.
    const [hashA, hashB] = [a, b].map((doc) =>
      execFileSync(process.execPath, [join(repoRoot, "bin", "pipeline.js"), "hash", doc.outputs.trades.path], {
        encoding: "utf8"
      }).split(" ")[0]
    )
    expect(`blake3:${hashA}`).toBe(a.outputs.trades.digest)
    expect(hashA).toBe(hashB)
  }, 240_000)

  it("with jitter, seeds 1 and 2 give different trades; without, the seed changes nothing", async () => {
    const [jitter1, jitter2, plain1, plain2] = await Promise.all([
      run(write("j1", definition(1, { slippageJitterBps: 30 }, { jitterCandles: 2 })), "store-c"),
      run(write("j2", definition(2, { slippageJitterBps: 30 }, { jitterCandles: 2 })), "store-d"),
      run(write("p1", definition(1, {})), "store-e"),
      run(write("p2", definition(2, {})), "store-f")
    ])
    expect(jitter1.outputs.trades.digest).not.toBe(jitter2.outputs.trades.digest)
    expect(plain1.outputs.trades.digest).toBe(plain2.outputs.trades.digest)
    expect(plain1.outputs.equity.digest).toBe(plain2.outputs.equity.digest)
    // The bootstrap intervals are seeded: metrics may differ with the seed even without jitter.
  }, 300_000)
})
