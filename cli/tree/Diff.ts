/** `pipeline diff <A> <B>` (handler: commands/Diff.ts). */
import { Command } from "@effect/cli"
import { pathArg } from "../Arguments.js"
import { lazyHandler } from "../LazyHandler.js"

const a = pathArg("A", "An experiment id (or unique prefix), or <experiment>:<variant> for a sweep variant")
const b = pathArg("B", "The experiment (or <experiment>:<variant>) to compare A with")

export const diffArgs = { a, b }

export const diffCommand = Command.make("diff", diffArgs, lazyHandler(() => import("../commands/Diff.js"), (m) => m.diffCommand)).pipe(
  Command.withDescription("Compare two experiments or sweep variants: definition, inputs, metrics, trades, exit reasons")
)
