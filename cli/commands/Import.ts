/**
 * `pipeline import alerts|ohlcv <file…>`: CSV or Parquet files → canonical alerts_v1 /
 * ohlcv_slice_v2 artifacts (nodes/import), one per file, with the same mapping options for each.
 *
 * Prints each imported artifact's id, type, logical key, rows, time range and quality summary
 * (ohlcv: interval, gaps, zero-volume candles; alerts: chains, mints, callers); `--json` prints
 * `{ imported: [...], failed: [...] }`.
 *
 * All or nothing: with several files, every file is validated before any is published, so a bad
 * file publishes nothing (its problems are printed: file, row, column — the first 20, then a
 * count) and the exit code is 1. A single file is validated and published in one pass.
 *
 * On a terminal (not with --quiet or --json) each file's progress goes to stderr like `run`'s node
 * progress: bytes scanned and loaded, rows validated and written (nodes/import `ImportProgress`).
 */
import type { Command } from "@effect/cli"
import * as FileSystem from "@effect/platform/FileSystem"
import { Console, Effect, Either, Option, ParseResult, Schema } from "effect"
import { currentProvenance } from "../../nodes/runtime/index.js"
import {
  importAndPublish,
  importFile,
  type ImportOptionsError,
  type ImportProgress,
  type ImportQuality,
  type ImportResult,
  ImportSource,
  type ImportSourceError,
  type ImportValidationError,
  TsUnit
} from "../../nodes/import/index.js"
import { type ArtifactManifest, ObjectStore } from "../../store/index.js"
import { InputFileMissing, UsageError } from "../CliError.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { progressRenderer } from "../Progress.js"
import { renderFailure } from "../renderError.js"
import { storeLayer } from "../StoreLayers.js"
import type { alertsArgs, ohlcvArgs } from "../tree/Import.js"
import { shortenValues } from "../UserValues.js"

/** Some files failed to import (their problems were printed); nothing was published. Exit 1. */
export class ImportFailed extends Schema.TaggedError<ImportFailed>()("ImportFailed", {
  failed: Schema.Int,
  files: Schema.Int
}) {
  override get message() {
    return `${this.failed} of ${this.files} file${this.files === 1 ? "" : "s"} failed to import; nothing was imported`
  }
}

type CommonArgs = {
  readonly files: ReadonlyArray<string>
  readonly chain: Option.Option<string>
  readonly columns: Option.Option<string>
  readonly tsUnit: Option.Option<TsUnit>
  readonly logicalKey: Option.Option<string>
  readonly tag: ReadonlyArray<string>
  readonly mint?: Option.Option<string>
  readonly intervalS?: Option.Option<number>
}

const optional = <K extends string, A>(key: K, value: Option.Option<A> | undefined) =>
  value !== undefined && Option.isSome(value) ? ({ [key]: value.value } as { [P in K]: A }) : {}

/** The import source of one file, decoded (so a bad option is a usage error naming it). */
const sourceFor = (kind: "alerts" | "ohlcv", args: CommonArgs, file: string) => {
  const columns = Option.map(args.columns, (text) => text.split(",").map((name) => name.trim()))
  const raw = {
    kind,
    file,
    ...optional("chain", args.chain),
    ...optional("columns", columns),
    ...optional("tsUnit", args.tsUnit),
    ...optional("logicalKey", args.logicalKey),
    ...optional("mint", args.mint),
    ...optional("intervalS", args.intervalS)
  }
  return Schema.decodeUnknown(ImportSource)(raw, { onExcessProperty: "error" }).pipe(
    Effect.mapError((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
        path: issue.path.join(".") || "options",
        message: issue.message
      }))
      // An optional option's "Expected undefined" only repeats that the value given is wrong.
      const useful = issues.filter((issue) =>
        !(issue.message.startsWith("Expected undefined") && issues.some((other) => other !== issue && other.path === issue.path))
      )
      return new UsageError({
        reason: `import ${kind}: ${useful.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`
      })
    })
  )
}

const grouped = (n: number) => n.toLocaleString("en-US")

/** One line of quality summary. */
export const qualityLine = (quality: ImportQuality): string =>
  quality.kind === "ohlcv"
    ? `interval ${quality.intervalS} s (${quality.intervalSource}), ${grouped(quality.series)} series, ` +
      `${grouped(quality.gaps)} gaps (${grouped(quality.missingCandles)} missing candles), ` +
      `${grouped(quality.zeroVolume)} zero-volume candles, timestamps ${quality.tsUnit}`
    : `${grouped(quality.chains)} chains, ${grouped(quality.mints)} mints, ${grouped(quality.callers)} callers, ` +
      `${grouped(quality.withoutCaller)} alerts without caller, timestamps ${quality.tsUnit}`

/** A failure that is about the file (its data or the options for it), not about the store. */
type FileError = ImportValidationError | ImportSourceError | ImportOptionsError

const FILE_ERROR_TAGS: ReadonlySet<string> = new Set(["ImportValidationError", "ImportSourceError", "ImportOptionsError"])

