/** `pipeline trials <name>` (handler: commands/Trials.ts). */
import { Command } from "@effect/cli"
import { pathArg } from "../Arguments.js"
import { lazyHandler } from "../LazyHandler.js"

export const trialsArgs = { name: pathArg("name", "The experiment name (the definition's `name`)") }

export const trialsCommand = Command.make(
  "trials",
  trialsArgs,
  lazyHandler(() => import("../commands/Trials.js"), (m) => m.trialsCommand)
).pipe(Command.withDescription("List every strategy evaluated under an experiment name, with its Deflated Sharpe"))
