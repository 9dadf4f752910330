/**
 * Every service an experiment needs, on the filesystem store at `root` (or, with `catalog`, on a
 * PostgreSQL catalog with objects at `root`): the store services, the
 * tracker with process liveness, the run environment (git state; unknown when not given) and the
 * process's DuckDB workspace. The one composition the CLI, the tests and the benchmark build on.
 */
import { Layer } from "effect"
import { ExperimentTracker, type GitInfo, ProcessLiveness, StoreLive } from "../../store/index.js"
import { experimentTrackerPostgres, StorePostgres } from "../../store/postgres/index.js"
import { DuckWorkspace } from "../duckdb/index.js"
import { RunEnvironment } from "./Engine.js"

export interface ExperimentLayerOptions {
  /** The git state of the computing code (provenance only); unknown when absent. */
  readonly git?: GitInfo
  /** How the tracker tells live run owners from dead ones; the real process table by default. */
  readonly liveness?: Layer.Layer<ProcessLiveness>
  /**
   * A PostgreSQL URL: the artifact catalog, action cache and tracker live in that database (shared
   * by everyone who reaches it); objects stay in the store at `root` (store/postgres).
   */
  readonly catalog?: string
}

export const experimentLayer = (root: string, options: ExperimentLayerOptions = {}) => {
  const liveness = options.liveness ?? ProcessLiveness.layerNode
  const rest = Layer.mergeAll(
    liveness,
    options.git === undefined ? RunEnvironment.unknown : RunEnvironment.layer(options.git),
    DuckWorkspace.layer
  )
  if (options.catalog !== undefined) {
    const store = StorePostgres.layer(root, { url: options.catalog })
    return Layer.mergeAll(
      experimentTrackerPostgres().pipe(Layer.provideMerge(store), Layer.provide(liveness)),
      rest
    )
  }
  return Layer.mergeAll(
    StoreLive.layer(root),
    ExperimentTracker.layerFileSystem(root).pipe(Layer.provide(liveness)),
    rest
  )
}

export interface PipelineLayerOptions extends ExperimentLayerOptions {
  /** The store directory (created on first write). */
  readonly dir: string
}

/** `experimentLayer` by options: the library's `layer({ dir })`. */
export const pipelineLayer = (options: PipelineLayerOptions) => experimentLayer(options.dir, options)
