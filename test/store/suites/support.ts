/**
 * Shared pieces of the store suites: temp directories, fresh store layers per test, a staged file.
 */
import { Effect, Layer } from "effect"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import type { ArtifactId, PublishRequest } from "../../../store/ArtifactCatalog.js"
import { ObjectStore } from "../../../store/ObjectStore.js"
import { StoreLive, StoreMemory, type StoreServices } from "../../../store/StoreLive.js"
import type { NotAStore, StoreIOError } from "../../../store/StoreError.js"
import type { StoreRoot } from "../../../store/StoreLayout.js"
import { StorePostgres } from "../../../store/postgres/index.js"
import { freshDatabase } from "../../support/postgres.js"

/** A temp directory removed when the scope closes. */
export const tempDir = (prefix = "store-test-") =>
  Effect.acquireRelease(
    Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), prefix))),
    (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
  )

/** The services every backend provides (the memory one has no StoreRoot). */
export type StoreUnderTest = Exclude<StoreServices, StoreRoot>

/** A fresh store per call; a function so every test gets its own. */
export type MakeStore = () => Layer.Layer<StoreUnderTest, StoreIOError | NotAStore>

export const memoryStore: MakeStore = () => StoreMemory.layer

/** A filesystem store in a fresh temp directory, deleted with the layer. */
export const fileSystemStore: MakeStore = () =>
  Layer.unwrapScoped(Effect.map(tempDir("store-fs-"), (dir) => StoreLive.layer(path.join(dir, "store"))))

/**
 * Catalog, action cache (and tracker) in a fresh PostgreSQL database of the test server; objects in a
 * fresh temp directory. Both are new per call.
 */
export const postgresStore: MakeStore = () =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const dir = yield* tempDir("store-pg-")
      const url = yield* freshDatabase()
      return StorePostgres.layer(path.join(dir, "store"), { url, maxConnections: 4 })
    })
  )

/** The same, keeping the root (for tests that inspect or damage files). */
export const fileSystemStoreAt = (root: string) => StoreLive.layer(root)

/** Writes `content` to a fresh scratch path of the store (removed with the scope). */
export const stage = (content: string | Uint8Array, suffix = ".bin") =>
  Effect.gen(function* () {
    const objects = yield* ObjectStore
    const file = yield* objects.scratchPath(suffix)
    yield* Effect.promise(() => fs.writeFile(file, content))
    return file
  })

export const provenance = { engineVersion: "0.1.0-test", duckdbVersion: "1.5.6", git: { commit: null, dirty: false } }

export const requestFor = (file: string, overrides: Partial<PublishRequest> = {}): PublishRequest => ({
  file,
  type: "trades",
  schemaVersion: 1,
  logicalKey: "experiment/a/trades",
  rowCount: 0,
  minTs: null,
  maxTs: null,
  inputs: [] as Array<ArtifactId>,
  producedBy: { node: "simulate", key: "blake3:test" },
  provenance,
  ...overrides
})

export const bytesOf = (text: string) => new TextEncoder().encode(text)

/** Flips the first byte of a file in place (a normal write: its mtime changes). */
export const flipFirstByte = (file: string) =>
  Effect.promise(async () => {
    await fs.chmod(file, 0o644)
    const handle = await fs.open(file, "r+")
    const byte = Buffer.alloc(1)
    await handle.read(byte, 0, 1, 0)
    byte[0] ^= 0xff
    await handle.write(byte, 0, 1, 0)
    await handle.close()
    await fs.chmod(file, 0o444)
  })
