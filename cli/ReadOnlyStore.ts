/**
 * How commands that only read reach the store without creating one. The store layers create the
 * store's directories when they are built (what `run` and `import` want); a command that only reads
 * first asks `storeExists`, and when there is no store it either answers from nothing (lists print
 * an empty result, `explain` an empty store's view: everything would run) or fails with
 * `StoreMissing` (a command about one thing: `show`, `lineage`, `report`, `verify`; and `gc`,
 * `fsck`). With a PostgreSQL catalog the records are in the database but the objects are still in
 * the local store, so a read that finds no store fails with a usage error naming the directory
 * (exit 2) instead of answering from an empty store.
 */
import { Effect, Layer } from "effect"
import { statSync } from "node:fs"
import * as NodePath from "node:path"
import { DuckWorkspace } from "../nodes/duckdb/index.js"
import { RunEnvironment } from "../nodes/runtime/index.js"
import { ExperimentTracker, ProcessLiveness, STORE_LAYOUT_DIRS, STORE_MARKER, StoreMemory } from "../store/index.js"
import { StoreMissing, UsageError } from "./CliError.js"
import { CATALOG_ENV_VAR, globalConfig } from "./GlobalOptions.js"
import { gitInfo } from "./GitState.js"

/** A store has its marker, or (made before the marker existed) one of these directories (store/StoreLayout.ts). */
const STORE_ENTRIES = [STORE_MARKER, ...STORE_LAYOUT_DIRS]

/** "absent" only when the path certainly does not exist; an unreadable path is not absent. */
const probe = (path: string): "directory" | "other" | "absent" | "unknown" => {
  try {
    return statSync(path).isDirectory() ? "directory" : "other"
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === "ENOENT" || code === "ENOTDIR" ? "absent" : "unknown"
  }
}

/**
 * Whether `storeDir` holds a store: a directory with the store's marker file or at least one of
 * the store's top-level directories. A missing path, a file, or an empty or unrelated directory holds none (so a read
 * never turns `--store ~/Documents` into a store). When the answer cannot be known (permission
 * denied), it is `true`: the store layers then report the real error.
 */
export const storeExists = (storeDir: string): boolean => {
  const root = probe(storeDir)
  if (root === "absent" || root === "other") return false
  if (root === "unknown") return true
  return STORE_ENTRIES.some((entry) => probe(NodePath.join(storeDir, entry)) !== "absent")
}

/**
 * Whether a command that only reads has a store to open: false without one (it answers from
 * nothing), unless a catalog is given: then the missing store is a UsageError naming it.
 */
export const readableStore = (storeDir: string) =>
  Effect.flatMap(globalConfig, ({ catalog }) =>
    storeExists(storeDir)
      ? Effect.succeed(true)
      : catalog === undefined
      ? Effect.succeed(false)
      : Effect.fail(
        new UsageError({
          reason: `the catalog (--catalog or $${CATALOG_ENV_VAR}) holds the records, but their objects are in a local store, ` +
            `and there is none at ${storeDir}: give its directory with --store DIR (or $PIPELINE_STORE)`
        })
      ))

/** Fails with `StoreMissing` unless `storeDir` holds a store (with a catalog, a UsageError: see `readableStore`). */
export const requireStore = (storeDir: string) =>
  Effect.flatMap(readableStore(storeDir), (exists) => (exists ? Effect.void : Effect.fail(new StoreMissing({ path: storeDir }))))

/**
 * Every service `storeLayer` provides, over an empty in-memory store: for a command that only reads
 * (and writes nothing) when there is no store on disk. Nothing is created in the store directory.
 */
export const emptyStoreLayer = () =>
  Layer.mergeAll(
    StoreMemory.layer,
    ExperimentTracker.layerMemory.pipe(Layer.provide(ProcessLiveness.layerNode)),
    ProcessLiveness.layerNode,
    RunEnvironment.layer(gitInfo),
    DuckWorkspace.layer
  )
