/**
 * `pipeline diff A B`: what differs between two experiments, each an experiment id (or unique
 * prefix: its latest completed run) or `<experiment>:<variant>` (a sweep variant run as a single
 * experiment, as `sweep show` runs it — a cache hit when done before). Shows the definition field
 * by field, input artifacts that differ, metrics side by side with deltas, trades added / removed /
 * changed (the first 20, then a count), how exit reasons moved (`target → stop: 37`) and the first
 * trade where the two diverge. `--json`: the whole comparison as one document (every changed trade).
 */
import type { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { diffExperiments, type ExperimentDiff, loadDiffSide, parseDiffRef } from "../../nodes/diff/index.js"
import { formatTimestamp, NO_VALUE } from "../../nodes/report/index.js"
import { unknownIdOf } from "../CliError.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { progressRenderer } from "../Progress.js"
import { requireStore } from "../ReadOnlyStore.js"
import { storeLayer } from "../StoreLayers.js"
import { renderTable } from "../Table.js"
import type { diffArgs } from "../tree/Diff.js"


/** How many changed / added / removed trades the text view lists before counting the rest. */
const LISTED = 20
const TIMESTAMP_COLUMNS = new Set(["alert_ts", "entry_ts", "exit_ts"])

/** A number as short as it reads unambiguously: integers whole, others to 6 significant digits. */
const number = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))))

const cell = (column: string, value: unknown): string => {
  if (value === null || value === undefined) return NO_VALUE
  if (typeof value === "number") return TIMESTAMP_COLUMNS.has(column) ? formatTimestamp(value) : number(value)
  return typeof value === "string" ? value : JSON.stringify(value)
}

const sideLabel = (side: ExperimentDiff["a"]) =>
  `${side.experimentId}${side.variantId === null ? "" : `:${side.variantId}`} (${side.name})`

const listed = (ids: ReadonlyArray<string>): string =>
  ids.length <= LISTED ? ids.join(", ") : `${ids.slice(0, LISTED).join(", ")} … and ${ids.length - LISTED} more`

export const diffLines = (diff: ExperimentDiff): Array<string> => {
  const lines = [`A ${sideLabel(diff.a)}`, `B ${sideLabel(diff.b)}`, ""]
  if (diff.definition.length === 0) lines.push("definition: identical")
  else {
    lines.push(`definition: ${diff.definition.length} ${diff.definition.length === 1 ? "field differs" : "fields differ"}`)
    for (const change of diff.definition) lines.push(`  ${change.path}: ${cell("", change.a)} → ${cell("", change.b)}`)
  }
  if (diff.inputs.length === 0) lines.push("inputs: the same artifacts")
  else {
    lines.push("inputs:")
    for (const input of diff.inputs) {
      lines.push(`  ${input.group}: only A ${input.onlyA.join(", ") || NO_VALUE}; only B ${input.onlyB.join(", ") || NO_VALUE}`)
    }
  }
  lines.push("", "metrics:")
  const metricRows = Object.entries(diff.metrics).map(([name, m]) => [
    name,
    cell(name, m.a),
    cell(name, m.b),
    m.delta === null ? NO_VALUE : `${m.delta > 0 ? "+" : ""}${number(m.delta)}`
  ])
  lines.push(
    ...renderTable(
      [{ header: "METRIC" }, { header: "A", align: "right" }, { header: "B", align: "right" }, { header: "Δ (B − A)", align: "right" }],
      metricRows
    ).split("\n").map((line) => `  ${line}`)
  )
  const t = diff.trades
  lines.push(
    "",
    `trades: A ${t.a}, B ${t.b}; ${t.same} identical, ${t.changed.length} changed, ${t.added.length} added, ${t.removed.length} removed`
  )
  if (t.changed.length > 0) {
    lines.push(`  changed${t.changed.length > LISTED ? ` (first ${LISTED} of ${t.changed.length})` : ""}:`)
    for (const trade of t.changed.slice(0, LISTED)) lines.push(`    ${trade.trade_id}  ${trade.columns.join(", ")}`)
    if (t.changed.length > LISTED) lines.push(`    … and ${t.changed.length - LISTED} more`)
  }
  if (t.added.length > 0) lines.push(`  added: ${listed(t.added)}`)
  if (t.removed.length > 0) lines.push(`  removed: ${listed(t.removed)}`)
  const transitions = Object.entries(diff.exitTransitions)
  if (transitions.length > 0) {
    lines.push("exit reasons (A → B):")
    for (const [transition, count] of transitions) lines.push(`  ${transition}: ${count}`)
  }
  const first = diff.firstDivergence
  if (first === null) lines.push("no trade differs")
  else {
    lines.push(`first divergence: trade ${first.trade_id} (${first.kind})`)
    const columns = first.kind === "changed" ? first.columns : Object.keys(first.a ?? first.b ?? {})
    lines.push(
      ...renderTable(
        [{ header: "COLUMN" }, { header: "A", maxWidth: 40 }, { header: "B", maxWidth: 40 }],
        columns.map((column) => [column, cell(column, first.a?.[column]), cell(column, first.b?.[column])])
      ).split("\n").map((line) => `  ${line}`)
    )
  }
  return lines
}

export const diffCommand = (args: Command.Command.ParseConfig<typeof diffArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    yield* requireStore(config.storeDir)
    const onEvent = progressRenderer(config.progress)
    const side = (ref: string) =>
      loadDiffSide(ref, { onEvent }).pipe(unknownIdOf("experiment", parseDiffRef(ref.trim()).experiment, config.storeDir))
    const diff = yield* Effect.gen(function*() {
      const left = yield* side(args.a)
      const right = yield* side(args.b)
      return diffExperiments(left, right)
    }).pipe(Effect.provide(storeLayer(config.storeDir)))
    if (config.json) return yield* printJson(diff)
    yield* Console.log(diffLines(diff).join("\n"))
  })
