/** `pipeline gc [--dry-run] [--keep-last N] [--grace-minutes M]` (handler: commands/Gc.ts). */
import { Command, Options } from "@effect/cli"
import { lazyHandler } from "../LazyHandler.js"

const dryRun = Options.boolean("dry-run").pipe(Options.withDescription("List what would be removed; change nothing"))
const keepLast = Options.integer("keep-last").pipe(
  Options.withDescription("Keep only the N most recently run experiments (default: all)"),
  Options.optional
)
const graceMinutes = Options.float("grace-minutes").pipe(
  Options.withDescription("Never remove anything modified less than this many minutes ago (default 15)"),
  Options.withDefault(15)
)

export const gcArgs = { dryRun, keepLast, graceMinutes }

export const gcCommand = Command.make("gc", gcArgs, lazyHandler(() => import("../commands/Gc.js"), (m) => m.gcCommand)).pipe(
  Command.withDescription(
    "Remove objects, manifests and cache entries no kept experiment or import reaches, and dead processes' tmp files"
  )
)
