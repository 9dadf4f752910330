/**
 * `pipeline report <experiment-id> [--compare <experiment-id>] [-o file.html]`: writes the
 * self-contained HTML report of the experiment's latest completed run (default
 * `report-<experiment id>.html` in the working directory, `report-<A>-vs-<B>.html` with
 * `--compare B`, whose curves and metrics are shown beside A's); a sweep's report adds its leaderboard, heatmap and Sharpe distribution before the
 * best variant's sections. The same experiment always gives the same bytes, as long as nothing more runs
 * under its name (a sweep's Deflated Sharpe section counts every trial under the name). The output path is written as
 * `OutputFile.ts` says: a new path or a regular file atomically (a reader never sees half a report),
 * through a symlink to its target, into a FIFO or device directly. Only reads the store:
 * without one it fails with `no store at <dir>`, and an unknown id is a usage error (both exit 2).
 */
import type { Command } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import * as NodePath from "node:path"
import { buildReport, formatBytes } from "../../nodes/report/index.js"
import { unknownIdOf } from "../CliError.js"
import { globalConfig } from "../GlobalOptions.js"
import { writeOutputFile } from "../OutputFile.js"
import { printJson } from "../Output.js"
import { requireStore } from "../ReadOnlyStore.js"
import { storeLayer } from "../StoreLayers.js"
import type { reportArgs } from "../tree/Report.js"

export { FileWriteError } from "../OutputFile.js"

export const report = (args: Command.Command.ParseConfig<typeof reportArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    yield* requireStore(config.storeDir)
    const compareId = Option.getOrUndefined(args.compare)
    const built = yield* buildReport(args.experimentId, compareId === undefined ? {} : { compare: compareId }).pipe(
      unknownIdOf("experiment", args.experimentId, config.storeDir),
      (effect) => compareId === undefined ? effect : unknownIdOf("experiment", compareId, config.storeDir)(effect),
      Effect.provide(storeLayer(config.storeDir))
    )
    const defaultName = built.compare === undefined
      ? `report-${built.experimentId}.html`
      : `report-${built.experimentId}-vs-${built.compare.experimentId}.html`
    const path = NodePath.resolve(Option.getOrElse(args.output, () => defaultName))
    yield* writeOutputFile(path, built.html)
    const bytes = Buffer.byteLength(built.html, "utf8")
    if (config.json) {
      return yield* printJson({
        experimentId: built.experimentId,
        runId: built.runId,
        ...(built.compare === undefined ? {} : { compare: built.compare }),
        path,
        bytes
      })
    }
    const compared = built.compare === undefined ? "" : ` compared with ${built.compare.experimentId} (run ${built.compare.runId})`
    yield* Console.log(`report of ${built.experimentId} (run ${built.runId})${compared} written to ${path} (${formatBytes(bytes)})`)
  })
