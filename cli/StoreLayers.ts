/**
 * Composition root for commands that use the store: the filesystem layers on the resolved store
 * directory (catalog, action cache and tracker on PostgreSQL with `--catalog`), the tracker, process
 * liveness, and the run environment (git state of this code: cli/GitState.ts).
 * Built per command because the store directory comes from the parsed global options.
 */
import { Effect, Layer } from "effect"
import { experimentLayer } from "../nodes/runtime/index.js"
import { ExperimentTracker, ProcessLiveness, StoreRoot } from "../store/index.js"
import { formatRemoteWarning, type RemoteDownload, type RemoteWarning } from "../store/remote/index.js"
import { UsageError } from "./CliError.js"
import { gitInfo } from "./GitState.js"
import { globalConfig } from "./GlobalOptions.js"

/** A remote tier's warning (corrupt download, unreachable remote, incomplete upload), on stderr. */
export const printRemoteWarning = (warning: RemoteWarning): void => {
  process.stderr.write(`warning: ${formatRemoteWarning(warning)}\n`)
}

/**
 * The store layers on `storeDir`; with `--catalog` (or $PIPELINE_CATALOG), on that PostgreSQL
 * catalog; with `--remote` (or $PIPELINE_REMOTE), overlaid on that S3-API remote, downloading what
 * `--remote-download` says unless `download` overrides it (`pipeline pull`: everything).
 */
export const storeLayer = (storeDir: string, options: { readonly download?: RemoteDownload } = {}) =>
  Layer.unwrapEffect(
    Effect.map(globalConfig, ({ catalog, remote }) => {
      if (remote !== undefined) quietSdkNodeWarning()
      return experimentLayer(storeDir, {
        git: gitInfo,
        ...(catalog === undefined ? {} : { catalog }),
        ...(remote === undefined
          ? {}
          : { remote: { ...remote, download: options.download ?? remote.download, onWarning: printRemoteWarning } })
      })
    })
  )

/**
 * The experiment tracker alone, for commands that only read experiments: on a filesystem store
 * (no `--catalog`), the store opened as `storeLayer` opens it (a directory that holds something
 * else fails with NotAStore) but without its object store, digest cache, catalog and action cache;
 * with a PostgreSQL catalog, which holds the experiments, `storeLayer`.
 */
export const trackerLayer = (
  storeDir: string
): Layer.Layer<ExperimentTracker, Layer.Layer.Error<ReturnType<typeof storeLayer>>, Layer.Layer.Context<ReturnType<typeof storeLayer>>> =>
  Layer.unwrapEffect(
    Effect.map(globalConfig, ({ catalog }) =>
      catalog === undefined
        ? ExperimentTracker.layer.pipe(Layer.provide(Layer.merge(StoreRoot.layerOpen(storeDir), ProcessLiveness.layerNode)))
        : storeLayer(storeDir))
  )

/**
 * The AWS SDK prints a multi-line NodeVersionSupportWarning on every process under Node < 22 about
 * SDK versions not yet published; the lockfile pins one that supports Node 20, so on the CLI's
 * stderr (where remote warnings must stay readable) it is noise. A user's own setting wins.
 */
const quietSdkNodeWarning = (): void => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"
}

/**
 * Fails with a usage error when a PostgreSQL catalog is configured: for commands that read or
 * rewrite the filesystem store's own records (gc, fsck, verify), which a shared catalog does not hold.
 */
export const refuseCatalog = (command: string) =>
  Effect.flatMap(globalConfig, ({ catalog }) =>
    catalog === undefined
      ? Effect.void
      : Effect.fail(
        new UsageError({
          reason: `${command} works on a filesystem store only, not with a PostgreSQL catalog: run it without --catalog and $PIPELINE_CATALOG`
        })
      ))
