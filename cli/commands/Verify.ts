/**
 * `pipeline verify <definition.json | experiment-id>`: re-executes every node of the experiment
 * bypassing the cache, into scratch space (the store is overlaid; nothing lands in it), and compares
 * each output digest with the recorded one. Prints a table (node, output, recorded, recomputed,
 * identical?); on a divergence, names the artifact and the first differing row and column, and
 * exits 1. `--json` prints the same information as one document.
 *
 * An experiment id (or unique prefix) is read from the tracker: its stored definition, with its
 * catalog inputs frozen to the artifact ids the experiment resolved them to. Verify writes nothing to
 * the store: without one it fails with `no store at <dir>`, and an unknown id is a usage error (both
 * exit 2).
 */
import type { Command } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { existsSync } from "node:fs"
import {
  decodeDefinition,
  type Definition,
  isSweep,
  isSynthetic,
  verificationFailure,
  verifyExperiment,
  type VerifyReport
} from "../../nodes/experiment/index.js"
import { SweepVerificationFailed, type SweepVerifyReport, verifySweep } from "../../nodes/sweep/index.js"
import { type ArtifactId, ExperimentTracker } from "../../store/index.js"
import { unknownIdOf, UsageError } from "../CliError.js"
import { readDefinition } from "../Definitions.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { progressRenderer } from "../Progress.js"
import { requireStore } from "../ReadOnlyStore.js"
import { workerCount } from "../SweepOptions.js"
import { refuseCatalog, storeLayer } from "../StoreLayers.js"
import type { verifyArgs } from "../tree/Verify.js"

const EXPERIMENT_ID = /^(exp_)?[0-9a-f]{4,}$/

/** The sweep verification as text. */
export const sweepVerifyLines = (report: SweepVerifyReport): Array<string> => {
  const lines = [
    `sweep ${report.experimentId} (${report.name}): verify ${report.checked} of ${report.variants} variants`
  ]
  for (const bad of report.corrupt) lines.push(`corrupt: batch ${bad.artifactId} (${bad.path}) no longer hashes to its digest`)
  for (const d of report.divergences) {
    lines.push(`diverged: ${d.variantId} (batch ${d.artifactId}) column ${d.column}: recorded ${d.recorded}, recomputed ${d.recomputed}`)
  }
  if (report.unrecorded.length > 0) {
    lines.push(`no sound recorded row (never run, or its batch is gone or corrupt): ${report.unrecorded.slice(0, 10).join(", ")}${report.unrecorded.length > 10 ? `, … (${report.unrecorded.length})` : ""}`)
  }
  lines.push(
    report.ok
      ? `verified: ${report.identical} variants recomputed, every metrics value identical`
      : `${report.identical} of ${report.checked} identical, ${report.divergences.length} diverged, ${report.unrecorded.length} not recorded, ${report.corrupt.length} corrupt batches`
  )
  return lines
}

/** The definition stored with a recorded experiment, its catalog inputs frozen to the resolved ids. */
const recordedDefinition = (idOrPrefix: string, storeDir: string) =>
  Effect.gen(function*() {
    const tracker = yield* ExperimentTracker
    const record = yield* tracker.resolve(idOrPrefix).pipe(unknownIdOf("experiment", idOrPrefix, storeDir))
    const decoded: Definition = yield* decodeDefinition(record.definition, `experiment ${record.experimentId}`)
    const frozen: Definition = isSynthetic(decoded.inputs)
      ? decoded
      : {
        ...decoded,
        inputs: {
          alerts: [...(record.inputs.alerts ?? [])] as Array<ArtifactId>,
          ohlcv: [...(record.inputs.ohlcv ?? [])] as Array<ArtifactId>
        }
      }
    return { decoded: frozen, encoded: record.definition }
  })

const short = (digest: string | undefined) => (digest === undefined ? "(none)" : digest.replace(/^blake3:/, "").slice(0, 16))

/** The text table: one line per output. */
export const verifyLines = (report: VerifyReport): Array<string> => {
  const header = ["node", "output", "recorded", "recomputed", "identical?"]
  const body = report.rows.map((row) => [
    row.node,
    row.output,
    short(row.recorded),
    short(row.recomputed),
    row.identical === null ? "not recorded" : row.identical ? "yes" : "NO"
  ])
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => cells[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()
  const lines = [`experiment ${report.experimentId} (${report.name}): verify`, line(header), ...body.map(line)]
  for (const divergence of report.divergences) {
    lines.push(`diverged: ${divergence.node}.${divergence.output} ${divergence.artifactId}`)
    lines.push(`  ${divergence.detail}`)
  }
  const identical = report.rows.filter((row) => row.identical === true).length
  lines.push(
    report.ok
      ? `verified: all ${identical} outputs recomputed byte-identical`
      : `${identical} of ${report.rows.length} outputs identical, ${report.divergences.length} diverged, ${report.unrecorded} not recorded`
  )
  return lines
}

/** The `verify --json` document. */
export const verifyDocument = (report: VerifyReport) => ({
  experimentId: report.experimentId,
  name: report.name,
  ok: report.ok,
  rows: report.rows.map((row) => ({
    node: row.node,
    identity: row.identity,
    key: row.key,
    output: row.output,
    recorded: row.recorded ?? null,
    recomputed: row.recomputed,
    identical: row.identical,
    recordedArtifactId: row.recordedArtifactId ?? null,
    recomputedArtifactId: row.recomputedArtifactId,
    recordedPath: row.recordedPath ?? null
  })),
  divergences: report.divergences,
  unrecorded: report.unrecorded
})

export const verify = (args: Command.Command.ParseConfig<typeof verifyArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    const isFile = existsSync(args.target)
    if (!isFile && !EXPERIMENT_ID.test(args.target)) {
      return yield* new UsageError({ reason: `${args.target}: no such definition file, and not an experiment id (exp_<hex>)` })
    }
    yield* refuseCatalog("verify")
    yield* requireStore(config.storeDir)
    const report = yield* Effect.gen(function*() {
      const { decoded, encoded } = isFile
        ? yield* readDefinition(args.target)
        : yield* recordedDefinition(args.target, config.storeDir)
      if (isSweep(decoded)) {
        const sweepReport = yield* verifySweep(decoded, encoded, {
          ...(Option.isSome(args.sample) ? { sample: Math.max(1, args.sample.value) } : {}),
          sampleSeed: args.sampleSeed,
          workers: yield* workerCount(args.workers)
        })
        return { _tag: "Sweep" as const, report: sweepReport }
      }
      return yield* verifyExperiment(decoded, encoded, {
        concurrency: args.concurrency,
        onEvent: progressRenderer(config.progress)
      })
    }).pipe(Effect.provide(storeLayer(config.storeDir)))

    if ("_tag" in report) {
      const sweep = report.report
      if (config.json) yield* printJson(sweep)
      else yield* Console.log(sweepVerifyLines(sweep).join("\n"))
      if (!sweep.ok) {
        return yield* new SweepVerificationFailed({
          experimentId: sweep.experimentId,
          detail: `${sweep.divergences.length} diverged, ${sweep.unrecorded.length} not recorded, ${sweep.corrupt.length} corrupt batches`
        })
      }
      return
    }
    if (config.json) yield* printJson(verifyDocument(report))
    else yield* Console.log(verifyLines(report).join("\n"))
    if (!report.ok) return yield* verificationFailure(report)
  })
