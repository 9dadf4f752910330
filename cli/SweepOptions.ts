/** Options shared by the commands that evaluate sweep variants (`run`, `verify`). */
import { Options } from "@effect/cli"
import { Effect, Option } from "effect"
import * as NodeOs from "node:os"
import { UsageError } from "./CliError.js"

export const workers = Options.text("workers").pipe(
  Options.withDescription(
    "Sweeps: worker threads evaluating variants (default: the machine's cores; 0 = the main thread); " +
      "`run --workers remote` hands the batches to `pipeline worker` processes (needs --catalog and --remote)"
  ),
  Options.withPseudoName("N|remote"),
  Options.optional
)

/** An optional integer option's value, refused (exit 2) below `min`. */
export const atLeast = (name: string, value: Option.Option<number>, min: number) =>
  Option.isSome(value) && value.value < min
    ? Effect.fail(new UsageError({ reason: `--${name}: expected an integer ≥ ${min}, got ${value.value}` }))
    : Effect.succeed(Option.getOrUndefined(value))

/** `--workers N` or `--workers remote` (where allowed), checked; N defaults to the machine's cores. */
export const workerChoice = (value: Option.Option<string>, allowRemote: boolean): Effect.Effect<number | "remote", UsageError> => {
  if (Option.isNone(value)) return Effect.succeed(NodeOs.availableParallelism())
  const text = value.value.trim()
  if (allowRemote && text === "remote") return Effect.succeed("remote")
  if (!/^\d+$/.test(text)) {
    return Effect.fail(new UsageError({ reason: `--workers: expected an integer ≥ 0${allowRemote ? " or remote" : ""}, got ${value.value}` }))
  }
  return Effect.succeed(Number(text))
}

/** `--workers`, checked, defaulting to the machine's cores (threads only). */
export const workerCount = (value: Option.Option<string>) =>
  Effect.map(workerChoice(value, false), (choice) => (choice === "remote" ? 0 : choice))
