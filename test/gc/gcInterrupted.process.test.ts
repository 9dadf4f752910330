/**
 * `pipeline gc` killed (SIGKILL) in the middle of its removals leaves a store that `pipeline fsck`
 * calls clean, and a second gc finishes the job. The kill is sent the moment the first action
 * entry, the first manifest, or half of the manifests are gone (a busy poll of the directory).
 * Every cut point, deterministically, is in gcInterrupted.test.ts.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli, spawnCli, waitForExit } from "../support/cli.js"
import { definitionJson } from "./support.js"

let dir: string
let store: string

const count = (sub: string, pattern: RegExp) => {
  try {
    return fs.readdirSync(sub).filter((name) => pattern.test(name)).length
  } catch {
    return 0
  }
}
const MANIFEST = /^art_[0-9a-f]{64}\.json$/
const ACTION = /^[0-9a-f]{64}\.json$/

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gc-kill-"))
  store = path.join(dir, "store")
  for (const [name, seed] of [["kill-a", 7], ["kill-b", 8]] as const) {
    const file = path.join(dir, `${name}.json`)
    fs.writeFileSync(file, JSON.stringify(definitionJson(name, 20, seed)))
    const run = await runCli(["--store", store, "run", file], { timeout: 120_000 })
    expect(run.code, run.stderr).toBe(0)
  }
}, 240_000)
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe("pipeline gc killed mid-way (process)", () => {
  const triggers: ReadonlyArray<{ name: string; sub: string; pattern: RegExp; fraction: number }> = [
    { name: "first action entry gone", sub: "actions", pattern: ACTION, fraction: 0 },
    { name: "first manifest gone", sub: "artifacts", pattern: MANIFEST, fraction: 0 },
    { name: "half the manifests gone", sub: "artifacts", pattern: MANIFEST, fraction: 0.5 }
  ]

  it("leaves a store fsck calls clean, whatever the kill point; a second gc finishes", async () => {
    let killedMidway = 0
    for (const [i, trigger] of triggers.entries()) {
      const copy = path.join(dir, `copy-${i}`)
      fs.cpSync(store, copy, { recursive: true })
      const watched = path.join(copy, trigger.sub)
      const before = count(watched, trigger.pattern)
      const threshold = before - Math.max(1, Math.floor(before * trigger.fraction))
      const child = spawnCli(["--store", copy, "gc", "--keep-last", "0", "--grace-minutes", "0"])
      const exited = waitForExit(child, 120_000)
      child.stdin?.end()
      let done = false
      void exited.then(() => (done = true))
      // Poll without yielding (the kill must land within microseconds), then let the event loop run.
      const deadline = Date.now() + 100_000
      while (!done && Date.now() < deadline) {
        const until = Date.now() + 50
        let hit = false
        while (Date.now() < until) {
          if (count(watched, trigger.pattern) <= threshold) {
            hit = true
            break
          }
        }
        if (hit) {
          child.kill("SIGKILL")
          break
        }
        await new Promise((resolve) => setImmediate(resolve))
      }
      const result = await exited
      if (result.signal === "SIGKILL") killedMidway++

      const check = await runCli(["--store", copy, "fsck"], { timeout: 120_000 })
      expect(check.code, `${trigger.name}: ${check.stdout}${check.stderr}`).toBe(0)
      const finish = await runCli(["--store", copy, "gc", "--keep-last", "0", "--grace-minutes", "0"])
      expect(finish.code, finish.stderr).toBe(0)
      expect(count(path.join(copy, "artifacts"), MANIFEST), trigger.name).toBe(0)
      const after = await runCli(["--store", copy, "fsck"], { timeout: 120_000 })
      expect(after.code, after.stdout + after.stderr).toBe(0)
    }
    expect(killedMidway).toBeGreaterThan(0)
  }, 400_000)
})
