/**
 * Disk full: the store on a small tmpfs (8 MiB, mounted here; needs root, as in CI), filled with a
 * filler file so that a run cannot fit. The run must fail with a clear error (ENOSPC, naming the
 * file), exit 1, clean up its own scratch files, and leave nothing partial: no object, manifest,
 * action entry or record that is not complete, no run left `running`. Once space is freed, the
 * rerun completes with exactly the outputs of a clean run elsewhere.
 */
import { STORE_MARKER } from "../../store/index.js"
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { pipeline, runOk, show } from "./support/cli.js"
import { definition, outputDigests, snapshotDiff, storeSnapshot, tempDir, writeDefinition } from "./support/fixtures.js"
import { expectConsistent, expectFsckCli } from "./support/fsck.js"
import { isAlive, storedRuns } from "./support/storeCheck.js"

const work = tempDir("diskfull")
const mount = NodePath.join(work.dir, "tmpfs")
const market = { tokens: 10, days: 1, seed: 7 }

/** Free KiB on the filesystem of `dir`. */
const freeKiB = (dir: string): number => Number(execFileSync("df", ["-k", "--output=avail", dir], { encoding: "utf8" }).split("\n")[1].trim())

/** Leaves about `kib` KiB free on the tmpfs (one filler file outside the store). */
const fillLeaving = (kib: number) => {
  const filler = NodePath.join(mount, "filler")
  rmSync(filler, { force: true })
  const size = (freeKiB(mount) - kib) * 1024
  if (size > 0) writeFileSync(filler, Buffer.alloc(size))
}
const freeSpace = () => rmSync(NodePath.join(mount, "filler"), { force: true })

beforeAll(() => {
  mkdirSync(mount)
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mount], { stdio: "pipe" })
  } catch (error) {
    throw new Error(`these tests mount a tmpfs and must run as root (as CI does): ${String(error)}`)
  }
})
afterAll(() => {
  for (const args of [[mount], ["-l", mount]]) {
    try {
      execFileSync("umount", args, { stdio: "pipe" })
      break
    } catch {
      // not mounted (beforeAll failed), or busy: try lazily, then give up
    }
  }
  work.cleanup()
})

/** The error line must say "no space" and name a file inside the store. */
const expectNoSpace = (stderr: string, store: string) => {
  expect(stderr).toMatch(/ENOSPC|No space left on device/)
  // Named in full, or (a long path, e.g. inside DuckDB's own message) shortened to its start + "…".
  expect(stderr.includes(store) || stderr.includes(store.slice(0, 30)), stderr).toBe(true)
  expect(stderr).not.toMatch(/internal error|\n\s+at /) // an expected failure, not a defect with a stack
}

/** Files a process left in tmp/ (its scratch files carry its pid, tracker temp files its uuid). */
const tmpFiles = (store: string): Array<string> => {
  try {
    return readdirSync(NodePath.join(store, "tmp"))
  } catch {
    return []
  }
}

