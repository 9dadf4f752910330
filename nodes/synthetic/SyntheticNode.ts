/**
 * The synthetic market as a cached node: same config ⇒ same key ⇒ the generator runs once, and
 * its two artifacts (alerts_v1, ohlcv_slice_v2) feed experiments like imported data.
 */
import { Effect } from "effect"
import { artifactNode } from "../../pipeline/index.js"
import { ObjectStore } from "../../store/index.js"
import { AlertsV1, OhlcvSliceV2 } from "../contracts/index.js"
import { publishFile } from "../parquet/index.js"
import { generateSynthetic } from "./GenerateSynthetic.js"
import { SyntheticConfig } from "./SyntheticConfig.js"

/** Bump when the generator's output changes for the same config. */
export const SYNTHETIC_GENERATOR_VERSION = "2"

export const syntheticNode = (config: SyntheticConfig, identity?: string) =>
  artifactNode({
    name: "synthetic",
    version: SYNTHETIC_GENERATOR_VERSION,
    configSchema: SyntheticConfig,
    config,
    ...(identity ? { identity } : {}),
    inputs: {},
    outputs: ["alerts", "ohlcv"],
    run: ({ config, key, name, progress }) =>
      Effect.scoped(
        Effect.gen(function*() {
          const objects = yield* ObjectStore
          const alertsPath = yield* objects.scratchPath("-alerts.parquet")
          const ohlcvPath = yield* objects.scratchPath("-ohlcv.parquet")
          const summary = yield* generateSynthetic(config, { alertsPath, ohlcvPath }, {
            onProgress: (done, total) => progress(done, total, "tokens")
          })
          const base = `chain=${config.chain}/synthetic=seed-${config.seed}-tokens-${config.tokens}-days-${config.days}`
          const producedBy = { node: name, key }
          const alerts = yield* publishFile({
            file: alertsPath,
            rowCount: summary.alerts,
            contract: AlertsV1,
            logicalKey: `${base}/alerts`,
            inputs: [],
            producedBy,
            minTs: null,
            maxTs: null
          })
          const ohlcv = yield* publishFile({
            file: ohlcvPath,
            rowCount: summary.candles,
            contract: OhlcvSliceV2,
            logicalKey: `${base}/res=${config.intervalS}s`,
            inputs: [],
            producedBy,
            minTs: summary.minTs,
            maxTs: summary.maxTs
          })
          return { alerts, ohlcv }
        })
      )
  })