const isFileError = (error: { readonly _tag: string }): error is FileError => FILE_ERROR_TAGS.has(error._tag)

interface Imported {
  readonly file: string
  readonly manifest: ArtifactManifest
  readonly result: ImportResult
}

const importedJson = ({ file, manifest, result }: Imported) => ({
  file,
  artifactId: manifest.artifactId,
  type: manifest.type,
  logicalKey: manifest.logicalKey,
  rows: manifest.rowCount,
  minTs: manifest.minTs,
  maxTs: manifest.maxTs,
  digest: manifest.digest,
  bytes: manifest.bytes,
  tags: manifest.tags,
  quality: result.quality
})

/** Messages as on stderr: long values shortened, control characters escaped. */
const failureJson = (file: string, error: FileError) =>
  error._tag === "ImportValidationError"
    ? {
      file,
      error: error._tag,
      problems: error.problems.map((problem) => ({ ...problem, message: shortenValues(problem.message) })),
      totalProblems: error.totalProblems,
      message: shortenValues(error.message)
    }
    : { file, error: error._tag, message: shortenValues(error.message) }

const importedLines = ({ file, manifest, result }: Imported): Array<string> => [
  `${manifest.artifactId}  ${manifest.type}  ${manifest.logicalKey}`,
  `  ${file}: ${grouped(manifest.rowCount)} rows, ${manifest.minTs ?? "–"} → ${manifest.maxTs ?? "–"}`,
  `  quality: ${qualityLine(result.quality)}`
]

const importKind = (kind: "alerts" | "ohlcv") => (args: CommonArgs) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    const sources = yield* Effect.forEach(args.files, (file) => sourceFor(kind, args, file))
    // A file that does not exist is a usage error (exit 2), found before the store is opened.
    const fs = yield* FileSystem.FileSystem
    for (const file of args.files) {
      if (!(yield* Effect.orElseSucceed(fs.exists(file), () => true))) return yield* new InputFileMissing({ path: file })
    }
    const progress = (line: string) => (config.progress ? Console.error(line) : Effect.void)
    // The import's own progress (bytes scanned and loaded, rows validated and written), rendered
    // like a run's node progress: on a TTY only, never with --quiet or --json.
    const render = progressRenderer(config.progress)
    const reporter = (file: string): ImportProgress => (done, total, unit) =>
      render({ _tag: "Progress", node: { name: `import ${file}`, identity: file }, done, total, unit })
    // Only when rendered: progress costs DuckDB a little bookkeeping.
    const onProgress = (file: string) => (config.progress ? { onProgress: reporter(file) } : {})

    const program = Effect.gen(function*() {
      // Several files: validate all before publishing any.
      if (sources.length > 1) {
        const objects = yield* ObjectStore
        const failures: Array<{ readonly file: string; readonly error: FileError }> = []
        for (const source of sources) {
          yield* progress(`  … checking ${source.file}`)
          const checked = yield* Effect.either(
            Effect.scoped(
              Effect.flatMap(
                objects.scratchPath(".parquet"),
                (output) => importFile({ ...source, output, ...onProgress(source.file) })
              )
            )
          )
          if (Either.isRight(checked)) continue
          if (!isFileError(checked.left)) return yield* Effect.fail(checked.left)
          failures.push({ file: source.file, error: checked.left })
        }
        if (failures.length > 0) return { imported: [], failures }
      }
      const provenance = yield* currentProvenance
      const imported: Array<Imported> = []
      const failures: Array<{ readonly file: string; readonly error: FileError }> = []
      for (const source of sources) {
        yield* progress(`  … importing ${source.file}`)
        const published = yield* Effect.either(
          importAndPublish({
            source,
            provenance,
            ...onProgress(source.file),
            ...(args.tag.length > 0 ? { tags: args.tag } : {})
          })
        )
        if (Either.isRight(published)) {
          imported.push({ file: source.file, ...published.right })
          continue
        }
        // A store or DuckDB failure is not about the file: it ends the command.
        if (!isFileError(published.left)) return yield* Effect.fail(published.left)
        failures.push({ file: source.file, error: published.left })
      }
      return { imported, failures }
    }).pipe(Effect.provide(storeLayer(config.storeDir)))

    const { imported, failures } = yield* program
    if (config.json) {
      yield* printJson({
        imported: imported.map(importedJson),
        failed: failures.map(({ file, error }) => failureJson(file, error))
      })
    } else {
      if (imported.length > 0) yield* Console.log(imported.flatMap(importedLines).join("\n"))
      // Each file's problems (file, row, column: the first 20, then a count), on stderr.
      for (const { error } of failures) yield* Console.error(renderFailure(error).join("\n"))
    }
    if (failures.length > 0) return yield* new ImportFailed({ failed: failures.length, files: sources.length })
  })

export const alerts = (args: Command.Command.ParseConfig<typeof alertsArgs>) => importKind("alerts")(args)
export const ohlcv = (args: Command.Command.ParseConfig<typeof ohlcvArgs>) => importKind("ohlcv")(args)
