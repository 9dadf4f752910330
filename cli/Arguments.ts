/** Positional arguments shared by subcommands. */
import { Args, HelpDoc } from "@effect/cli"
import { Effect } from "effect"

/**
 * @effect/cli hands an unknown `--flag` to a text argument as if it were a value. A path argument
 * therefore refuses values that start with `-` (a usage error, exit 2); a file named `-x` is
 * written `./-x`.
 */
const refuseOptionLike = (value: string): Effect.Effect<string, HelpDoc.HelpDoc> =>
  value.length > 1 && value.startsWith("-")
    ? Effect.fail(HelpDoc.p(`Unknown option ${value} (a file whose name starts with '-' is written ./${value})`))
    : Effect.succeed(value)

/** One path argument, as given (not resolved, not checked for existence). */
export const pathArg = (name: string, description: string): Args.Args<string> =>
  Args.text({ name }).pipe(Args.withDescription(description), Args.mapEffect(refuseOptionLike))
