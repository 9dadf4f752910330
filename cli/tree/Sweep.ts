/** `pipeline sweep show <experiment-id> <variant-id>` (handler: commands/Sweep.ts). */
import { Command } from "@effect/cli"
import { pathArg } from "../Arguments.js"
import { lazyHandler } from "../LazyHandler.js"

const experimentId = pathArg("experiment-id", "The sweep's experiment id or a unique prefix")
const variantId = pathArg("variant-id", "A variant id (var_…) of the sweep, or a unique prefix")

export const showArgs = { experimentId, variantId }

const show = Command.make("show", showArgs, lazyHandler(() => import("../commands/Sweep.js"), (m) => m.show)).pipe(
  Command.withDescription("Run one variant of a sweep as a single experiment (a cache hit when done before)")
)

export const sweep = Command.make("sweep").pipe(
  Command.withDescription("Sweeps: look at one variant"),
  Command.withSubcommands([show])
)
