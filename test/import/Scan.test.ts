/**
 * The CSV scan (line ending, records, blank and continuation lines) against a plain reference
 * parser, on files of a few MiB so that quotes, escaped quotes and quoted line ends fall on the
 * scan's 1 MiB read boundaries.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import seedrandom from "seedrandom"
import { type LineEnding, scanCsv } from "../../nodes/import/internal/scan.js"

const MiB = 1024 * 1024

/** Records as a reader following RFC 4180 sees them (a quote opens a field only at its start). */
const reference = (text: string, ending: LineEnding) => {
  const term = ending === "\r" ? "\r" : "\n"
  const blank: Array<number> = []
  let pending: Array<number> = []
  const continuation: Array<number> = []
  let records = 0
  let line = 1
  let recordLine = 1
  let content = ""
  let quoted = false
  let fieldStart = true
  const end = () => {
    const empty = content === "" || (ending === "\r\n" && content === "\r")
    if (empty) pending.push(recordLine)
    else {
      records++
      blank.push(...pending)
      pending = []
    }
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        content += '""'
        i++
      } else if (ch === '"') quoted = false
      else if (ch === term) continuation.push(++line)
      if (ch !== '"') content += ch
      continue
    }
    if (ch === term) {
      end()
      line++
      recordLine = line
      content = ""
      fieldStart = true
      continue
    }
    if (ch === '"' && fieldStart) quoted = true
    fieldStart = ch === ","
    content += ch
  }
  if (content !== "") end()
  return { records, blankLines: blank, continuationLines: continuation }
}

const withFile = <A, E>(text: string, use: (file: string) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const dir = mkdtempSync(join(tmpdir(), "import-scan-"))
      writeFileSync(join(dir, "in.csv"), text, "latin1")
      return dir
    }),
    (dir) => use(join(dir, "in.csv")),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

const compare = (text: string, ending: LineEnding) =>
  withFile(text, (file) =>
    Effect.gen(function*() {
      const scan = yield* scanCsv(file, ",", { bytes: 0 }).pipe(Effect.mapError((error) => new Error(error.message)))
      expect(scan.lineEnding).toBe(ending)
      const expected = reference(text, ending)
      expect(scan.records).toBe(expected.records)
      expect(scan.blankLines).toEqual(expected.blankLines)
      expect(scan.continuationLines).toEqual(expected.continuationLines)
      return scan
    }))

/** A random record: plain and quoted fields; quoted ones hold escaped quotes, commas and line ends. */
const randomRecord = (rng: () => number, ending: LineEnding) => {
  const fields = Array.from({ length: 1 + Math.floor(rng() * 5) }, () => {
    if (rng() < 0.5) return "v" + Math.floor(rng() * 1000)
    let inner = ""
    for (let k = Math.floor(rng() * 6); k > 0; k--) {
      const r = rng()
      inner += r < 0.3 ? '""' : r < 0.45 ? "," : r < 0.6 ? ending : "ab"
    }
    return `"${inner}"`
  })
  return fields.join(",")
}

describe("CSV scan", () => {
  for (const ending of ["\n", "\r\n", "\r"] as const) {
    it.effect(`random quoted records over several reads (${JSON.stringify(ending)})`, () =>
      Effect.gen(function*() {
        const rng = seedrandom(`scan/${ending}`)
        const records = ["a,b,c"]
        let size = 0
        while (size < 1.5 * MiB) {
          const record = rng() < 0.02 ? "" : randomRecord(rng, ending)
          records.push(record)
          size += record.length + ending.length
        }
        records.push("last")
        yield* compare(records.join(ending) + ending, ending)
      }))
  }

  it.effect("an escaped quote, a quoted line end and a closing quote each on a read boundary", () =>
    Effect.gen(function*() {
      let text = "h1,h2\n"
      /** Plain records, then `x,"…<field>"` placed so that `field[mark]` is the byte at offset `at`. */
      const place = (at: number, field: string, mark: number) => {
        while (at - text.length > 200) text += "x,y\n"
        text += `x,"${"p".repeat(at - mark - text.length - 3)}${field}"\n`
      }
      // The last byte of the first read is the first quote of an escaped pair.
      place(MiB - 1, 'q""r', 1)
      // A line end inside quotes is the first byte of the third read.
      place(2 * MiB, "s\nt", 1)
      // The closing quote is the last byte of the fourth read.
      place(4 * MiB - 1, "u", 1)
      text += "end,1\n"
      expect(text.charAt(MiB - 1)).toBe('"')
      expect(text.charAt(MiB)).toBe('"')
      expect(text.charAt(2 * MiB)).toBe("\n")
      expect(text.charAt(4 * MiB - 1)).toBe('"')
      const scan = yield* compare(text, "\n")
      expect(scan.continuationLines).toHaveLength(1)
    }))
})
