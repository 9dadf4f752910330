/** `pipeline report <experiment-id>` (handler: commands/Report.ts). */
import { Command, Options } from "@effect/cli"
import { pathArg } from "../Arguments.js"
import { lazyHandler } from "../LazyHandler.js"

const experimentId = pathArg("experiment-id", "An experiment id or a unique prefix (at least 4 hex digits)")
const compare = Options.text("compare").pipe(
  Options.withDescription("Another experiment (id or unique prefix): its equity curves overlaid, its metrics side by side"),
  Options.optional
)
const output = Options.text("output").pipe(
  Options.withAlias("o"),
  Options.withDescription("Where to write the HTML (default: report-<experiment id>.html)"),
  Options.optional
)

export const reportArgs = { experimentId, compare, output }

export const report = Command.make("report", reportArgs, lazyHandler(() => import("../commands/Report.js"), (m) => m.report))
  .pipe(Command.withDescription(
    "Write a self-contained HTML report of an experiment's latest completed run (with --compare, beside another's)"
  ))
