/** Ctrl-C of the real CLI process: exit 130 (NodeRuntime.runMain's own default would be 0). */
import * as NodeFs from "node:fs"
import { describe, expect, it } from "vitest"
import { spawnCli, waitForExit } from "../support/cli.js"

describe("pipeline signals", () => {
  // Linux only (as the project): /dev/zero never ends, and /proc shows when the CLI has it open (so the SIGINT handler
  // of NodeRuntime.runMain is installed by then).
  it("Ctrl-C (SIGINT) while hashing: exit 130", async () => {
    const child = spawnCli(["hash", "/dev/zero"])
    const exited = waitForExit(child, 60_000)
    const deadline = Date.now() + 50_000
    const hasDevZeroOpen = () => {
      try {
        return NodeFs.readdirSync(`/proc/${child.pid}/fd`).some((fd) => {
          try {
            return NodeFs.readlinkSync(`/proc/${child.pid}/fd/${fd}`) === "/dev/zero"
          } catch {
            return false
          }
        })
      } catch {
        return false
      }
    }
    while (!hasDevZeroOpen() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(hasDevZeroOpen()).toBe(true)
    child.kill("SIGINT")
    const result = await exited
    expect(result.signal).toBeNull()
    expect(result.code).toBe(130)
    expect(result.stderr).toContain("pipeline: interrupted")
    expect(result.stdout).toBe("")
  })
})
