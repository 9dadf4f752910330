/**
 * A manifest whose fields do not hash to its artifactId (its digest pointed at another object) is
 * treated as absent by every reader of the catalog and by the action cache, is still visible as
 * recorded (for fsck), and is replaced atomically by the next publish of that artifact; so is a
 * manifest that does not decode at all.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { ActionCache, ArtifactCatalog, makeLayout } from "../../store/index.js"
import { fileSystemStoreAt, requestFor, stage, tempDir } from "./suites/support.js"

const withStore = <A, E>(body: (root: string) => Effect.Effect<A, E, any>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const root = path.join(yield* tempDir("tampered-"), "store")
      return yield* (body(root).pipe(Effect.provide(Layer.orDie(fileSystemStoreAt(root)))) as Effect.Effect<A, E, never>)
    })
  )

describe("a manifest that does not hash to its id", () => {
  it.live("reads as absent (with the reason), is a cache miss, and the next publish repairs it", () =>
    withStore((root) =>
      Effect.scoped(
        Effect.gen(function* () {
          const layout = makeLayout(root)
          const catalog = yield* ArtifactCatalog
          const cache = yield* ActionCache
          const requestA = requestFor(yield* stage("trades of experiment a\n"), { logicalKey: "a/trades" })
          const a = yield* catalog.publish(requestA)
          const b = yield* catalog.publish(requestFor(yield* stage("trades of experiment b, longer\n"), { logicalKey: "b/trades" }))
          yield* cache.put({
            key: `blake3:${"1".repeat(64)}` as never,
            node: "simulate",
            material: {},
            outputs: { trades: { artifactId: a.artifactId, digest: a.digest } },
            ranAt: "2026-01-01T00:00:00.000Z",
            durationMs: 1
          })
          expect((yield* cache.lookup(`blake3:${"1".repeat(64)}` as never))._tag).toBe("Hit")

          // A's manifest now names B's object (and its size).
          const manifestPath = layout.manifestPath(a.artifactId)
          const tampered = { ...JSON.parse(yield* Effect.promise(() => fs.readFile(manifestPath, "utf8"))), digest: b.digest, bytes: b.bytes }
          yield* Effect.promise(() => fs.writeFile(manifestPath, JSON.stringify(tampered)))

          const error = yield* Effect.flip(catalog.get(a.artifactId))
          expect(error._tag).toBe("ArtifactNotFound")
          expect(error.message).toContain(a.artifactId)
          expect(error.message).toContain("does not match its id")
          expect((yield* Effect.flip(catalog.dataPath(a.artifactId)))._tag).toBe("ArtifactNotFound")
          expect((yield* catalog.list()).map((m) => m.artifactId)).toEqual([b.artifactId])
          expect((yield* catalog.list({ type: "trades" })).map((m) => m.artifactId)).toEqual([b.artifactId])
          expect((yield* catalog.recorded(a.artifactId))?.digest).toBe(b.digest)
          expect(yield* cache.lookup(`blake3:${"1".repeat(64)}` as never)).toEqual({
            _tag: "Miss",
            reason: { _tag: "ArtifactMissing", output: "trades", artifactId: a.artifactId }
          })

          // Republishing A replaces the tampered manifest.
          const again = yield* catalog.publish(requestFor(yield* stage("trades of experiment a\n"), { logicalKey: "a/trades" }))
          expect(again.artifactId).toBe(a.artifactId)
          expect(again.digest).toBe(a.digest)
          expect((yield* catalog.get(a.artifactId)).digest).toBe(a.digest)
          expect(JSON.parse(yield* Effect.promise(() => fs.readFile(manifestPath, "utf8"))).digest).toBe(a.digest)
          expect((yield* cache.lookup(`blake3:${"1".repeat(64)}` as never))._tag).toBe("Hit")

          // A manifest cut short is replaced the same way; a sound one is never rewritten.
          yield* Effect.promise(() => fs.writeFile(manifestPath, "{ \"artifactId\": "))
          expect((yield* Effect.flip(catalog.get(a.artifactId)))._tag).toBe("RecordDecodeError")
          yield* catalog.publish(requestFor(yield* stage("trades of experiment a\n"), { logicalKey: "a/trades" }))
          expect((yield* catalog.get(a.artifactId)).digest).toBe(a.digest)
          const before = yield* Effect.promise(() => fs.stat(layout.manifestPath(b.artifactId)))
          yield* catalog.publish(requestFor(yield* stage("trades of experiment b, longer\n"), { logicalKey: "b/trades" }))
          const after = yield* Effect.promise(() => fs.stat(layout.manifestPath(b.artifactId)))
          expect(after.ino).toBe(before.ino)
        })
      )
    )
  )
})
