/**
 * `pipeline experiments list|show`: what has been run, with the latest outcome of each experiment
 * (a run whose process died reads as `abandoned`), and one experiment in full with all its runs.
 * Both only read: without a store, `list` prints an empty list and `show` fails with
 * `no store at <dir>` (exit 2); an id that names nothing is a usage error too (exit 2).
 */
import type { Command } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { readRunResults, resultOutputs } from "../../nodes/experiment/RunResults.js"
import { formatDuration, formatTimestamp, NO_VALUE, stableJson } from "../../nodes/report/Format.js"
import { ExperimentTracker, type RunView } from "../../store/index.js"
import { unknownIdOf } from "../CliError.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { readableStore, requireStore } from "../ReadOnlyStore.js"
import { storeLayer, trackerLayer } from "../StoreLayers.js"
import { metricCells, recordedNodeLines, resultLines, statusCounts } from "../RunSummary.js"
import { renderTable } from "../Table.js"
import type { listArgs, showArgs } from "../tree/Experiments.js"

const time = (iso: string | undefined): string => (iso === undefined ? NO_VALUE : formatTimestamp(Date.parse(iso)))

/** The JSON form of a run: the stored record plus the status a reader should believe. */
const runJson = (view: RunView) => ({ ...view.run, effectiveStatus: view.effectiveStatus })

/** Nodes by status (`hit/miss`), every node counted as `run` prints them; the cache counts for a run with no node list. */
const hitMiss = (run: RunView["run"]): string => {
  if (run.nodes.length === 0) return `${run.cache.hits}/${run.cache.misses}`
  const hits = run.nodes.filter((node) => node.cache === "hit").length
  return `${hits}/${run.nodes.length - hits}`
}

export const list = (args: Command.Command.ParseConfig<typeof listArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    // No store holds no experiments (and reading must not create one).
    const exists = yield* readableStore(config.storeDir)
    const summaries = exists
      ? yield* Effect.flatMap(ExperimentTracker, (tracker) =>
        tracker.list({
          ...(Option.isSome(args.name) ? { name: args.name.value } : {}),
          ...(Option.isSome(args.status) ? { status: args.status.value } : {})
        })).pipe(Effect.provide(trackerLayer(config.storeDir)))
      : []

    if (config.json) {
      return yield* printJson({
        experiments: summaries.map((s) => ({
          experimentId: s.experiment.experimentId,
          name: s.experiment.name,
          seed: s.experiment.seed,
          createdAt: s.experiment.createdAt,
          runs: s.runCount,
          latestRun: s.latestRun === undefined ? null : runJson(s.latestRun)
        }))
      })
    }
    if (summaries.length === 0) {
      return yield* Console.log(exists ? "no experiments" : `no experiments (no store at ${config.storeDir})`)
    }
    const rows = summaries.map((s) => {
      const run = s.latestRun?.run
      return [
        s.experiment.experimentId,
        s.experiment.name,
        String(s.runCount),
        s.latestRun?.effectiveStatus ?? "never run",
        time(run?.startedAt ?? run?.createdAt),
        run?.durationMs === undefined ? NO_VALUE : formatDuration(run.durationMs),
        run === undefined ? NO_VALUE : hitMiss(run),
        ...metricCells(run?.results)
      ]
    })
    yield* Console.log(
      renderTable(
        [
          { header: "ID" },
          { header: "NAME", maxWidth: 32 },
          { header: "RUNS", align: "right" },
          { header: "LATEST" },
          { header: "STARTED (UTC)" },
          { header: "DURATION", align: "right" },
          { header: "HIT/MISS", align: "right" },
          { header: "TRADES", align: "right" },
          { header: "WIN", align: "right" },
          { header: "NET PNL", align: "right" },
          { header: "SHARPE", align: "right" },
          { header: "MAX DD", align: "right" }
        ],
        rows
      )
    )
  })

const indent = (text: string, spaces: number): string =>
  text.split("\n").map((line) => " ".repeat(spaces) + line).join("\n")

