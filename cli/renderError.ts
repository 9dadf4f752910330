/**
 * The one place where failures become text on stderr and an exit code.
 *
 * Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted (Ctrl-C / SIGTERM) only.
 * Expected failures (tagged errors) print `pipeline: <message>` lines, never a stack trace;
 * defects (bugs) print the full cause so they can be reported.
 */
import { ValidationError } from "@effect/cli"
import type { Teardown } from "@effect/platform/Runtime"
import { Cause, Exit, Predicate } from "effect"
import * as NodeUtil from "node:util"
import { AmbiguousArtifactId, AmbiguousExperimentId, FileReadError, StoreIOError } from "../store/index.js"
import { HashIncomplete } from "./CliError.js"
import { shortenValues } from "./UserValues.js"

export const EXIT_SUCCESS = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2
export const EXIT_INTERRUPTED = 130

const PREFIX = "pipeline: "

/**
 * Error tags that mean "the command line or the definition file is wrong" (exit 2), besides
 * @effect/cli's own ValidationError: a malformed definition, an input selector or an id that
 * names nothing (UnknownId, an ambiguous artifact or experiment prefix), an input file that does not exist, a
 * `--store` that holds no store, or one that holds other files and so is never made a store (NotAStore).
 */
export const usageErrorTags: ReadonlySet<string> = new Set([
  "UsageError",
  "DefinitionDecodeError",
  "InputNotResolved",
  "UnknownId",
  "AmbiguousArtifactId",
  "AmbiguousExperimentId",
  "InputFileMissing",
  "StoreMissing",
  "NotAStore",
  "SweepVariantInvalid",
  "TooManyVariants",
  "VariantNotFound",
  "NotASweep"
])

const tagOf = (error: unknown): string | undefined =>
  Predicate.hasProperty(error, "_tag") && typeof error._tag === "string" ? error._tag : undefined

export const isUsageError = (error: unknown): boolean =>
  ValidationError.isValidationError(error) || usageErrorTags.has(tagOf(error) ?? "")

// errno code → "no such file or directory"; from libuv's table, so it matches the platform.
const errnoDescriptions: ReadonlyMap<string, string> = new Map(
  [...NodeUtil.getSystemErrorMap().values()].map(([code, description]) => [code, description])
)

/** `ENOENT` → `ENOENT (no such file or directory)`; anything else unchanged. */
export const describeReason = (reason: string): string => {
  const description = errnoDescriptions.get(reason)
  return description === undefined ? reason : `${reason} (${description})`
}

const messageOf = (error: unknown): string => {
  if (Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message !== "") {
    return error.message
  }
  return String(error)
}

/** Candidates of an ambiguous id prefix printed (one a line) before `… and N more`. */
const LISTED_CANDIDATES = 10

interface Ambiguous {
  readonly prefix: string
  readonly candidates: ReadonlyArray<string>
}

/** One candidate per line, in full, so that any of them can be copied. */
const ambiguousLines = (kind: "artifact" | "experiment", e: Ambiguous): ReadonlyArray<string> => [
  `${kind} id prefix ${e.prefix} is ambiguous: it matches ${e.candidates.length} ${kind}s; give more characters:`,
  ...e.candidates.slice(0, LISTED_CANDIDATES).map((id) => `  ${id}`),
  ...(e.candidates.length > LISTED_CANDIDATES ? [`  … and ${e.candidates.length - LISTED_CANDIDATES} more`] : [])
]

/** The line(s) of the failures that are not just their message; `undefined` for every other. */
const specificLines = (error: unknown): ReadonlyArray<string> | undefined => {
  if (error instanceof FileReadError) return [`cannot read ${error.path}: ${describeReason(error.reason)}`]
  if (error instanceof StoreIOError) {
    const detail = error.detail === undefined ? "" : `: ${error.detail}`
    return [`store ${error.operation} failed on ${error.path}: ${describeReason(error.reason)}${detail}`]
  }
  // b3sum-like: one line per unreadable file.
  if (error instanceof HashIncomplete) return error.failed.map((f) => `cannot read ${f.path}: ${describeReason(f.reason)}`)
  if (error instanceof AmbiguousArtifactId) return ambiguousLines("artifact", error)
  if (error instanceof AmbiguousExperimentId) return ambiguousLines("experiment", error)
  return undefined
}

/**
 * The stderr lines for one expected failure (each prefixed with `pipeline: `). Long user values in
 * them are shortened and control characters escaped (UserValues.ts `shortenValues`).
 */
export const renderFailure = (error: unknown): ReadonlyArray<string> => {
  // @effect/cli has already printed its own usage errors, with the help text.
  if (ValidationError.isValidationError(error)) return []
  const lines = specificLines(error) ?? [messageOf(error)]
  return lines.map((line) => PREFIX + shortenValues(line))
}

/** The stderr lines for a whole cause: expected failures, then defects with their stack. */
export const renderCause = (cause: Cause.Cause<unknown>): ReadonlyArray<string> => {
  if (Cause.isInterruptedOnly(cause)) return [`${PREFIX}interrupted`]
  // A failure reached through several fibers (a node and the step consuming it) is reported once.
  const lines = [...new Set([...Cause.failures(cause)].flatMap(renderFailure))]
  for (const defect of Cause.defects(cause)) {
    lines.push(`${PREFIX}internal error (a bug, please report it):`)
    lines.push(defect instanceof Error && defect.stack ? defect.stack : String(defect))
  }
  return lines
}

/** 0 success · 130 interrupted only · 2 usage errors only · 1 anything else. */
export const exitCodeOf = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return EXIT_SUCCESS
  const cause = exit.cause
  if (Cause.isInterruptedOnly(cause)) return EXIT_INTERRUPTED
  if (Cause.isDie(cause)) return EXIT_FAILURE
  const failures = [...Cause.failures(cause)]
  return failures.length > 0 && failures.every(isUsageError) ? EXIT_USAGE : EXIT_FAILURE
}

/** For `NodeRuntime.runMain(program, { teardown })`: its default exits 0 on Ctrl-C. */
export const teardown: Teardown = (exit, onExit) => onExit(exitCodeOf(exit))
