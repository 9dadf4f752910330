/**
 * Smoke test of the benchmark driver: `bench/run.ts` at the tiny size T produces the JSON document
 * other tools read, with every section filled in. No timing is asserted — only shape and the
 * facts a benchmark run proves on the way (a cached rerun hashes no file and runs no node; a
 * changed strategy parameter reruns simulate but not validate).
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "..", "..")
const out = mkdtempSync(join(tmpdir(), "bench-smoke-"))
afterAll(() => rmSync(out, { recursive: true, force: true }))

const runBench = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "bench", "run.ts"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += String(d)))
    child.stderr.on("data", (d) => (stderr += String(d)))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

describe("bench/run.ts", () => {
  it("writes latest.json and a timestamped copy with every section", async () => {
    const result = await runBench(["--size", "T", "--quick", "--sweep", "4", "--hash-mib", "4", "--no-build", "--out", out])
    expect(result.stderr).not.toContain("FAILED")
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("targets:")

    const files = readdirSync(out).sort()
    expect(files).toContain("latest.json")
    expect(files.filter((f) => f !== "latest.json" && f.endsWith(".json"))).toHaveLength(1)

    const doc = JSON.parse(readFileSync(join(out, "latest.json"), "utf8"))
    expect(doc).toMatchObject({ benchmark: "pipeline-bench", version: 1, options: { sizes: ["T"], quick: true, sweep: 4, build: false } })
    expect(Object.keys(doc).sort()).toEqual(
      [
        "benchmark",
        "catalog",
        "catalogErrors",
        "durationS",
        "hash",
        "hashErrors",
        "machine",
        "options",
        "overfitting",
        "overfittingErrors",
        "remote",
        "remoteErrors",
        "sizes",
        "startedAt",
        "startup",
        "startupErrors",
        "targets",
        "version",
        "workers",
        "workersErrors"
      ].sort()
    )
    // The sections run in their own children (start-up, PostgreSQL catalog, S3 remote, PBO, sweep workers): each ran.
    for (const section of ["startup", "catalog", "remote", "overfitting", "workers"]) {
      expect(doc[`${section}Errors`], section).toEqual([])
      expect(doc[section], section).not.toBeNull()
    }
    const t = doc.sizes.T
    expect(t.errors).toEqual([])
    for (
      const key of ["config", "data", "generation", "cold", "cached", "changedParameter", "projection", "baseline", "sweep", "kernel", "cli", "peakRssMb"]
    ) {
      expect(t[key], key).not.toBeNull()
    }
    expect(t.data.candles).toBeGreaterThan(0)
    expect(t.cold.exclGenerationMs).toBeGreaterThan(0)
    expect(t.cold.inclGenerationMs).toBeGreaterThan(0)
    expect(t.generation.syntheticNodeMs).toBeGreaterThan(0)
    expect(t.projection.candles).toBeGreaterThan(0)
    expect(t.baseline.trades).toBe(t.data.trades)

    // A cached rerun runs nothing and hashes nothing.
    expect(t.cached.fileDigestCache.cachedFilesHashed).toBe(0)
    expect(t.cached.nodes.map((n: { cache: string }) => n.cache)).toEqual(["hit", "unused", "hit", "hit"])
    expect(t.cli.cachedNodes.every((n: { cache: string }) => n.cache === "hit")).toBe(true)

    // A changed strategy parameter reruns the projection, simulate and publish only.
    expect(t.changedParameter.ran).toEqual(["project", "simulate", "publish"])
    expect(t.changedParameter.hit).toEqual(["synthetic", "validate"])

    expect(t.sweep.strategies).toBe(4)
    expect(t.sweep.misses).toBe(4)
    // Both sweeps ran every one of their own strategies (none was a hit of the other's).
    expect(t.sweep.byConcurrency.map((run: { concurrency: number; misses: number }) => [run.concurrency, run.misses]))
      .toEqual([[1, 4], [2, 4]])
    expect(t.kernel.singleRun.publishMs).toBeGreaterThan(0)
    expect(t.kernel.onProjection.visits).toBeGreaterThan(0)
    expect(doc.hash.bytes).toBe(4 * 1024 * 1024)
    expect(doc.targets.length).toBeGreaterThan(0)
    for (const target of doc.targets) expect(Object.keys(target).sort()).toEqual(["met", "name", "size", "target", "value"])
  }, 480_000)
})
