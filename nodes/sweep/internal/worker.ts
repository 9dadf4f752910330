/**
 * A sweep worker thread: receives the shared candles once (workerData), then batches of
 * strategies, and answers each batch with its outcomes (metrics row, daily pnl, window statistics), in the order
 * given.
 */
import { parentPort, workerData } from "node:worker_threads"
import { BootstrapIndexCache } from "../../metrics/index.js"
import { evaluateVariant, type SweepContext } from "../VariantEvaluation.js"
import { seriesOf } from "./sharedSeries.js"
import type { WorkerInit, WorkerRequest, WorkerResponse } from "./protocol.js"

const init = workerData as WorkerInit
const context: SweepContext = {
  alerts: init.alerts,
  series: seriesOf(init.shared),
  seed: init.seed,
  dateRange: init.dateRange,
  bootstrapResamples: init.bootstrapResamples,
  windows: init.windows,
  bootstrapIndexCache: new BootstrapIndexCache()
}

parentPort!.on("message", (request: WorkerRequest) => {
  let response: WorkerResponse
  try {
    response = { id: request.id, outcomes: request.strategies.map((strategy) => evaluateVariant(context, strategy)) }
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  }
  parentPort!.postMessage(response)
})
