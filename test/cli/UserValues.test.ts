/**
 * Long user values in messages are shortened (start kept, length said) and control characters
 * escaped, in one helper that every rendered failure goes through.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { UnknownId, UsageError } from "../../cli/CliError.js"
import { renderFailure } from "../../cli/renderError.js"
import { abbreviate, escapeControls, quoteValue, shortenValues } from "../../cli/UserValues.js"
import { parseDefinition } from "../../nodes/experiment/index.js"

const long = "a".repeat(10_000)

describe("abbreviate / quoteValue", () => {
  it("keep short values whole and shorten long ones to their start and length", () => {
    expect(abbreviate("exp_ffff")).toBe("exp_ffff")
    expect(abbreviate(long)).toBe(`${"a".repeat(40)}… (10000 characters)`)
    expect(quoteValue("short")).toBe(`"short"`)
    expect(quoteValue(long)).toBe(`"${"a".repeat(40)}…" (10000 characters)`)
  })

  it("count characters, not UTF-16 units, and never cut a surrogate pair", () => {
    const emoji = "😀".repeat(100)
    expect(abbreviate(emoji)).toBe(`${"😀".repeat(40)}… (100 characters)`)
  })

  it("escape control characters (a NUL, an escape sequence) but keep tab and newline", () => {
    expect(escapeControls("a\u0000b\u001b[31mc\td\ne\u007f")).toBe("a\\u0000b\\u001b[31mc\td\ne\\u007f")
    expect(quoteValue("x\u0000y")).toBe(`"x\\u0000y"`)
  })
})

describe("shortenValues", () => {
  it("shortens long quoted values and keeps the field naming before them", () => {
    const message = `  name: Expected a string at most 200 character(s) long, actual ${JSON.stringify(long)}`
    expect(shortenValues(message)).toBe(
      `  name: Expected a string at most 200 character(s) long, actual "${"a".repeat(40)}…" (10000 characters)`
    )
  })

  it("leaves short quoted values and ordinary paths alone", () => {
    const message = `seed: Expected number, actual "42"; cannot read /tmp/some/dir/file.json: ENOENT`
    expect(shortenValues(message)).toBe(message)
  })

  it("shortens an over-long bare token, keeping the punctuation after it", () => {
    expect(shortenValues(`store read failed on /s/${long}: ENAMETOOLONG`)).toBe(
      `store read failed on /s/${"a".repeat(37)}… (10003 characters): ENAMETOOLONG`
    )
  })

  it("shortens quoted values built without JSON escapes (SQL) and escapes their controls", () => {
    expect(shortenValues(`chain "${long}\u0000" differs`)).toBe(`chain "${"a".repeat(40)}…" (10001 characters) differs`)
    expect(shortenValues(`not a number: "1\u001b[2J"`)).toBe(`not a number: "1\\u001b[2J"`)
  })
})

describe("rendered failures", () => {
  it.effect("a definition with a 10,000-character name: one short line naming the field", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(parseDefinition(JSON.stringify({ name: long, seed: 1 }), "def.json"))
      const rendered = renderFailure(error).join("\n")
      expect(rendered).toContain(`  name: Expected a string at most 200 character(s) long, actual "${"a".repeat(40)}…" (10000 characters)`)
      expect(rendered.length).toBeLessThan(2_000)
    }))

  it("UsageError and UnknownId: the value shortened, the rest kept", () => {
    expect(renderFailure(new UsageError({ reason: `--timeout: expected a duration, got ${JSON.stringify(long)}` }))).toEqual([
      `pipeline: --timeout: expected a duration, got "${"a".repeat(40)}…" (10000 characters)`
    ])
    expect(renderFailure(new UnknownId({ kind: "experiment", id: `exp_${long}`, store: "/s" }))).toEqual([
      `pipeline: unknown experiment exp_${"a".repeat(36)}… (10004 characters): no experiment with this id or prefix in the store at /s`
    ])
  })
})
