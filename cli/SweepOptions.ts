/** Options shared by the commands that evaluate sweep variants (`run`, `verify`). */
import { Options } from "@effect/cli"
import { Effect, Option } from "effect"
import * as NodeOs from "node:os"
import { UsageError } from "./CliError.js"

export const workers = Options.integer("workers").pipe(
  Options.withDescription("Sweeps: worker threads evaluating variants (default: the machine's cores; 0 = the main thread)"),
  Options.optional
)

/** An optional integer option's value, refused (exit 2) below `min`. */
export const atLeast = (name: string, value: Option.Option<number>, min: number) =>
  Option.isSome(value) && value.value < min
    ? Effect.fail(new UsageError({ reason: `--${name}: expected an integer ≥ ${min}, got ${value.value}` }))
    : Effect.succeed(Option.getOrUndefined(value))

/** `--workers`, checked, defaulting to the machine's cores. */
export const workerCount = (value: Option.Option<number>) =>
  Effect.map(atLeast("workers", value, 0), (count) => count ?? NodeOs.availableParallelism())
