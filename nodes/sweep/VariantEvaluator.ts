/**
 * The variant evaluator: metrics rows for batches of strategies over one projection, on a bounded
 * pool of worker threads that read the projection's candles from shared memory (no copy per
 * worker), or inline on the calling thread when `workers` is 0.
 *
 * A scoped resource: the workers are terminated when the scope closes, whatever the exit, so an
 * interrupted sweep leaves no thread computing. Results never depend on the worker count: each
 * variant is evaluated on its own, deterministically.
 */
import { Effect, Queue, Schema, type Scope } from "effect"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { BootstrapIndexCache } from "../metrics/index.js"
import type { Strategy } from "../simulate/index.js"
import type { WorkerInit, WorkerResponse } from "./internal/protocol.js"
import { shareSeries } from "./internal/sharedSeries.js"
import { evaluateVariant, type SweepContext, type VariantOutcome } from "./VariantEvaluation.js"

/** A worker thread failed to start or crashed while evaluating. */
export class SweepWorkerFailed extends Schema.TaggedError<SweepWorkerFailed>()("SweepWorkerFailed", {
  detail: Schema.String
}) {
  override get message() {
    return `a sweep worker failed: ${this.detail}`
  }
}

export interface VariantEvaluator {
  /** Worker threads in the pool; 0 when evaluating inline. */
  readonly workers: number
  /** One outcome (metrics and return moments, daily pnl, window statistics) per strategy, in the order given. */
  readonly evaluate: (strategies: ReadonlyArray<Strategy>) => Effect.Effect<ReadonlyArray<VariantOutcome>, SweepWorkerFailed>
}

const inline = (context: SweepContext): VariantEvaluator => {
  const shared = { ...context, bootstrapIndexCache: context.bootstrapIndexCache ?? new BootstrapIndexCache() }
  return {
    workers: 0,
    evaluate: (strategies) => Effect.forEach(strategies, (strategy) => Effect.sync(() => evaluateVariant(shared, strategy)))
  }
}

/**
 * The worker's script. From the CLI bundle: dist/sweep-worker.mjs, built beside it. From the
 * TypeScript sources (tsx, vitest): internal/worker.ts bundled once per process with esbuild (which
 * tsx ships) into a data: URL — a worker that loaded the sources through tsx's hooks took ~5 s to
 * start here, the bundle ~0.3 s.
 */
let workerScript: Promise<URL> | undefined
const workerUrl = Effect.tryPromise({
  try: () => (workerScript ??= import.meta.url.endsWith(".ts") ? bundleFromSources() : Promise.resolve(
    new URL("./sweep-worker.mjs", import.meta.url)
  )),
  catch: (error) => new SweepWorkerFailed({ detail: `cannot build the worker script: ${String(error)}` })
})

const bundleFromSources = async (): Promise<URL> => {
  const esbuild = await import("esbuild")
  const built = await esbuild.build({
    entryPoints: [fileURLToPath(new URL("./internal/worker.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent"
  })
  // esbuild keeps a service process for later builds: there are none, so let it go.
  await esbuild.stop()
  return new URL(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0]!.contents).toString("base64")}`)
}

const spawn = (init: WorkerInit, script: URL) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => new Worker(script, { workerData: init, execArgv: [] }),
      catch: (error) => new SweepWorkerFailed({ detail: String(error) })
    }),
    (worker) => Effect.promise(() => worker.terminate())
  )

let nextRequest = 0

/** Sends one batch to an idle worker and waits for its answer. */
const ask = (worker: Worker, strategies: ReadonlyArray<Strategy>) =>
  Effect.async<ReadonlyArray<VariantOutcome>, SweepWorkerFailed>((resume) => {
    const id = nextRequest++
    const cleanup = () => {
      worker.off("message", onMessage)
      worker.off("error", onError)
      worker.off("exit", onExit)
    }
    const onMessage = (response: WorkerResponse) => {
      if (response.id !== id) return
      cleanup()
      resume("error" in response
        ? Effect.fail(new SweepWorkerFailed({ detail: response.error }))
        : Effect.succeed(response.outcomes))
    }
    const onError = (error: Error) => {
      cleanup()
      resume(Effect.fail(new SweepWorkerFailed({ detail: error.stack ?? error.message })))
    }
    const onExit = (code: number) => {
      cleanup()
      resume(Effect.fail(new SweepWorkerFailed({ detail: `worker exited with code ${code}` })))
    }
    worker.on("message", onMessage)
    worker.on("error", onError)
    worker.on("exit", onExit)
    worker.postMessage({ id, strategies })
    return Effect.sync(cleanup)
  })

/** Builds the evaluator; with `workers` ≥ 1 the threads live until the scope closes. */
export const makeVariantEvaluator = (
  context: SweepContext,
  workers: number
): Effect.Effect<VariantEvaluator, SweepWorkerFailed, Scope.Scope> =>
  Effect.gen(function*() {
    if (workers <= 0) return inline(context)
    const shared = shareSeries(context.series)
    const init: WorkerInit = {
      shared,
      alerts: context.alerts,
      seed: context.seed,
      dateRange: context.dateRange,
      bootstrapResamples: context.bootstrapResamples,
      windows: context.windows
    }
    const script = yield* workerUrl
    const idle = yield* Queue.bounded<Worker>(workers)
    for (let i = 0; i < workers; i++) yield* Queue.offer(idle, yield* spawn(init, script))
    const evaluator: VariantEvaluator = {
      workers,
      evaluate: (strategies) =>
        Effect.acquireUseRelease(Queue.take(idle), (worker) => ask(worker, strategies), (worker) => Queue.offer(idle, worker))
    }
    return evaluator
  })
