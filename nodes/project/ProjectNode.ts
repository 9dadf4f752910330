/**
 * project: the projection as a resource node. Acquired only when a consumer (simulate) misses the
 * cache; its database lives under the store's tmp/ and is deleted when the run's scope closes.
 * validate is an order-only input: the projection reads none of its output, so it is built beside
 * validate on a cold run, and used only once validate has passed (docs/DESIGN.md §3).
 */
import { Effect } from "effect"
import { type ArtifactNodeWith, resourceNode } from "../../pipeline/index.js"
import { ObjectStore } from "../../store/index.js"
import { contractDataPath } from "../contracts/ArtifactColumns.js"
import { AlertsV1, OhlcvSliceV2 } from "../contracts/index.js"
import { ValidateConfig } from "../validate/index.js"
import { openProjection } from "./Projection.js"

/** The projection's config: the same inputs and date range validate checked. */
export const ProjectConfig = ValidateConfig
export type ProjectConfig = typeof ProjectConfig.Type

export const projectNode = <E, R>(
  config: ProjectConfig,
  validated: ArtifactNodeWith<"coverage", E, R>,
  identity?: string
) =>
  resourceNode({
    name: "project",
    version: "1",
    configSchema: ProjectConfig,
    config,
    ...(identity ? { identity } : {}),
    inputs: {},
    // Never used unless validate passed; its key holds validate's output as an input's would.
    after: { validated },
    acquire: ({ config, progress }) =>
      Effect.gen(function*() {
        const objects = yield* ObjectStore
        const alertFiles = yield* Effect.forEach(config.alerts, (id) => contractDataPath(id, AlertsV1))
        const ohlcvFiles = yield* Effect.forEach(config.ohlcv, (id) => contractDataPath(id, OhlcvSliceV2))
        const databasePath = yield* objects.scratchPath("-projection.duckdb")
        const projection = yield* openProjection({
          databasePath,
          alertFiles,
          ohlcvFiles,
          from: Date.parse(config.dateRange.from),
          to: Date.parse(config.dateRange.to),
          onProgress: (done, total) => progress(done, total, "candle rows scanned")
        })
        // The candles the projection holds (the benchmark reads this event).
        yield* progress(projection.candleCount, projection.candleCount, "candles")
        return projection
      })
  })
