/** `pipeline explain <definition.json>` (handler: commands/Explain.ts). */
import { Args, Command, Options } from "@effect/cli"
import { lazyHandler } from "../LazyHandler.js"

const definition = Args.file({ name: "definition.json" }).pipe(
  Args.withDescription("The experiment definition (a JSON file; README: The definition file)")
)

const verbose = Options.boolean("verbose").pipe(
  Options.withAlias("v"),
  Options.withDescription("Every node's key, key material and changed fields")
)

export const explainArgs = { definition, verbose }

export const explainCommand = Command.make(
  "explain",
  explainArgs,
  lazyHandler(() => import("../commands/Explain.js"), (m) => m.explainCommand)
).pipe(Command.withDescription("Show each node's key material and what changed since its last run (nothing runs)"))
