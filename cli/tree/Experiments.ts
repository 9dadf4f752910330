/** `pipeline experiments list|show` (handlers: commands/Experiments.ts). */
import { Command, Options } from "@effect/cli"
import type { EffectiveStatus } from "../../store/index.js"
import { pathArg } from "../Arguments.js"
import { UsageError } from "../CliError.js"
import { lazyHandler } from "../LazyHandler.js"

const STATUSES: ReadonlyArray<EffectiveStatus> = ["pending", "running", "completed", "failed", "cancelled", "abandoned"]

const nameOption = Options.text("name").pipe(Options.withDescription("Only experiments with this exact name"), Options.optional)
const statusOption = Options.choice("status", STATUSES).pipe(
  Options.withDescription("Only experiments whose latest run has this status (abandoned: its process died)"),
  Options.optional
)

export const listArgs = { name: nameOption, status: statusOption }

const list = Command.make("list", listArgs, lazyHandler(() => import("../commands/Experiments.js"), (m) => m.list)).pipe(
  Command.withDescription("List experiments with the status and results of their latest run")
)

const experimentId = pathArg("experiment-id", "An experiment id or a unique prefix (at least 4 hex digits)")

const definitionOption = Options.boolean("definition").pipe(
  Options.withDescription("Also print the experiment's definition (as recorded, keys sorted)")
)

export const showArgs = { experimentId, definition: definitionOption }

const show = Command.make("show", showArgs, lazyHandler(() => import("../commands/Experiments.js"), (m) => m.show)).pipe(
  Command.withDescription("Show an experiment: results of its latest completed run, inputs and every run")
)

export const experiments = Command.make("experiments").pipe(
  Command.withHandler(() => new UsageError({ reason: "experiments: expected a subcommand: list | show" })),
  Command.withDescription("Inspect experiments and their runs"),
  Command.withSubcommands([list, show])
)
