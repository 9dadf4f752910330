/** `pipeline run <definition.json>` (handler: commands/Run.ts). */
import { Args, Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { startGit } from "../GitState.js"
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

const handler = lazyHandler(() => import("../commands/Run.js"), (m) => m.run)

// A run records its provenance: git is asked in the background while the handler loads (a dry run
// records nothing, so it never asks).
export const run = Command.make("run", runArgs, (args) =>
  Effect.zipRight(
    Effect.sync(() => {
      if (!args.dryRun) startGit()
    }),
    handler(args)
  )).pipe(
  Command.withDescription("Run an experiment (or a sweep of variants) incrementally: only what changed is recomputed")
)
