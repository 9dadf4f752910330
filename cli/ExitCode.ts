/**
 * The process's exit code from the program's exit: 0 success, 1 failure, 2 usage error, 130
 * interrupted (Ctrl-C / SIGTERM) only. Decided from error tags alone, so that it needs none of the
 * library's modules (a failure's text is renderError.ts's, loaded only when something failed).
 */
import { ValidationError } from "@effect/cli"
import type { Teardown } from "@effect/platform/Runtime"
import { Cause, Exit, Predicate } from "effect"

export const EXIT_SUCCESS = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2
export const EXIT_INTERRUPTED = 130

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

/** 0 success · 130 interrupted only · 2 usage errors only · 1 anything else. */
export const exitCodeOf = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return EXIT_SUCCESS
  const cause = exit.cause
  if (Cause.isInterruptedOnly(cause)) return EXIT_INTERRUPTED
  if (Cause.isDie(cause)) return EXIT_FAILURE
  const failures = [...Cause.failures(cause)]
  return failures.length > 0 && failures.every(isUsageError) ? EXIT_USAGE : EXIT_FAILURE
}

/**
 * For `NodeRuntime.runMain(program, { teardown })`: its default exits 0 on Ctrl-C. A success also
 * exits at once (runMain would let node wind down by itself, disposing the whole V8 heap first:
 * 10-20 ms after the output on a cached rerun) — once the program has ended nothing is left to
 * run (every scope is closed), so only output still queued on stdout or stderr (an asynchronous
 * pipe, as on macOS) is worth waiting for: then node is left to exit by itself, as before.
 */
export const teardown: Teardown = (exit, onExit) => {
  const code = exitCodeOf(exit)
  if (code === EXIT_SUCCESS && process.stdout.writableLength === 0 && process.stderr.writableLength === 0) {
    process.exit(code)
  }
  onExit(code)
}
