/**
 * `pipeline worker`: evaluates sweep batches that `run --workers remote` queued in the catalog
 * database, on any machine that reaches the catalog (`--catalog`) and the remote (`--remote`,
 * read-write). Claims one batch at a time under a lease it keeps extending; Ctrl-C gives the
 * batch back unfinished (another worker takes it) and exits 130. Runs until stopped, or until idle
 * for `--idle-exit`, or after `--once` batch.
 */
import type { Command } from "@effect/cli"
import { Console, Duration, Effect, Option } from "effect"
import * as NodeOs from "node:os"
import { runSweepWorker, type SweepWorkerEvent } from "../../nodes/sweep/index.js"
import { JobQueue } from "../../store/postgres/index.js"
import { RemoteTransfer } from "../../store/remote/index.js"
import { UsageError } from "../CliError.js"
import { CATALOG_ENV_VAR, globalConfig, REMOTE_ENV_VAR } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { storeLayer } from "../StoreLayers.js"
import { atLeast } from "../SweepOptions.js"
import type { workerArgs } from "../tree/Worker.js"
import { parseDuration } from "./Run.js"

const durationOf = (name: string, text: string) =>
  Option.match(parseDuration(text), {
    onNone: () => Effect.fail(new UsageError({ reason: `--${name}: expected a duration like 30s, 5m or 500ms, got ${text}` })),
    onSome: (duration) => Effect.succeed(Duration.toMillis(duration))
  })

const eventLine = (event: SweepWorkerEvent): string => {
  switch (event._tag) {
    case "Claimed":
      return `worker: batch ${event.job.slice(0, 16)} (${event.variants} variants, attempt ${event.attempt})`
    case "Done":
      return `worker: batch ${event.job.slice(0, 16)} done in ${(event.durationMs / 1000).toFixed(1)} s` +
        (event.built.length === 0 ? " (resources reused)" : ` (built ${event.built.join(", ")})`)
    case "Failed":
      return `worker: batch ${event.job.slice(0, 16)} failed: ${event.error}`
    case "Released":
      return `worker: batch ${event.job.slice(0, 16)} given back unfinished`
    case "Prefetched":
      return event.complete
        ? `worker: a sweep's ${event.artifacts} input artifact${event.artifacts === 1 ? "" : "s"} downloaded ahead of its batches`
        : `worker: a sweep's input artifacts could not all be downloaded ahead of its batches (its first batch tries again)`
  }
}

export const workerCommand = (args: Command.Command.ParseConfig<typeof workerArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    if (config.catalog === undefined || config.remote === undefined || config.remote.mode === "read") {
      return yield* new UsageError({
        reason: "worker needs the catalog it takes sweep batches from and the remote it exchanges artifacts through: " +
          `give --catalog postgres://… (or $${CATALOG_ENV_VAR}) and --remote s3://… (or $${REMOTE_ENV_VAR}), read-write`
      })
    }
    const threads = (yield* atLeast("workers", args.workers, 0)) ?? NodeOs.availableParallelism()
    const leaseMs = yield* durationOf("lease", args.lease)
    const idleExitMs = Option.isSome(args.idleExit) ? yield* durationOf("idle-exit", args.idleExit.value) : undefined
    const owner = `${NodeOs.hostname()}/${process.pid}`
    const print = (line: string) => (config.progress ? Console.error(line) : Effect.void)
    yield* print(`worker ${owner}: waiting for sweep batches (${threads} threads)`)
    const jobs = yield* Effect.gen(function*() {
      const queue = yield* Effect.serviceOption(JobQueue)
      const transfer = yield* Effect.serviceOption(RemoteTransfer)
      if (Option.isNone(queue) || Option.isNone(transfer)) {
        return yield* new UsageError({ reason: "worker needs --catalog and --remote" })
      }
      return yield* runSweepWorker({
        owner,
        threads,
        leaseMs,
        ...(idleExitMs === undefined ? {} : { idleExitMs }),
        ...(args.once ? { maxJobs: 1 } : {}),
        onEvent: (event) => print(eventLine(event))
      }).pipe(Effect.provideService(JobQueue, queue.value), Effect.provideService(RemoteTransfer, transfer.value))
    }).pipe(Effect.provide(storeLayer(config.storeDir)))
    if (config.json) return yield* printJson({ owner, jobs })
    yield* print(`worker ${owner}: ${jobs} batch${jobs === 1 ? "" : "es"} done`)
  })
