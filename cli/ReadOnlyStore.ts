/**
 * How commands that only read reach the store without creating one. The store layers create the
 * store's directories when they are built (what `run` and `import` want); a command that only reads
 * first asks `storeExists`, and when there is no store it either answers from nothing (lists print
 * an empty result, `explain` an empty store's view: everything would run) or fails with
 * `StoreMissing` (a command about one thing: `show`, `lineage`, `report`, `verify`; and `gc`,
 * `fsck`).
 */
import { Effect, Layer } from "effect"
import { statSync } from "node:fs"
import * as NodePath from "node:path"
import { DuckWorkspace } from "../nodes/duckdb/index.js"
import { RunEnvironment } from "../nodes/runtime/index.js"
import { ExperimentTracker, ProcessLiveness, STORE_LAYOUT_DIRS, STORE_MARKER, StoreMemory } from "../store/index.js"
import { StoreMissing } from "./CliError.js"
import { gitInfo } from "./StoreLayers.js"

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

/** Fails with `StoreMissing` unless `storeDir` holds a store. */
export const requireStore = (storeDir: string): Effect.Effect<void, StoreMissing> =>
  Effect.suspend(() => (storeExists(storeDir) ? Effect.void : Effect.fail(new StoreMissing({ path: storeDir }))))

/**
 * Every service `storeLayer` provides, over an empty in-memory store: for a command that only reads
 * (and writes nothing) when there is no store on disk. Nothing is created in the store directory.
 */
export const emptyStoreLayer = () =>
  Layer.mergeAll(
    StoreMemory.layer,
    ExperimentTracker.layerMemory.pipe(Layer.provide(ProcessLiveness.layerNode)),
    ProcessLiveness.layerNode,
    RunEnvironment.layer(gitInfo()),
    DuckWorkspace.layer
  )
