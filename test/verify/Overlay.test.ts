/**
 * store/Overlay.ts: writes land in a scratch store under the main store's tmp/, reads look in
 * scratch first then in the main store, and the scratch store disappears with the scope.
 */
import { it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import {
  ArtifactCatalog,
  type ArtifactId,
  ObjectStore,
  overlayLayer,
  StoreLive,
  StoreOverlay
} from "../../store/index.js"
import { snapshotTree } from "../cli-run/support.js"
import { requestFor, stage, tempDir } from "../store/suites/support.js"

const publishText = (text: string, overrides: Parameters<typeof requestFor>[1] = {}) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const file = yield* stage(text)
    return yield* catalog.publish(requestFor(file, overrides))
  }).pipe(Effect.scoped)

describe("overlayLayer", () => {
  it.scoped("writes go to scratch, reads fall back to the main store, scratch is removed afterwards", () =>
    Effect.gen(function*() {
      const root = path.join(yield* tempDir("overlay-"), "store")
      const base = yield* publishText("main bytes", { logicalKey: "main/a" }).pipe(Effect.provide(StoreLive.layer(root)))
      const before = snapshotTree(root, ["objects", "artifacts"])

      let scratchRoot = ""
      const seen = yield* Effect.gen(function*() {
        const overlay = yield* StoreOverlay
        const catalog = yield* ArtifactCatalog
        const objects = yield* ObjectStore
        scratchRoot = overlay.scratchRoot
        expect(scratchRoot.startsWith(path.join(root, "tmp") + path.sep)).toBe(true)
        expect(fs.existsSync(scratchRoot)).toBe(true)

        // Reads of what the main store holds.
        const fromMain = yield* catalog.get(base.artifactId)
        expect(fromMain.digest).toBe(base.digest)
        expect(yield* catalog.dataPath(base.artifactId)).toBe(yield* overlay.main.catalog.dataPath(base.artifactId))
        expect(yield* objects.has(base.digest)).toBe(true)

        // A publish whose input lives only in the main store: accepted, written to scratch.
        const derived = yield* publishText("derived bytes", {
          logicalKey: "scratch/b",
          inputs: [base.artifactId as ArtifactId]
        })
        const derivedPath = yield* catalog.dataPath(derived.artifactId)
        expect(derivedPath.startsWith(scratchRoot + path.sep)).toBe(true)
        expect(fs.readFileSync(derivedPath, "utf8")).toBe("derived bytes")
        expect((yield* catalog.lineage(derived.artifactId)).nodes.map((m) => m.artifactId).sort()).toEqual(
          [base.artifactId, derived.artifactId].sort()
        )
        expect((yield* catalog.downstream(base.artifactId)).nodes.map((m) => m.artifactId)).toContain(derived.artifactId)
        expect((yield* catalog.list()).map((m) => m.artifactId).sort()).toEqual([base.artifactId, derived.artifactId].sort())
        expect((yield* catalog.resolve(derived.artifactId.slice(0, 16))).artifactId).toBe(derived.artifactId)
        // The main store itself does not see it.
        const inMain = yield* Effect.exit(overlay.main.catalog.get(derived.artifactId))
        expect(Exit.isFailure(inMain)).toBe(true)

        // Raw objects and scratch paths.
        const stored = yield* objects.putBytes(new TextEncoder().encode("loose object"))
        expect((yield* objects.path(stored.digest)).startsWith(scratchRoot + path.sep)).toBe(true)
        expect(yield* overlay.main.objects.has(stored.digest)).toBe(false)
        const scratchFile = yield* Effect.scoped(objects.scratchPath("-x.duckdb"))
        expect(scratchFile.startsWith(scratchRoot + path.sep)).toBe(true)
        expect((yield* objects.list()).map((o) => o.digest)).toEqual(
          expect.arrayContaining([base.digest, derived.digest, stored.digest])
        )
        // Removing through the overlay never touches the main store.
        yield* objects.remove(base.digest)
        expect(yield* overlay.main.objects.has(base.digest)).toBe(true)
        return { derived: derived.artifactId, object: stored.digest }
      }).pipe(Effect.provide(overlayLayer(root)))

      // Scope closed: scratch gone, main store's objects/ and artifacts/ exactly as before.
      expect(fs.existsSync(scratchRoot)).toBe(false)
      expect(snapshotTree(root, ["objects", "artifacts"])).toEqual(before)
      const main = yield* Effect.gen(function*() {
        const catalog = yield* ArtifactCatalog
        return {
          derived: yield* Effect.exit(catalog.get(seen.derived)),
          object: yield* (yield* ObjectStore).has(seen.object)
        }
      }).pipe(Effect.provide(StoreLive.layer(root)))
      expect(Exit.isFailure(main.derived)).toBe(true)
      expect(main.object).toBe(false)
    }))

  it.scoped("the scratch store is removed when the work inside fails", () =>
    Effect.gen(function*() {
      const root = path.join(yield* tempDir("overlay-"), "store")
      let scratchRoot = ""
      const exit = yield* Effect.exit(
        Effect.gen(function*() {
          scratchRoot = (yield* StoreOverlay).scratchRoot
          yield* publishText("doomed", { logicalKey: "scratch/c" })
          return yield* Effect.fail("boom" as const)
        }).pipe(Effect.provide(overlayLayer(root)))
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(scratchRoot).not.toBe("")
      expect(fs.existsSync(scratchRoot)).toBe(false)
      expect(snapshotTree(root, ["objects", "artifacts"])).toEqual({})
    }))
})
