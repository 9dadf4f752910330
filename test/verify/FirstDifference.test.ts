/** `firstDifference`: the first row (canonical order) and column where two Parquet files differ. */
import { it } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { Duck } from "../../nodes/duckdb/index.js"
import { firstDifference } from "../../nodes/experiment/index.js"
import { tempDir } from "../store/suites/support.js"

/** Writes the rows of `select` (a SELECT over VALUES) to `<dir>/<name>.parquet`. */
const parquet = (dir: string, name: string, select: string) =>
  Effect.scoped(
    Effect.gen(function*() {
      const file = path.join(dir, `${name}.parquet`)
      const { connection } = yield* Duck.openDatabase(Duck.MEMORY, { threads: 1 })
      yield* Duck.run(connection, `COPY (${select}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet)`)
      return file
    })
  )

const rows = (values: string) =>
  `SELECT id, price::DOUBLE AS price, note FROM (VALUES ${values}) AS t(id, price, note) ORDER BY id`

describe("firstDifference", () => {
  it.scoped("identical values: undefined", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("first-diff-")
      const a = yield* parquet(dir, "a", rows(`(1, 1.5, 'x'), (2, 2.5, NULL)`))
      const b = yield* parquet(dir, "b", rows(`(1, 1.5, 'x'), (2, 2.5, NULL)`))
      expect(yield* firstDifference(a, b)).toBeUndefined()
    }))

  it.scoped("names the first differing row (1-based) and the first differing column on it, with both values", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("first-diff-")
      const a = yield* parquet(dir, "a", rows(`(1, 1.5, 'x'), (2, 2.5, 'y'), (3, 3.5, 'z'), (4, 4.0, 'w')`))
      const b = yield* parquet(dir, "b", rows(`(1, 1.5, 'x'), (2, 2.5, 'y'), (3, 3.25, 'Z'), (4, 9.0, 'w')`))
      const diff = yield* firstDifference(a, b)
      expect(diff).toMatchObject({ row: 3, column: "price", recorded: "3.5", recomputed: "3.25" })
      expect(diff?.detail).toContain("row 3, column price")
    }))

  it.scoped("NULL against a value is a difference (IS DISTINCT FROM)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("first-diff-")
      const a = yield* parquet(dir, "a", rows(`(1, 1.5, 'x'), (2, 2.5, NULL)`))
      const b = yield* parquet(dir, "b", rows(`(1, 1.5, 'x'), (2, 2.5, 'y')`))
      expect(yield* firstDifference(a, b)).toMatchObject({ row: 2, column: "note", recorded: "NULL", recomputed: "y" })
    }))

  it.scoped("a row present on one side only", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("first-diff-")
      const a = yield* parquet(dir, "a", rows(`(1, 1.5, 'x'), (2, 2.5, 'y')`))
      const b = yield* parquet(dir, "b", rows(`(1, 1.5, 'x'), (2, 2.5, 'y'), (3, 3.5, 'z')`))
      const diff = yield* firstDifference(a, b)
      expect(diff).toMatchObject({ row: 3, column: null })
      expect(diff?.detail).toBe("row 3 exists only in the recomputed file")
    }))

  it.scoped("different schemas", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("first-diff-")
      const a = yield* parquet(dir, "a", rows(`(1, 1.5, 'x')`))
      const b = yield* parquet(dir, "b", `SELECT id, price::DOUBLE AS price FROM (VALUES (1, 1.5)) AS t(id, price)`)
      const diff = yield* firstDifference(a, b)
      expect(diff).toMatchObject({ row: null, column: "note" })
      expect(diff?.detail).toContain("schemas differ at column 3")
    }))
})
