/** `pipeline worker` (handler: commands/Worker.ts). */
import { Command, Options } from "@effect/cli"
import { lazyHandler } from "../LazyHandler.js"

const workers = Options.integer("workers").pipe(
  Options.withDescription("Worker threads evaluating a batch's variants (default: the machine's cores; 0 = the main thread)"),
  Options.optional
)
const lease = Options.text("lease").pipe(
  Options.withDescription("How long a claimed batch stays this worker's without a heartbeat (default 30s; heartbeats every third)"),
  Options.withDefault("30s")
)
const idleExit = Options.text("idle-exit").pipe(
  Options.withDescription("Exit after this long with no batch to evaluate, e.g. 60s (default: run until stopped)"),
  Options.optional
)
const once = Options.boolean("once").pipe(Options.withDescription("Exit after one batch"))

export const workerArgs = { workers, lease, idleExit, once }

export const workerCommand = Command.make("worker", workerArgs, lazyHandler(() => import("../commands/Worker.js"), (m) => m.workerCommand))
  .pipe(Command.withDescription("Evaluate sweep batches queued by `run --workers remote` (needs --catalog and --remote)"))
