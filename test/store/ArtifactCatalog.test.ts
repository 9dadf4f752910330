import { Effect } from "effect"
import { describe, expect, it } from "@effect/vitest"
import type { ArtifactId, ArtifactManifest } from "../../store/ArtifactCatalog.js"
import type { Digest } from "../../store/Digest.js"
import { ObjectStore } from "../../store/ObjectStore.js"
import { make, memoryBackend } from "../../store/internal/artifactCatalog.js"
import { artifactCatalogSuite } from "./suites/artifactCatalogSuite.js"
import { fileSystemStore, memoryStore, postgresStore, provenance } from "./suites/support.js"

artifactCatalogSuite("memory", memoryStore)
artifactCatalogSuite("filesystem", fileSystemStore)
artifactCatalogSuite("postgres", postgresStore)

describe("ArtifactCatalog.resolve with a shared prefix", () => {
  it.effect("a prefix matching two artifacts fails AmbiguousArtifactId listing both; a longer one resolves", () =>
    Effect.gen(function* () {
      // Ids with a common 10-hex prefix cannot be produced by publishing; write manifests directly.
      const backend = memoryBackend()
      const manifest = (id: string): ArtifactManifest => ({
        artifactId: id as ArtifactId,
        type: "trades",
        schemaVersion: 1,
        logicalKey: id,
        digest: `blake3:${"0".repeat(64)}` as Digest,
        bytes: 0,
        rowCount: 0,
        minTs: null,
        maxTs: null,
        inputs: [],
        producedBy: { node: "n", key: "k" },
        provenance,
        status: "active",
        tags: [],
        createdAt: "1970-01-01T00:00:00.000Z"
      })
      const a = `art_abcdef0123${"1".repeat(54)}`
      const b = `art_abcdef0123${"2".repeat(54)}`
      yield* backend.writeManifestOnce(manifest(a))
      yield* backend.writeManifestOnce(manifest(b))
      const catalog = make(backend, yield* ObjectStore)
      const error = yield* Effect.flip(catalog.resolve("abcdef0123"))
      expect(error).toMatchObject({ _tag: "AmbiguousArtifactId", prefix: "abcdef0123", candidates: [a, b] })
      // The longer prefix picks `a`; being hand-made, its manifest does not hash to its id, so it
      // reads as absent with that reason.
      expect(yield* Effect.flip(catalog.resolve("art_abcdef01231"))).toMatchObject({
        _tag: "ArtifactNotFound",
        artifactId: a,
        reason: expect.stringContaining("does not match its id")
      })
    }).pipe(Effect.provide(ObjectStore.layerMemory))
  )
})
