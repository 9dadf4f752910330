/** `pipeline run <definition.json>` (handler: commands/Run.ts). */
import { Args, Command, Options } from "@effect/cli"
import { lazyHandler } from "../LazyHandler.js"
import { workers } from "../SweepOptions.js"

const definition = Args.file({ name: "definition.json" }).pipe(
  Args.withDescription("The experiment definition (a JSON file; README: The definition file)")
)
const dryRun = Options.boolean("dry-run").pipe(Options.withDescription("Plan and print hit/miss without executing"))
const timeout = Options.text("timeout").pipe(
  Options.withDescription("Interrupt the run past this duration, e.g. 90s, 10m, 2h"),
  Options.optional
)
const concurrency = Options.integer("concurrency").pipe(
  Options.withDescription("Node bodies running at once (default 2)"),
  Options.withDefault(2)
)
const batchSize = Options.integer("batch-size").pipe(
  Options.withDescription("Sweeps: variants per published batch (default: about four batches per worker)"),
  Options.optional
)

export const runArgs = { definition, dryRun, timeout, concurrency, workers, batchSize }

export const run = Command.make("run", runArgs, lazyHandler(() => import("../commands/Run.js"), (m) => m.run)).pipe(
  Command.withDescription("Run an experiment (or a sweep of variants) incrementally: only what changed is recomputed")
)
