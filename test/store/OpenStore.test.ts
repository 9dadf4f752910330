/**
 * `openStore` (store/StoreLayout.ts): which directories become a store. A new path or an empty
 * directory is initialised with the marker; a store made before the marker is recognised by its
 * layout and gains it; any other non-empty directory fails `NotAStore` and is left as it was; many
 * openers of one new path at once all succeed with one marker.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { openStore, STORE_MARKER, storeDirState } from "../../store/StoreLayout.js"
import { tempDir } from "./suites/support.js"

const entries = (dir: string) => Effect.promise(() => fs.readdir(dir).then((names) => names.sort()))

describe("openStore", () => {
  it.scoped("a new path (parents too) and an empty directory get the marker, once", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir("open-store-")
      const fresh = path.join(dir, "a", "b", "store")
      const empty = path.join(dir, "empty")
      yield* Effect.promise(() => fs.mkdir(empty))
      // 16 openers of one new path at once: each sees a store or makes it, none sees a foreign directory
      yield* Effect.all(Array.from({ length: 16 }, () => openStore(fresh)), { concurrency: "unbounded" })
      yield* openStore(empty)
      for (const store of [fresh, empty]) {
        expect(yield* entries(store)).toEqual([STORE_MARKER])
        const text = yield* Effect.promise(() => fs.readFile(path.join(store, STORE_MARKER), "utf8"))
        expect(JSON.parse(text)).toEqual({ format: "pipeline-store", version: 1 })
        expect((yield* storeDirState(store))._tag).toBe("store")
      }
    }))

  it.scoped("a store made before the marker (its layout directories) gains it; files beside it stay", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir("open-store-")
      yield* Effect.promise(() => fs.mkdir(path.join(dir, "experiments")))
      yield* Effect.promise(() => fs.writeFile(path.join(dir, "NOTES"), "mine"))
      expect((yield* storeDirState(dir))._tag).toBe("legacy")
      yield* openStore(dir)
      expect(yield* entries(dir)).toEqual(["NOTES", "experiments", STORE_MARKER].sort())
    }))

  it.scoped("a non-empty directory that is not a store: NotAStore naming it and what it holds; unchanged", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir("open-store-")
      yield* Effect.promise(() => fs.mkdir(path.join(dir, "tmp")))
      yield* Effect.promise(() => fs.writeFile(path.join(dir, "tmp", "notes.txt"), "notes"))
      yield* Effect.promise(() => fs.writeFile(path.join(dir, "README"), "readme"))
      // a *file* named like a layout directory does not make a store
      yield* Effect.promise(() => fs.writeFile(path.join(dir, "objects"), "not a directory"))
      const error = yield* Effect.flip(openStore(dir))
      expect(error).toMatchObject({ _tag: "NotAStore", path: dir, entries: ["README", "objects", "tmp"] })
      expect(error.message).toContain(`${dir} is not a store and not empty (it holds README, objects, tmp)`)
      expect(yield* entries(dir)).toEqual(["README", "objects", "tmp"])
      expect(yield* entries(path.join(dir, "tmp"))).toEqual(["notes.txt"])
    }))

  it.scoped("a file at the store path: StoreIOError from mkdir", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir("open-store-")
      const file = path.join(dir, "file")
      yield* Effect.promise(() => fs.writeFile(file, "x"))
      const error = yield* Effect.flip(openStore(file))
      expect(error).toMatchObject({ _tag: "StoreIOError", operation: "mkdir", path: file })
    }))
})
