/** `pipeline push` and `pipeline pull <definition.json>` (handlers: commands/Remote.ts). */
import { Args, Command } from "@effect/cli"
import { lazyHandler } from "../LazyHandler.js"

export const pushCommand = Command.make("push", {}, lazyHandler(() => import("../commands/Remote.js"), (m) => m.pushCommand)).pipe(
  Command.withDescription("Upload the local store's results (action entries and their outputs) to --remote")
)

const definition = Args.file({ name: "definition.json" }).pipe(
  Args.withDescription("The experiment definition whose results to download")
)

export const pullArgs = { definition }

export const pullCommand = Command.make("pull", pullArgs, lazyHandler(() => import("../commands/Remote.js"), (m) => m.pullCommand))
  .pipe(Command.withDescription("Download an experiment's results from --remote into the local store (then works offline)"))
