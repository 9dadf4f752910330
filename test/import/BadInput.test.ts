/**
 * Bad inputs: every problem is named with its row (1-based line, header included) and column,
 * and nothing is written.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type ImportAlertsOptions,
  importFile,
  type ImportOhlcvOptions,
  type ImportProblem,
  ImportValidationError,
  MAX_REPORTED_PROBLEMS
} from "../../nodes/import/index.js"

const HEADER = "open_time,open,high,low,close,volume"
const row = (minute: number, o = 1, h = 2, l = 0.5, c = 1.5, v: number | string = 3) =>
  `2023-03-01 00:${String(minute).padStart(2, "0")}:00+00:00,${o},${h},${l},${c},${v}`
const GOOD = [HEADER, row(0), row(1), row(2), row(3), row(4), row(5)]

type Ohlcv = Omit<ImportOhlcvOptions, "kind" | "file">
type Alerts = Omit<ImportAlertsOptions, "kind" | "file">

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "import-bad-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** Imports `content`; expects an ImportValidationError and that no output was written. */
const failing = (content: string, options: Ohlcv | (Alerts & { kind: "alerts" }) = {}) =>
  withTempDir((dir) =>
    Effect.gen(function* () {
      const file = join(dir, "input.csv")
      const output = join(dir, "out.parquet")
      writeFileSync(file, content)
      const base = "kind" in options && options.kind === "alerts"
        ? { ...options, kind: "alerts" as const, file, output }
        : { chain: "test", mint: "M", ...options, kind: "ohlcv" as const, file, output }
      const error = yield* Effect.flip(importFile(base))
      expect(existsSync(output)).toBe(false)
      expect(error).toBeInstanceOf(ImportValidationError)
      const validation = error as ImportValidationError
      expect(validation.file).toBe(file)
      return validation
    })
  )

const only = (problems: ReadonlyArray<ImportProblem>) => {
  expect(problems).toHaveLength(1)
  return problems[0]!
}

