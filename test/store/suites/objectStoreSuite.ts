/**
 * The ObjectStore contract, run against every backend (memory and filesystem).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, type Scope } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { hashBytes, hashFile } from "../../../store/Digest.js"
import { ObjectStore } from "../../../store/ObjectStore.js"
import { bytesOf, type MakeStore, stage, type StoreUnderTest } from "./support.js"

export const objectStoreSuite = (name: string, makeStore: MakeStore) =>
  describe(`ObjectStore contract (${name})`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, StoreUnderTest | Scope.Scope>) =>
      effect.pipe(Effect.scoped, Effect.provide(makeStore()))

    it.effect("putBytes stores bytes under their BLAKE3 digest; read, has, path and list agree", () =>
      run(
        Effect.gen(function* () {
          const objects = yield* ObjectStore
          const bytes = bytesOf("hello objects")
          const stored = yield* objects.putBytes(bytes)
          expect(stored.digest).toBe(yield* hashBytes(bytes))
          expect(stored.bytes).toBe(bytes.byteLength)
          expect(yield* objects.has(stored.digest)).toBe(true)
          expect(Buffer.from(yield* objects.read(stored.digest)).toString()).toBe("hello objects")
          const file = yield* objects.path(stored.digest)
          expect(yield* Effect.promise(() => fs.readFile(file, "utf8"))).toBe("hello objects")
          expect(yield* objects.list()).toEqual([stored])
        })
      )
    )

    it.effect("a promise records which remote holds an object not stored here; a read of it says so; it can be forgotten", () =>
      run(
        Effect.gen(function* () {
          const objects = yield* ObjectStore
          const digest = yield* hashBytes(new TextEncoder().encode("elsewhere"))
          expect(yield* objects.promisedBy(digest)).toBeUndefined()
          yield* objects.promise(digest, "s3://team/p")
          expect(yield* objects.promisedBy(digest)).toBe("s3://team/p")
          expect(yield* objects.listPromised()).toEqual([{ digest, location: "s3://team/p" }])
          expect(yield* objects.has(digest)).toBe(false)
          expect((yield* objects.verify(digest))._tag).toBe("Missing")
          for (const read of [objects.read(digest), objects.path(digest), objects.ensureIntact(digest)]) {
            const error = yield* Effect.flip(read)
            expect(error._tag).toBe("ObjectNotFound")
            expect(error.message).toMatch(/on the remote s3:\/\/team\/p and was not downloaded: run with --remote s3:\/\/team\/p .*pipeline pull/)
          }
          yield* objects.forgetPromise(digest)
          expect(yield* objects.promisedBy(digest)).toBeUndefined()
          expect(yield* objects.listPromised()).toEqual([])
        })
      )
    )

    it.effect("puts are idempotent and deduplicated by content", () =>
      run(
        Effect.gen(function* () {
          const objects = yield* ObjectStore
          const a = yield* objects.putFile(yield* stage("same bytes"))
          const b = yield* objects.putFile(yield* stage("same bytes"))
          const c = yield* objects.putBytes(bytesOf("same bytes"))
          const d = yield* objects.putFile(yield* stage("other bytes"))
          expect(b).toEqual(a)
          expect(c).toEqual(a)
          expect(d.digest).not.toBe(a.digest)
          const listed = yield* objects.list()
          expect(listed.map((o) => o.digest).sort()).toEqual([a.digest, d.digest].sort())
        })
      )
    )

    it.effect("putFile streams multi-block files (digest equals hashFile of the source)", () =>
      run(
        Effect.gen(function* () {
          const objects = yield* ObjectStore
          // 9 MiB + 7 bytes: several 4 MiB copy blocks and 1 MiB hash updates, an odd tail.
          const big = new Uint8Array(9 * 1024 * 1024 + 7)
          for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 12)) & 0xff
          const source = yield* stage(big)
          const expected = yield* hashFile(source)
          const stored = yield* objects.putFile(source)
          expect(stored).toEqual({ digest: expected, bytes: big.length })
          expect(yield* hashFile(yield* objects.path(stored.digest))).toBe(expected)
          expect(yield* objects.verify(stored.digest)).toEqual({ _tag: "Intact", digest: expected })
        })
      )
    )

    it.effect("putFile with move takes the source away; without move the source stays", () =>
      run(
        Effect.gen(function* () {
          const objects = yield* ObjectStore
          const kept = yield* stage("copy me")
          yield* objects.putFile(kept)
          expect(yield* Effect.promise(() => fs.readFile(kept, "utf8"))).toBe("copy me")
          const moved = yield* stage("move me")
          const stored = yield* objects.putFile(moved, { move: true })
          const gone = yield* Effect.promise(() => fs.access(moved).then(() => false, () => true))
          expect(gone).toBe(true)
          expect(Buffer.from(yield* objects.read(stored.digest)).toString()).toBe("move me")
        })
      )
    )

    it.effect("an absent object: has false, verify Missing, read/path/ensureIntact fail ObjectNotFound", () =>
      run(
        Effect.gen(function* () {
          const objects = yield* ObjectStore
          const digest = yield* hashBytes(bytesOf("never stored"))
          expect(yield* objects.has(digest)).toBe(false)
          expect(yield* objects.verify(digest)).toEqual({ _tag: "Missing", digest })
          for (const attempt of [objects.read(digest), objects.path(digest), objects.ensureIntact(digest)]) {
            const error = yield* Effect.flip(attempt)
            expect(error._tag).toBe("ObjectNotFound")
            expect(error).toMatchObject({ digest })
          }
        })
      )
    )

    it.effect("remove deletes an object (and is a no-op when absent)", () =>
      run(
        Effect.gen(function* () {
          const objects = yield* ObjectStore
          const stored = yield* objects.putBytes(bytesOf("to remove"))
          yield* objects.remove(stored.digest)
          yield* objects.remove(stored.digest)
          expect(yield* objects.has(stored.digest)).toBe(false)
          expect(yield* objects.list()).toEqual([])
        })
      )
    )

    it.effect("scratchPath: unique paths under the store, removed (file or directory) when the scope closes", () =>
      Effect.gen(function* () {
        const objects = yield* ObjectStore
        const [file, dir] = yield* Effect.scoped(
          Effect.gen(function* () {
            const file = yield* objects.scratchPath(".parquet")
            const dir = yield* objects.scratchPath(".d")
            expect(file).not.toBe(dir)
            expect(file.endsWith(".parquet")).toBe(true)
            expect(file.startsWith(objects.root)).toBe(true)
            yield* Effect.promise(() => fs.writeFile(file, "x"))
            yield* Effect.promise(() => fs.mkdir(path.join(dir, "nested"), { recursive: true }))
            yield* Effect.promise(() => fs.writeFile(path.join(dir, "nested", "f"), "y"))
            return [file, dir] as const
          })
        )
        for (const p of [file, dir]) {
          expect(yield* Effect.promise(() => fs.access(p).then(() => true, () => false))).toBe(false)
        }
        const bad = yield* Effect.exit(Effect.scoped(objects.scratchPath("../escape")))
        expect(Exit.isFailure(bad)).toBe(true)
      }).pipe(Effect.provide(makeStore()))
    )

    it.effect("scratch space is released when the scope fails", () =>
      Effect.gen(function* () {
        const objects = yield* ObjectStore
        let seen = ""
        const exit = yield* Effect.exit(
          Effect.scoped(
            Effect.gen(function* () {
              seen = yield* objects.scratchPath(".tmp")
              yield* Effect.promise(() => fs.writeFile(seen, "partial"))
              return yield* Effect.fail("boom" as const)
            })
          )
        )
        expect(Exit.isFailure(exit)).toBe(true)
        expect(yield* Effect.promise(() => fs.access(seen).then(() => true, () => false))).toBe(false)
      }).pipe(Effect.provide(makeStore()))
    )
  })
