/**
 * The entry point of `pipeline` (bin/pipeline.js imports this): provides the platform layers,
 * renders failures once (renderError.ts, loaded only then) and maps the exit to a process exit
 * code (ExitCode.ts).
 */
// Subpath imports: the package index loads every platform module (~1 s more at start-up). Only
// the services @effect/cli needs (NodeContext.layer adds a command executor and a worker manager,
// which no command uses, and their modules).
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Console, Effect, Exit, Layer } from "effect"
import { cli } from "./Cli.js"
import { teardown } from "./ExitCode.js"
import { withColorOnlyOnTerminals } from "./Output.js"

const program = Effect.suspend(() => cli(process.argv)).pipe(
  withColorOnlyOnTerminals,
  // onExit, not tapErrorCause: it also runs when Ctrl-C interrupts the program.
  Effect.onExit((exit) =>
    Exit.isFailure(exit)
      ? Effect.flatMap(Effect.promise(() => import("./renderError.js")), ({ renderCause }) => {
        const lines = renderCause(exit.cause)
        return lines.length === 0 ? Effect.void : Console.error(lines.join("\n"))
      })
      : Effect.void
  ),
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer))
)

NodeRuntime.runMain(program, { disableErrorReporting: true, teardown })
