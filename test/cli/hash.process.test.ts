/**
 * `pipeline hash` against b3sum 1.2.0 (Debian package `b3sum`; .ci/run installs it), byte for byte,
 * and against @noble/hashes. Spawns the real CLI.
 */
import { execFileSync } from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"
import { makeTempDir, MiB, nobleHex, pseudoRandomBytes, removeDir } from "../hash/support.js"

const b3sum = (args: ReadonlyArray<string>, cwd: string): string => {
  try {
    return execFileSync("b3sum", args, { cwd, encoding: "utf8" })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("b3sum is not installed: `apt-get install -y b3sum` (.ci/run does it)")
    }
    throw error
  }
}

let dir: string
const files: Record<string, Uint8Array> = {
  "empty": new Uint8Array(),
  "small.txt": new TextEncoder().encode("hello pipeline\n"),
  "one-mib-plus-one.bin": pseudoRandomBytes(MiB + 1, 11),
  "three-mb.bin": pseudoRandomBytes(3_000_000, 12),
  "name with  spaces.bin": new Uint8Array([1, 2, 3]),
  "back\\slash": new Uint8Array([4]),
  "new\nline": new Uint8Array([5])
}

beforeAll(() => {
  dir = makeTempDir("pipeline-cli-hash-")
  for (const [name, bytes] of Object.entries(files)) NodeFs.writeFileSync(NodePath.join(dir, name), bytes)
})
afterAll(() => removeDir(dir))

describe("pipeline hash", () => {
  it("prints exactly what b3sum prints (relative and absolute paths, escaped names)", async () => {
    const names = Object.keys(files)
    const absolute = NodePath.join(dir, "three-mb.bin")
    const args = [...names, absolute]
    const result = await runCli(["hash", ...args], { cwd: dir })
    expect(result.stderr).toBe("")
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(b3sum(args, dir))
    // and the digests agree with an independent implementation
    const lines = result.stdout.split("\n").filter((line) => line !== "")
    expect(lines).toHaveLength(args.length)
    for (const name of ["empty", "small.txt", "one-mib-plus-one.bin", "three-mb.bin"]) {
      expect(result.stdout).toContain(`${nobleHex(files[name])}  ${name}\n`)
    }
  })

  it("an unreadable file: the others are still printed, its name is on stderr, exit 1", async () => {
    const result = await runCli(["hash", "small.txt", "missing.bin", "empty"], { cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(b3sum(["small.txt", "empty"], dir))
    expect(result.stderr).toContain("missing.bin")
    expect(result.stderr).toMatch(/^pipeline: cannot read missing\.bin: ENOENT/m)
    expect(result.stderr).not.toMatch(/\s+at .+:\d+:\d+/) // no stack trace
  })

  it("--json prints one JSON document with blake3: digests (global option after the subcommand)", async () => {
    const result = await runCli(["hash", "small.txt", "missing.bin", "--json"], { cwd: dir })
    expect(result.code).toBe(1)
    const doc = JSON.parse(result.stdout)
    expect(doc).toEqual({
      files: [{ path: "small.txt", digest: `blake3:${nobleHex(files["small.txt"])}` }],
      failed: [{ path: "missing.bin", reason: "ENOENT" }]
    })
  })
})
