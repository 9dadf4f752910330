import { HelpDoc, ValidationError } from "@effect/cli"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Exit, FiberId } from "effect"
import { HashIncomplete, StoreMissing, UnknownId, UsageError } from "../../cli/CliError.js"
import { b3sumLine } from "../../cli/commands/Hash.js"
import { exitCodeOf, renderCause, renderFailure } from "../../cli/renderError.js"
import { FileReadError } from "../../store/Digest.js"
import { AmbiguousExperimentId, ArtifactNotFound, StoreIOError } from "../../store/StoreError.js"

const validation = ValidationError.invalidValue(HelpDoc.p("bad value"))
const interrupt = Cause.interrupt(FiberId.none)

describe("exitCodeOf", () => {
  it("0 on success, 130 on interruption only", () => {
    expect(exitCodeOf(Exit.succeed(undefined))).toBe(0)
    expect(exitCodeOf(Exit.failCause(interrupt))).toBe(130)
  })

  it("2 for usage errors (ValidationError, UsageError, DefinitionDecodeError)", () => {
    expect(exitCodeOf(Exit.fail(validation))).toBe(2)
    expect(exitCodeOf(Exit.fail(new UsageError({ reason: "x" })))).toBe(2)
    expect(exitCodeOf(Exit.fail({ _tag: "DefinitionDecodeError", message: "bad" }))).toBe(2)
  })

  it("2 for an id that names nothing and for a --store that holds no store", () => {
    expect(exitCodeOf(Exit.fail(new UnknownId({ kind: "experiment", id: "exp_ffff", store: "/s" })))).toBe(2)
    expect(exitCodeOf(Exit.fail(new UnknownId({ kind: "artifact", id: "art_x", store: "/s" })))).toBe(2)
    expect(exitCodeOf(Exit.fail(new StoreMissing({ path: "/s" })))).toBe(2)
    expect(renderFailure(new StoreMissing({ path: "/s" }))).toEqual(["pipeline: no store at /s"])
  })

  it("1 for other failures, defects, and failures mixed with interruption", () => {
    expect(exitCodeOf(Exit.fail(new ArtifactNotFound({ artifactId: "a1" })))).toBe(1)
    expect(exitCodeOf(Exit.die(new Error("boom")))).toBe(1)
    expect(exitCodeOf(Exit.failCause(Cause.sequential(Cause.fail(validation), Cause.die("x"))))).toBe(1)
    expect(exitCodeOf(Exit.failCause(Cause.sequential(interrupt, Cause.fail(new UsageError({ reason: "x" })))))).toBe(2)
    expect(exitCodeOf(Exit.failCause(Cause.sequential(interrupt, Cause.fail(new ArtifactNotFound({ artifactId: "a" })))))).toBe(1)
  })
})

describe("rendering", () => {
  it("one line per expected failure, from its message, prefixed, no stack", () => {
    expect(renderFailure(new ArtifactNotFound({ artifactId: "art_1" }))).toEqual(["pipeline: unknown artifact art_1"])
    expect(renderFailure(new FileReadError({ path: "/x/y", reason: "EACCES" }))).toEqual([
      "pipeline: cannot read /x/y: EACCES (permission denied)"
    ])
    expect(renderFailure(new StoreIOError({ operation: "write", path: "/s/o", reason: "ENOSPC" }))).toEqual([
      "pipeline: store write failed on /s/o: ENOSPC (no space left on device)"
    ])
    // A reason the store has no code for keeps the underlying message.
    expect(renderFailure(new StoreIOError({ operation: "rename", path: "/s/o", reason: "Unknown", detail: "EXDEV: cross-device link" })))
      .toEqual(["pipeline: store rename failed on /s/o: Unknown: EXDEV: cross-device link"])
  })

  it("an ambiguous experiment prefix: a usage error listing every candidate, one a line", () => {
    const error = new AmbiguousExperimentId({ prefix: "exp_abcd", candidates: ["exp_abcd01", "exp_abcd02"] })
    expect(exitCodeOf(Exit.fail(error))).toBe(2)
    expect(renderFailure(error)).toEqual([
      "pipeline: experiment id prefix exp_abcd is ambiguous: it matches 2 experiments; give more characters:",
      "pipeline:   exp_abcd01",
      "pipeline:   exp_abcd02"
    ])
  })

  it("HashIncomplete: one line per unreadable file, like b3sum", () => {
    const error = new HashIncomplete({ failed: [{ path: "a", reason: "ENOENT" }, { path: "b", reason: "EISDIR" }] })
    expect(renderFailure(error)).toEqual([
      "pipeline: cannot read a: ENOENT (no such file or directory)",
      "pipeline: cannot read b: EISDIR (illegal operation on a directory)"
    ])
  })

  it("ValidationError prints nothing more (@effect/cli already printed it with the usage)", () => {
    expect(renderFailure(validation)).toEqual([])
  })

  it("interruption says so; a defect is shown with its stack as an internal error", () => {
    expect(renderCause(interrupt)).toEqual(["pipeline: interrupted"])
    const lines = renderCause(Cause.die(new Error("boom")))
    expect(lines[0]).toContain("internal error")
    expect(lines[1]).toContain("Error: boom")
    expect(lines[1]).toMatch(/\n\s+at /)
  })
})

describe("b3sumLine", () => {
  it("<hex>  <path>, escaping backslash and newline with a leading backslash as b3sum does", () => {
    expect(b3sumLine("ab", "dir/file")).toBe("ab  dir/file")
    expect(b3sumLine("ab", "a\\b")).toBe("\\ab  a\\\\b")
    expect(b3sumLine("ab", "new\nline")).toBe("\\ab  new\\nline")
  })
})
