/**
 * `pipeline report <experiment-id> [-o file.html]`: writes the self-contained HTML report of the
 * experiment's latest completed run (default `report-<experiment id>.html` in the working
 * directory). The same experiment always gives the same bytes. The file is written to a temporary
 * name beside the target and renamed, so a reader never sees half a report. Only reads the store:
 * without one it fails with `no store at <dir>`, and an unknown id is a usage error (both exit 2).
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option, Schema } from "effect"
import * as NodeFs from "node:fs/promises"
import * as NodePath from "node:path"
import { buildReport, formatBytes } from "../../nodes/report/index.js"
import { pathArg } from "../Arguments.js"
import { unknownIdOf } from "../CliError.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { requireStore } from "../ReadOnlyStore.js"
import { describeReason } from "../renderError.js"
import { storeLayer } from "../StoreLayers.js"

const experimentId = pathArg("experiment-id", "An experiment id or a unique prefix (at least 4 hex digits)")
const output = Options.text("output").pipe(
  Options.withAlias("o"),
  Options.withDescription("Where to write the HTML (default: report-<experiment id>.html)"),
  Options.optional
)

/** The report could not be written; `reason` is the errno code. Exit code 1. */
export class FileWriteError extends Schema.TaggedError<FileWriteError>()("FileWriteError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot write ${this.path}: ${describeReason(this.reason)}`
  }
}

/** Writes `text` to `path` through a temporary file in the same directory and a rename. */
const writeAtomically = (path: string, text: string) =>
  Effect.tryPromise({
    try: async () => {
      const temp = NodePath.join(NodePath.dirname(path), `.${NodePath.basename(path)}.${process.pid}.tmp`)
      try {
        await NodeFs.writeFile(temp, text, "utf8")
        await NodeFs.rename(temp, path)
      } catch (error) {
        await NodeFs.rm(temp, { force: true })
        throw error
      }
    },
    catch: (error) =>
      new FileWriteError({ path, reason: (error as NodeJS.ErrnoException).code ?? String(error) })
  })

export const report = Command.make("report", { experimentId, output }, (args) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    yield* requireStore(config.storeDir)
    const built = yield* buildReport(args.experimentId).pipe(
      unknownIdOf("experiment", args.experimentId, config.storeDir),
      Effect.provide(storeLayer(config.storeDir))
    )
    const path = NodePath.resolve(Option.getOrElse(args.output, () => `report-${built.experimentId}.html`))
    yield* writeAtomically(path, built.html)
    const bytes = Buffer.byteLength(built.html, "utf8")
    if (config.json) return yield* printJson({ experimentId: built.experimentId, runId: built.runId, path, bytes })
    yield* Console.log(`report of ${built.experimentId} (run ${built.runId}) written to ${path} (${formatBytes(bytes)})`)
  })
).pipe(Command.withDescription("Write a self-contained HTML report of an experiment's latest completed run"))