describe("disk full", () => {
  it("a run that cannot fit fails with ENOSPC naming the file; nothing partial, no action or record added", async () => {
    const def = writeDefinition(work.dir, "first.json", definition("disk-first", {}, market))
    // 64 KiB: the generator's first Parquet file cannot be written. 400 KiB: the generator's two
    // files fit (they are moved, not copied, into the store) and a later step runs out.
    for (const [i, kib] of [64, 400].entries()) {
      const store = NodePath.join(mount, `empty-${i}`)
      mkdirSync(store)
      fillLeaving(kib)
      const before = storeSnapshot(store)
      const result = await pipeline(["run", def, "--json", "--store", store]).finally(freeSpace)
      expect(result.code, show(result)).toBe(1)
      expect(result.stdout).toBe("")
      expectNoSpace(result.stderr, store)
      const added = snapshotDiff(before, storeSnapshot(store)).added.filter((path) => !path.endsWith("/"))
      // A run is on record from its start (so Ctrl-C or a failure during generation is recorded):
      // failed, or, when the disk had no room even for the transition, "pending"/"running" with its
      // process gone, which every reader reports as abandoned. Never shown as running.
      const expectRecordedAsEnded = () => {
        for (const run of storedRuns(store)) {
          if (run.status !== "failed") {
            expect(["pending", "running"], run.path).toContain(run.status)
            expect(isAlive(run.pid), run.path).toBe(false)
          }
        }
      }
      if (kib === 64) {
        // The store is as it was, but for its marker (written when the empty directory became a
        // store, before any work), empty directories and the experiment's record with its run.
        expect(
          added.filter((path) => !path.endsWith(STORE_MARKER) && !/^experiments\/exp_[0-9a-f]+\/(experiment\.json|runs\/\d+\.json)$/.test(path))
        ).toEqual([])
        expect(added.some((path) => path.startsWith("actions/") || path.startsWith("artifacts/") || path.startsWith("cas/"))).toBe(false)
        expectRecordedAsEnded()
      } else {
        // The generator finished (its outputs and action entry are complete) and no node after it
        // was cached. The run is on record as failed — or, when the disk had no room left even for
        // that record, still "running" (or "pending") with its process gone, which every reader reports as
        // abandoned (the tracker's liveness check); it is never shown as running.
        const runs = storedRuns(store)
        expect(runs.length, `${kib} KiB free`).toBe(1)
        for (const run of runs) {
          // Left "pending" when even the transition to running found no room.
          if (run.status !== "failed") {
            expect(["pending", "running"], run.path).toContain(run.status)
            expect(isAlive(run.pid), run.path).toBe(false)
          }
        }
        const shown = await pipeline(["experiments", "list", "--json", "--store", store])
        const latest = JSON.parse(shown.stdout).experiments.map((e: { latestRun: { effectiveStatus: string } }) => e.latestRun.effectiveStatus)
        expect(latest, show(shown)).toEqual([expect.stringMatching(/^(failed|abandoned)$/)])
        const actions = added.filter((path) => path.startsWith("actions/") && !path.startsWith("actions/identity/"))
        expect(actions.length, `${kib} KiB free: ${actions.join(", ")}`).toBeLessThanOrEqual(1)
      }
      // What was published before the failure is complete (a finished output of the failed node,
      // unreferenced, which gc sweeps and a rerun republishes under the same id).
      await expectConsistent(store)
      expect(tmpFiles(store)).toEqual([])
      // With space, the same store completes the run.
      const rerun = await runOk(def, store)
      expect(rerun.status).toBe("completed")
      await expectConsistent(store)
      rmSync(store, { recursive: true, force: true })
    }
  }, 150_000)

  it("running out mid-run leaves only complete entries; after freeing space the rerun equals a clean run", async () => {
    const base = writeDefinition(work.dir, "base.json", definition("disk-base", {}, market))
    // Two strategies on the cached market, each failing at another point for lack of space.
    const cases = [
      { kib: 8, def: writeDefinition(work.dir, "tight.json", definition("disk-tight", { stopLoss: 0.1 }, market)) },
      { kib: 48, def: writeDefinition(work.dir, "later.json", definition("disk-later", { stopLoss: 0.15, firstTarget: 2 }, market)) }
    ]
    const reference = NodePath.join(work.dir, "reference")
    const store = NodePath.join(mount, "store")
    await runOk(base, store)
    const expected: Array<any> = []
    for (const { def } of cases) expected.push(await runOk(def, reference))

    for (const [i, { kib, def }] of cases.entries()) {
      fillLeaving(kib)
      const before = storeSnapshot(store)
      const result = await pipeline(["run", def, "--json", "--store", store]).finally(freeSpace)
      expect(result.code, show(result)).toBe(1)
      expectNoSpace(result.stderr, store)
      // Whatever was written is complete; nothing that was there changed or went away.
      await expectConsistent(store, `${kib} KiB free`)
      const diff = snapshotDiff(before, storeSnapshot(store))
      expect(diff.removed).toEqual([])
      expect(diff.changed.filter((path) => !path.startsWith("actions/identity/"))).toEqual([])
      expect(tmpFiles(store)).toEqual([])
      // The run is recorded as failed if it could be recorded at all; left "pending"/"running" only
      // with its process gone (read as abandoned), when not even that transition found room.
      const runs = storedRuns(store).filter((run) => run.experimentId === expected[i].experimentId)
      for (const run of runs) {
        if (run.status !== "failed") {
          expect(["pending", "running"], run.path).toContain(run.status)
          expect(isAlive(run.pid), run.path).toBe(false)
        }
      }

      const rerun = await runOk(def, store)
      expect(outputDigests(rerun)).toEqual(outputDigests(expected[i]))
      await expectConsistent(store)
    }
    await expectFsckCli(store)
  }, 180_000)
})
