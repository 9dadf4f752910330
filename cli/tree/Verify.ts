/** `pipeline verify <definition.json | experiment-id>` (handler: commands/Verify.ts). */
import { Args, Command, Options } from "@effect/cli"
import { lazyHandler } from "../LazyHandler.js"
import { workers } from "../SweepOptions.js"

const target = Args.text({ name: "definition.json | experiment-id" }).pipe(
  Args.withDescription("An experiment definition file, or the id (or a unique prefix) of a recorded experiment")
)
const concurrency = Options.integer("concurrency").pipe(
  Options.withDescription("Node bodies running at once (default 2)"),
  Options.withDefault(2)
)
const sample = Options.integer("sample").pipe(
  Options.withDescription("Sweeps: recompute a seeded sample of N variants instead of all of them"),
  Options.optional
)
const sampleSeed = Options.integer("sample-seed").pipe(
  Options.withDescription("Sweeps: the seed that picks the sample (default 0)"),
  Options.withDefault(0)
)

export const verifyArgs = { target, concurrency, sample, sampleSeed, workers }

export const verify = Command.make("verify", verifyArgs, lazyHandler(() => import("../commands/Verify.js"), (m) => m.verify))
  .pipe(
    Command.withDescription(
      "Re-execute an experiment bypassing the cache (into scratch space) and compare every output digest with its record"
    )
  )
