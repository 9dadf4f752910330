/**
 * Every service an experiment needs, on the filesystem store at `root` (or, with `catalog`, on a
 * PostgreSQL catalog with objects at `root`): the store services, the memo of derived values (the
 * DuckDB version), the tracker with process liveness, the run environment (git state; unknown when
 * not given) and the process's DuckDB workspace. The one composition the CLI, the tests and the benchmark build on.
 */
import { type Effect, Layer } from "effect"
import {
  type ActionCache,
  type ArtifactCatalog,
  ExperimentTracker,
  type GitInfo,
  type ObjectStore,
  ProcessLiveness,
  StoreLive,
  ValueCache
} from "../../store/index.js"
import { experimentTrackerPostgres, jobQueuePostgres, StorePostgres } from "../../store/postgres/index.js"
import {
  type RemoteDownload,
  RemoteEvents,
  type RemoteMode,
  remoteStorageS3,
  type RemoteWarning,
  withRemoteTier
} from "../../store/remote/index.js"
import { DuckWorkspace } from "../duckdb/index.js"
import { RunEnvironment } from "./RunEnvironment.js"

export interface ExperimentLayerOptions {
  /**
   * The git state of the computing code (provenance only), or an effect that finds it, awaited
   * when a run records its provenance (see RunEnvironment.layer); unknown when absent.
   */
  readonly git?: GitInfo | Effect.Effect<GitInfo>
  /** How the tracker tells live run owners from dead ones; the real process table by default. */
  readonly liveness?: Layer.Layer<ProcessLiveness>
  /**
   * A PostgreSQL URL: the artifact catalog, action cache and tracker live in that database (shared
   * by everyone who reaches it); objects stay in the store at `root` (store/postgres).
   */
  readonly catalog?: string
  /**
   * An S3-API remote (`s3://bucket/prefix`; endpoint, region and credentials from the AWS SDK's own
   * configuration): the action cache reads through it on a local miss and, in read-write mode,
   * uploads what is computed (store/remote). `download` (default `outputs`): a remote hit brings
   * only manifests, objects come down when read; `all`: every object of a hit's lineage too.
   * Warnings (corrupt or unreachable remote) go to `onWarning`.
   */
  readonly remote?: {
    readonly url: string
    readonly mode: RemoteMode
    readonly download?: RemoteDownload
    readonly onWarning?: (warning: RemoteWarning) => void
  }
}

const remoteOver = <ROut, E, RIn>(
  store: Layer.Layer<ROut | ActionCache | ArtifactCatalog | ObjectStore, E, RIn>,
  remote: NonNullable<ExperimentLayerOptions["remote"]>
) =>
  withRemoteTier(
    store,
    Layer.merge(
      remoteStorageS3(remote.url),
      remote.onWarning === undefined ? RemoteEvents.layerSilent : RemoteEvents.layer(remote.onWarning)
    ),
    remote.mode,
    remote.download === undefined ? {} : { download: remote.download }
  )

export const experimentLayer = (root: string, options: ExperimentLayerOptions = {}) => {
  const liveness = options.liveness ?? ProcessLiveness.layerNode
  const rest = Layer.mergeAll(
    liveness,
    options.git === undefined ? RunEnvironment.unknown : RunEnvironment.layer(options.git),
    DuckWorkspace.layer
  )
  if (options.catalog !== undefined) {
    const local = Layer.provideMerge(ValueCache.layerFileSystem, StorePostgres.layer(root, { url: options.catalog }))
    const store = options.remote === undefined ? local : remoteOver(local, options.remote)
    return Layer.mergeAll(
      // The job queue (sweep batches for `pipeline worker`) lives in the same database.
      Layer.merge(experimentTrackerPostgres(), jobQueuePostgres).pipe(Layer.provideMerge(store), Layer.provide(liveness)),
      rest
    )
  }
  const local = Layer.provideMerge(ValueCache.layerFileSystem, StoreLive.layer(root))
  return Layer.mergeAll(
    options.remote === undefined ? local : remoteOver(local, options.remote),
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