describe("import rejects bad rows, naming row and column", () => {
  it.live("the good fixture imports (control)", () =>
    withTempDir((dir) =>
      Effect.gen(function* () {
        const file = join(dir, "good.csv")
        writeFileSync(file, GOOD.join("\n") + "\n")
        const result = yield* importFile({ kind: "ohlcv", file, chain: "test", mint: "M", output: join(dir, "o.parquet") })
        expect(result.rowCount).toBe(6)
        expect(existsSync(result.file)).toBe(true)
      })
    ))

  it.live("negative price", () =>
    Effect.gen(function* () {
      const lines = [...GOOD]
      lines[3] = row(2, -5, 2, 0.5, 1.5)
      const error = yield* failing(lines.join("\n"))
      expect(error.totalProblems).toBe(1)
      expect(only(error.problems)).toEqual({ row: 4, column: "open", message: "must be > 0, got -5.0" })
    }))

  it.live("high below max(open, close)", () =>
    Effect.gen(function* () {
      const lines = [...GOOD]
      lines[2] = row(1, 1, 1.2, 0.5, 1.5)
      const error = yield* failing(lines.join("\n"))
      expect(only(error.problems)).toEqual({ row: 3, column: "high", message: "high 1.2 is below max(open, close) 1.5" })
    }))

  it.live("low above min(open, close)", () =>
    Effect.gen(function* () {
      const lines = [...GOOD]
      lines[6] = row(5, 1, 2, 1.1, 1.5)
      const error = yield* failing(lines.join("\n"))
      expect(only(error.problems)).toEqual({ row: 7, column: "low", message: "low 1.1 is above min(open, close) 1.0" })
    }))

  it.live("duplicate ts", () =>
    Effect.gen(function* () {
      const lines = [...GOOD]
      lines[5] = row(3)
      const error = yield* failing(lines.join("\n"))
      expect(only(error.problems)).toEqual({
        row: 6, column: "open_time", message: "duplicate ts 2023-03-01 00:03:00 (same as line 5)"
      })
    }))

  it.live("out-of-order ts", () =>
    Effect.gen(function* () {
      const lines = [HEADER, row(0), row(1), row(3), row(2), row(4), row(5)]
      const error = yield* failing(lines.join("\n"))
      const problem = only(error.problems)
      expect(problem.row).toBe(5)
      expect(problem.column).toBe("open_time")
      expect(problem.message).toContain("2023-03-01 00:02:00 is before the previous row's 2023-03-01 00:03:00 (line 4)")
    }))

  it.live("NaN and Infinity", () =>
    Effect.gen(function* () {
      const lines = [...GOOD]
      lines[2] = row(1, 1, 2, 0.5, 1.5, "NaN")
      lines[4] = row(3, 1, "inf" as unknown as number, 0.5, 1.5)
      const error = yield* failing(lines.join("\n"))
      expect(error.problems).toEqual([
        { row: 3, column: "volume", message: "NaN is not allowed" },
        { row: 5, column: "high", message: "Infinity is not allowed" }
      ])
    }))

  it.live("missing column", () =>
    Effect.gen(function* () {
      const lines = ["Open_Time,OPEN,high,close,volume", "2023-03-01 00:00:00+00:00,1,2,1.5,3"]
      const error = yield* failing(lines.join("\n"))
      const problem = only(error.problems)
      expect(problem.row).toBe(1)
      expect(problem.column).toBe("low")
      expect(problem.message).toContain("missing column")
    }))

  it.live("non-numeric value", () =>
    Effect.gen(function* () {
      const lines = [...GOOD]
      lines[6] = "2023-03-01 00:05:00+00:00,1,2,0.5,abc,3"
      const error = yield* failing(lines.join("\n"))
      expect(only(error.problems)).toEqual({ row: 7, column: "close", message: 'not a number: "abc"' })
    }))

  it.live("unparseable timestamp", () =>
    Effect.gen(function* () {
      const lines = [...GOOD]
      lines[2] = "yesterday,1,2,0.5,1.5,3"
      const error = yield* failing(lines.join("\n"))
      expect(only(error.problems)).toEqual({
        row: 3, column: "open_time", message: 'not a valid timestamp: "yesterday" (expected ISO-8601 such as 2023-03-01T00:00:00Z)'
      })
    }))

  it.live("mixed interval: a timestamp off the 60 s grid", () =>
    Effect.gen(function* () {
      const lines = [HEADER, row(0), row(1), row(2), "2023-03-01 00:02:30+00:00,1,2,0.5,1.5,3", row(3), row(4)]
      const error = yield* failing(lines.join("\n"))
      expect(only(error.problems)).toEqual({
        row: 5, column: "open_time", message: "ts 2023-03-01 00:02:30 is not aligned to the 60 s interval (mixed intervals?)"
      })
    }))

  it.live("mixed interval: an interval column with two values", () =>
    Effect.gen(function* () {
      const lines = [
        "ts,interval_s,open,high,low,close,volume",
        "2023-03-01T00:00:00Z,60,1,2,0.5,1.5,3",
        "2023-03-01T00:01:00Z,60,1,2,0.5,1.5,3",
        "2023-03-01T00:05:00Z,300,1,2,0.5,1.5,3",
        "2023-03-01T00:06:00Z,60,1,2,0.5,1.5,3"
      ]
      const error = yield* failing(lines.join("\n"))
      expect(only(error.problems)).toEqual({
        row: 4, column: "interval_s", message: "interval 300.0 differs from the artifact's interval 60 s (one interval per artifact)"
      })
    }))

  it.live("truncated last line", () =>
    Effect.gen(function* () {
      const lines = [...GOOD]
      lines[6] = "2023-03-01 00:05:00+00:00,1,2"
      const error = yield* failing(lines.join("\n"))
      expect(error.problems).toEqual([
        { row: 7, column: "low", message: "missing value" },
        { row: 7, column: "close", message: "missing value" },
        { row: 7, column: "volume", message: "missing value" }
      ])
    }))

  it.live("blank lines and over-long lines keep later line numbers exact", () =>
    Effect.gen(function* () {
      const lines = [HEADER, row(0), "", row(1), row(2) + ",7,8", row(3), row(4, -1)]
      const error = yield* failing(lines.join("\r\n") + "\r\n\r\n")
      expect(error.totalProblems).toBe(3)
      expect(error.problems[0]).toEqual({ row: 3, column: null, message: "empty line" })
      expect(error.problems[1]!.row).toBe(5)
      expect(error.problems[1]!.message).toContain("too many columns")
      expect(error.problems[2]).toEqual({ row: 7, column: "open", message: "must be > 0, got -1.0" })
    }))

  it.live("reports the first 20 problems and counts the rest", () =>
    Effect.gen(function* () {
      const lines = [HEADER]
      for (let i = 0; i < 50; i++) lines.push(row(i, 1, 2, 0.5, 1.5, -1))
      const error = yield* failing(lines.join("\n"))
      expect(error.totalProblems).toBe(50)
      expect(error.problems).toHaveLength(MAX_REPORTED_PROBLEMS)
      expect(error.problems.map((p) => p.row)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2))
      expect(error.problems.every((p) => p.column === "volume")).toBe(true)
      expect(error.message).toContain("and 30 more")
    }))

  it.live("a headerless file read without columns gets a hint", () =>
    Effect.gen(function* () {
      const error = yield* failing("1672531200,1,2,0.5,1.5,3\n1672531260,1,2,0.5,1.5,3\n")
      expect(error.problems[0]!.message).toContain("pass columns")
    }))

  it.live("alerts: duplicate ids, bad timestamps, missing values", () =>
    Effect.gen(function* () {
      const lines = [
        "id,timestamp,chain,token,caller",
        "a1,2024-01-01T00:00:00Z,solana,MintA,bob",
        "a2,2024-01-01T00:01:00Z,solana,MintB,",
        "a1,2024-01-01T00:02:00Z,solana,MintC,amy",
        "a3,not-a-time,solana,MintD,amy",
        "a4,2024-01-01T00:03:00Z,,MintE,amy",
        ",2024-01-01T00:04:00Z,solana,,amy"
      ]
      const error = yield* failing(lines.join("\n"), { kind: "alerts" })
      expect(error.problems).toEqual([
        { row: 4, column: "id", message: 'duplicate alert_id "a1" (first at line 2)' },
        { row: 5, column: "timestamp", message: 'not a valid timestamp: "not-a-time" (expected ISO-8601 such as 2023-03-01T00:00:00Z)' },
        { row: 6, column: "chain", message: "missing value" },
        { row: 7, column: "id", message: "missing value" },
        { row: 7, column: "token", message: "missing value" }
      ])
    }))
})
