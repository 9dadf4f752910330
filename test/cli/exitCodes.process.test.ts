/** Exit codes and error rendering of the real CLI process (0 / 1 / 2 / 130). */
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"

describe("pipeline exit codes", () => {
  it("--help exits 0 and lists the hash command, without ANSI colours when piped", async () => {
    const result = await runCli(["--help"])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("--store")
    expect(result.stdout).toMatch(/^ {2}hash +BLAKE3 of files/m)
    expect(result.stdout).not.toContain("\u001b[")
  })

  it("hash --help exits 0", async () => {
    const result = await runCli(["hash", "--help"])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("b3sum")
  })

  it("an unknown option is a usage error: exit 2", async () => {
    const root = await runCli(["--no-such-option"])
    expect(root.code).toBe(2)
    const sub = await runCli(["hash", "--no-such-option", "package.json"])
    expect(sub.code).toBe(2)
    expect(sub.stderr).toContain("--no-such-option")
    expect(sub.stdout).toBe("")
  })

  it("no command, or hash without a file, is a usage error: exit 2", async () => {
    const none = await runCli([])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain("missing command")
    const noFile = await runCli(["hash"])
    expect(noFile.code).toBe(2)
    // @effect/cli's own usage errors read like every other error: prefixed, no trailing blank line.
    expect(noFile.stderr).toBe("pipeline: Missing argument <file>\n")
  })

  it("a missing file: exit 1, its name on stderr, no stack trace", async () => {
    const result = await runCli(["hash", "no/such/file.parquet"])
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toBe(
      "pipeline: cannot read no/such/file.parquet: ENOENT (no such file or directory)"
    )
  })
})
