/**
 * The command tree of `pipeline`. Adding a subcommand: its name, options and description in
 * `tree/`, its handler (which reads the global options with `yield* globalConfig`) in `commands/`,
 * loaded only when the command runs (LazyHandler.ts), plus one entry in the list below.
 */
import { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import packageJson from "../package.json" with { type: "json" }
import { UsageError } from "./CliError.js"
import { hoistGlobalOptions, root } from "./GlobalOptions.js"
import { commandTree, helpOf, preflight } from "./Help.js"
import { withUsageErrorsPrefixed } from "./LazyHandler.js"
import { artifacts } from "./tree/Artifacts.js"
import { diffCommand } from "./tree/Diff.js"
import { experiments } from "./tree/Experiments.js"
import { explainCommand } from "./tree/Explain.js"
import { fsckCommand } from "./tree/Fsck.js"
import { gcCommand } from "./tree/Gc.js"
import { hash } from "./tree/Hash.js"
import { importCommand } from "./tree/Import.js"
import { pullCommand, pushCommand } from "./tree/Remote.js"
import { report } from "./tree/Report.js"
import { run } from "./tree/Run.js"
import { sweep } from "./tree/Sweep.js"
import { trialsCommand } from "./tree/Trials.js"
import { verify } from "./tree/Verify.js"
import { workerCommand } from "./tree/Worker.js"

export const subcommands = [
  run,
  sweep,
  verify,
  explainCommand,
  hash,
  experiments,
  artifacts,
  report,
  diffCommand,
  trialsCommand,
  gcCommand,
  fsckCommand,
  importCommand,
  pushCommand,
  pullCommand,
  workerCommand
] as const

export const command = root.pipe(
  // `pipeline` alone: a usage line and a usage error (exit 2); `pipeline --help` shows the help.
  Command.withHandler(() =>
    new UsageError({ reason: "missing command: usage is pipeline [--store DIR] [--json] [--quiet] <command> … (pipeline --help)" })
  ),
  Command.withSubcommands(subcommands)
)

const runCli = Command.run(command, {
  name: "pipeline",
  version: packageJson.version
})

/**
 * Parses `process.argv` (node, script, args…) and runs the chosen command. Help pages, `--wizard`
 * and a mistyped subcommand are answered before @effect/cli parses (Help.ts).
 */
export const cli = (argv: ReadonlyArray<string>) =>
  Effect.suspend(() => {
    const args = hoistGlobalOptions(argv.slice(2))
    const before = preflight(args, commandTree(subcommands), { version: packageJson.version, help: () => helpOf(root) })
    if (before._tag === "Help") return Console.log(before.text)
    if (before._tag === "Invalid") return Effect.fail(before.error)
    return withUsageErrorsPrefixed(runCli([...argv.slice(0, 2), ...args]))
  })
