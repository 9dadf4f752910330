/**
 * `pipeline fsck`: re-hashes every object and checks every record of the store (store/Fsck.ts).
 * Clean: a one-line summary, exit 0. Otherwise one line per problem on stdout (what, which
 * digest / artifact id / key / experiment, the file) and exit 1. `--json`: the report.
 */
import { Console, Effect, Schema } from "effect"
import { domainFsckChecks } from "../../nodes/experiment/FsckChecks.js"
import { fsck, type FsckProblem, type FsckReport } from "../../store/index.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { refuseCatalog, storeLayer } from "../StoreLayers.js"
import { requireStore } from "../ReadOnlyStore.js"
import { formatBytes } from "./Gc.js"

/** fsck found problems (they were printed); exit code 1. */
export class FsckFoundProblems extends Schema.TaggedError<FsckFoundProblems>()("FsckFoundProblems", {
  store: Schema.String,
  problems: Schema.Int
}) {
  override get message() {
    return `fsck: ${this.problems} problem${this.problems === 1 ? "" : "s"} in ${this.store}`
  }
}

export const problemLine = (problem: FsckProblem): string =>
  `${problem.kind} ${problem.id}: ${problem.problem}: ${problem.detail} [${problem.path}]`

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

const checkedLine = (report: FsckReport): string =>
  `${plural(report.objects.count, "object")} (${formatBytes(report.objects.bytes)}) re-hashed, ` +
  `${plural(report.artifacts, "manifest")}, ${plural(report.actions, "action entry").replace("entrys", "entries")}, ` +
  `${plural(report.experiments, "experiment")} (${plural(report.runs, "run")}), ${plural(report.identities, "identity pointer")}` +
  report.remoteBacked.map(({ artifacts, location }) => `; ${plural(artifacts, "artifact")} on the remote ${location}, not downloaded`).join("")

export const fsckCommand = () =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    yield* refuseCatalog("fsck")
    yield* requireStore(config.storeDir)
    const report = yield* fsck(domainFsckChecks).pipe(Effect.provide(storeLayer(config.storeDir)))
    if (config.json) {
      yield* printJson({ store: config.storeDir, ok: report.problems.length === 0, ...report })
    } else if (report.problems.length === 0) {
      yield* Console.log(`fsck ${config.storeDir}: ok — ${checkedLine(report)}`)
    } else {
      yield* Console.log([...report.problems.map(problemLine), `checked: ${checkedLine(report)}`].join("\n"))
    }
    if (report.problems.length > 0) {
      return yield* new FsckFoundProblems({ store: config.storeDir, problems: report.problems.length })
    }
  })
