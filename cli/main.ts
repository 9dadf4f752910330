/**
 * The entry point of `pipeline` (bin/pipeline.js imports this): provides the platform layers,
 * renders failures once (renderError.ts) and maps the exit to a process exit code.
 */
// Subpath imports: the package index loads every platform module (~1 s more at start-up).
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Exit } from "effect"
import { cli } from "./Cli.js"
import { withColorOnlyOnTerminals } from "./Output.js"
import { renderCause, teardown } from "./renderError.js"

const program = Effect.suspend(() => cli(process.argv)).pipe(
  withColorOnlyOnTerminals,
  // onExit, not tapErrorCause: it also runs when Ctrl-C interrupts the program.
  Effect.onExit((exit) => {
    const lines = Exit.isFailure(exit) ? renderCause(exit.cause) : []
    return lines.length === 0 ? Effect.void : Console.error(lines.join("\n"))
  }),
  Effect.provide(NodeContext.layer)
)

NodeRuntime.runMain(program, { disableErrorReporting: true, teardown })
