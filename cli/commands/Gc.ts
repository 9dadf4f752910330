/**
 * `pipeline gc [--dry-run] [--keep-last N] [--grace-minutes M]`: removes what the kept experiments
 * and the imports cannot reach (rules: store/Gc.ts). Prints a summary table (kind, count, bytes);
 * `--dry-run` also lists every item that would go and changes nothing; `--json` prints the lists.
 */
import type { Command } from "@effect/cli"
import { Console, Duration, Effect, Option } from "effect"
import { gc, type GcItem, type GcReport, type GcSummaryRow } from "../../store/index.js"
import { UsageError } from "../CliError.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { requireStore } from "../ReadOnlyStore.js"
import { refuseCatalog, storeLayer } from "../StoreLayers.js"
import { renderTable } from "../Table.js"
import type { gcArgs } from "../tree/Gc.js"

/** 1234567 → "1.2 MiB"; below 1 KiB the exact count of bytes. */
export const formatBytes = (bytes: number): string => {
  const units = ["KiB", "MiB", "GiB", "TiB"]
  if (bytes < 1024) return `${bytes} B`
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

const KIND_LABELS: Record<GcItem["kind"], readonly [string, string]> = {
  action: ["action entry", "action entries"],
  identity: ["identity pointer", "identity pointers"],
  experiment: ["experiment", "experiments"],
  artifact: ["manifest", "manifests"],
  marker: ["index marker", "index markers"],
  object: ["object", "objects"],
  tmp: ["tmp entry", "tmp entries"]
}

const counted = (count: number, kind: GcItem["kind"]) => `${count} ${KIND_LABELS[kind][count === 1 ? 0 : 1]}`

const summaryTable = (rows: ReadonlyArray<GcSummaryRow>): string => {
  const total = rows.reduce((sum, row) => ({ count: sum.count + row.count, bytes: sum.bytes + row.bytes }), {
    count: 0,
    bytes: 0
  })
  return renderTable(
    [{ header: "kind" }, { header: "count", align: "right" }, { header: "bytes", align: "right" }, { header: "size", align: "right" }],
    [
      ...rows.map((row) => [KIND_LABELS[row.kind][1], String(row.count), String(row.bytes), formatBytes(row.bytes)]),
      ["total", String(total.count), String(total.bytes), formatBytes(total.bytes)]
    ]
  )
}

const itemLine = (item: GcItem): string =>
  `  ${item.kind.padEnd(10)} ${item.id}${item.detail === undefined ? "" : `  (${item.detail})`}  ${formatBytes(item.bytes)}`

/** The `gc --json` document. */
export const gcDocument = (report: GcReport) => ({
  dryRun: report.dryRun,
  graceMinutes: report.graceMs / 60_000,
  keptExperiments: report.keptExperiments,
  summary: report.summary,
  totalBytes: report.summary.reduce((sum, row) => sum + row.bytes, 0),
  kept: report.kept,
  sparedByGrace: report.sparedByGrace,
  removed: report.removed,
  leftAlone: report.leftAlone
})

export const gcCommand = (args: Command.Command.ParseConfig<typeof gcArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    if (Option.isSome(args.keepLast) && args.keepLast.value < 0) {
      return yield* new UsageError({ reason: `--keep-last: expected a number ≥ 0, got ${args.keepLast.value}` })
    }
    if (!Number.isFinite(args.graceMinutes) || args.graceMinutes < 0) {
      return yield* new UsageError({ reason: `--grace-minutes: expected a number ≥ 0, got ${args.graceMinutes}` })
    }
    yield* refuseCatalog("gc")
    yield* requireStore(config.storeDir)
    const report = yield* gc({
      dryRun: args.dryRun,
      grace: Duration.millis(args.graceMinutes * 60_000),
      ...(Option.isSome(args.keepLast) ? { keepLast: args.keepLast.value } : {})
    }).pipe(Effect.provide(storeLayer(config.storeDir)))

    if (config.json) return yield* printJson(gcDocument(report))
    const lines: Array<string> = []
    if (report.dryRun) {
      lines.push(report.removed.length === 0 ? "gc --dry-run: nothing would be removed" : "gc --dry-run: would remove")
      lines.push(...report.removed.map(itemLine), "")
    } else {
      lines.push(report.removed.length === 0 ? "gc: nothing to remove" : "gc: removed")
    }
    lines.push(summaryTable(report.summary))
    const kept = report.kept
    lines.push(
      "",
      `kept: ${counted(kept.experiment, "experiment")}, ${counted(kept.artifact, "artifact")}, ${counted(kept.object, "object")}, ` +
        `${counted(kept.action, "action")}, ${counted(kept.tmp, "tmp")} of live processes`
    )
    if (report.leftAlone.length > 0) {
      lines.push(`left alone (not written by the store): ${report.leftAlone.length}`)
      lines.push(...report.leftAlone.map((item) => `  ${item.path}  (${item.reason})`))
    }
    const spared = report.sparedByGrace.filter((row) => row.count > 0)
    if (spared.length > 0) {
      lines.push(
        `spared (modified within ${args.graceMinutes} min): ${spared.map((row) => counted(row.count, row.kind)).join(", ")}`
      )
    }
    yield* Console.log(lines.join("\n"))
  })
