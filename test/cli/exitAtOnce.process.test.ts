/**
 * A command that succeeded exits at once (cli/ExitCode.ts's teardown calls process.exit) instead
 * of letting node wind down by itself, which first disposes the whole V8 heap; its output is
 * complete all the same. Node emits 'beforeExit' only when it winds down by itself: a preload
 * reports it on stderr.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { spawn } from "node:child_process"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { binPath, waitForExit } from "../support/cli.js"

let dir: string
let preload: string

const run = async (args: ReadonlyArray<string>) =>
  waitForExit(
    spawn(process.execPath, ["--import", preload, binPath, ...args], {
      cwd: dir,
      env: { ...process.env, PIPELINE_STORE: "", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    }),
    90_000
  )

describe("the CLI's exit", () => {
  beforeAll(() => {
    dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "pipeline-exit-"))
    preload = NodePath.join(dir, "beforeExit.mjs")
    NodeFs.writeFileSync(preload, `process.on("beforeExit", () => process.stderr.write("beforeExit\\n"))\n`)
  })
  afterAll(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

  it("after a success is at once, with all the output (through a pipe)", async () => {
    const files = Array.from({ length: 200 }, (_, i) => {
      const file = NodePath.join(dir, `f${i}.txt`)
      NodeFs.writeFileSync(file, `${i}\n`)
      return file
    })
    const result = await run(["hash", ...files])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toContain("beforeExit")
    const lines = result.stdout.split("\n").filter((line) => line !== "")
    expect(lines).toHaveLength(200)
    expect(lines.at(-1)).toMatch(new RegExp(`^[0-9a-f]{64}  ${files.at(-1)!.replaceAll(".", "\\.")}$`))
  }, 120_000)
})
