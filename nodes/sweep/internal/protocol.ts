/** Messages between the variant evaluator and its worker threads. */
import type { Seed, SimAlert, Strategy } from "../../simulate/index.js"
import type { TimeWindow } from "../../stats/index.js"
import type { VariantOutcome } from "../VariantEvaluation.js"
import type { SharedSeries } from "./sharedSeries.js"

/** Sent once, as `workerData`: SharedArrayBuffers inside are shared, not copied. */
export interface WorkerInit {
  readonly shared: SharedSeries
  readonly alerts: ReadonlyArray<SimAlert>
  readonly seed: Seed
  readonly dateRange: { readonly from: number; readonly to: number }
  readonly bootstrapResamples: number
  readonly windows: ReadonlyArray<TimeWindow> | undefined
}

export interface WorkerRequest {
  readonly id: number
  readonly strategies: ReadonlyArray<Strategy>
}

export type WorkerResponse =
  | { readonly id: number; readonly outcomes: ReadonlyArray<VariantOutcome> }
  | { readonly id: number; readonly error: string }