const runLines = (view: RunView): Array<string> => {
  const run = view.run
  const status = view.effectiveStatus === run.status ? run.status : `${view.effectiveStatus} (recorded ${run.status})`
  const lines = [
    `run ${run.runId}  ${status}`,
    `  created   ${time(run.createdAt)}`,
    `  started   ${time(run.startedAt)}`,
    `  ended     ${time(run.endedAt)}${run.durationMs === undefined ? "" : `  (${formatDuration(run.durationMs)})`}`,
    `  nodes     ${run.nodes.length > 0 ? statusCounts(run.nodes.map((node) => node.cache)) : `${run.cache.hits} hit, ${run.cache.misses} miss`}`
  ]
  if (run.error !== undefined) lines.push(`  error     ${run.error.tag}: ${run.error.message}`)
  lines.push(...recordedNodeLines(run.nodes, "    "))
  const outputNames = Object.keys(run.outputs).sort()
  if (outputNames.length > 0) {
    lines.push("  outputs")
    for (const name of outputNames) lines.push(`    ${name.padEnd(11)} ${run.outputs[name].artifactId}`)
  }
  const { git } = run.provenance
  lines.push(
    `  engine    ${run.provenance.engineVersion}, DuckDB ${run.provenance.duckdbVersion}, git ${
      git.commit === null ? "unknown" : git.commit
    }${git.dirty ? " (dirty)" : ""}`
  )
  lines.push(`  owner     pid ${run.owner.pid} on ${run.owner.host}, last heartbeat ${time(run.heartbeatAt)}`)
  return lines
}

/** The latest completed run's results: from its record, else read from its output files. */
const latestResults = (runs: ReadonlyArray<RunView>) =>
  Effect.gen(function*() {
    const latest = runs.findLast((view) => view.effectiveStatus === "completed")
    if (latest === undefined) return undefined
    const run = latest.run
    if (run.results !== undefined) return { run, results: run.results }
    const outputs = resultOutputs(run.outputs)
    if (outputs === undefined) return undefined
    const results = yield* Effect.orElseSucceed(readRunResults(outputs), () => undefined)
    return results === undefined ? undefined : { run, results }
  })

export const show = (args: Command.Command.ParseConfig<typeof showArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    yield* requireStore(config.storeDir)
    const { detail, latest } = yield* Effect.gen(function*() {
      const tracker = yield* ExperimentTracker
      const record = yield* tracker.resolve(args.experimentId).pipe(
        unknownIdOf("experiment", args.experimentId, config.storeDir)
      )
      const detail = yield* tracker.get(record.experimentId)
      // --json carries each run's record (results included when recorded); text leads with them.
      const latest = config.json ? undefined : yield* latestResults(detail.runs)
      return { detail, latest }
    }).pipe(Effect.provide(storeLayer(config.storeDir)))
    const { experiment, runs, unreadable } = detail
    if (config.json) return yield* printJson({ experiment, runs: runs.map(runJson), unreadableRuns: unreadable })
    const lines = [`experiment ${experiment.experimentId} (${experiment.name})`]
    if (latest !== undefined) {
      const { run } = latest
      lines.push(
        `results of run ${run.runId} (the latest completed, ${time(run.endedAt)}${
          run.durationMs === undefined ? "" : `, ${formatDuration(run.durationMs)}`
        })`,
        ...resultLines(latest.results)
      )
    } else {
      lines.push(runs.length === 0 ? "no results: never run" : "no results: no completed run")
    }
    lines.push(
      "",
      `  name      ${experiment.name}`,
      `  seed      ${experiment.seed}`,
      `  created   ${time(experiment.createdAt)}`,
      "  inputs"
    )
    for (const group of Object.keys(experiment.inputs).sort()) {
      const ids = experiment.inputs[group]
      if (ids.length === 0) lines.push(`    ${group.padEnd(10)} ${NO_VALUE}`)
      ids.forEach((id, i) => lines.push(`    ${(i === 0 ? group : "").padEnd(10)} ${id}`))
    }
    if (args.definition) lines.push("  definition", indent(stableJson(experiment.definition), 4))
    else lines.push("  definition (--definition to print it)")
    lines.push(
      "",
      (runs.length === 0 ? "no runs" : `runs (${runs.length})`) +
        (unreadable.length === 0 ? "" : `, ${unreadable.length} unreadable (listed last)`)
    )
    for (const view of runs) lines.push(...runLines(view))
    for (const bad of unreadable) lines.push(`run ${bad.runId}  unreadable: ${bad.path}: ${bad.detail.split("\n").join(" ")}`)
    yield* Console.log(lines.join("\n"))
  })
