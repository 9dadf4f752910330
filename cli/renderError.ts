/**
 * The one place where failures become text on stderr; their exit code is ExitCode.ts's.
 *
 * Expected failures (tagged errors) print `pipeline: <message>` lines, never a stack trace;
 * defects (bugs) print the full cause so they can be reported.
 */
import { ValidationError } from "@effect/cli"
import { Cause, Predicate } from "effect"
import * as NodeUtil from "node:util"
import { AmbiguousArtifactId, AmbiguousExperimentId, FileReadError, StoreIOError } from "../store/index.js"
import { HashIncomplete } from "./CliError.js"
import { shortenValues } from "./UserValues.js"

export {
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  EXIT_SUCCESS,
  EXIT_USAGE,
  exitCodeOf,
  isUsageError,
  teardown,
  usageErrorTags
} from "./ExitCode.js"

const PREFIX = "pipeline: "

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
