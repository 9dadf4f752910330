/** Writing to the terminal: results on stdout, and what the terminal can show. */
import { Console, Effect } from "effect"
import * as NodeUtil from "node:util"

/** `--json`: one JSON document on stdout (docs/DESIGN.md §9). */
export const printJson = (value: unknown): Effect.Effect<void> => Console.log(JSON.stringify(value, null, 2))

const colorOn = (stream: { readonly isTTY?: boolean }): boolean =>
  stream.isTTY === true && process.env.NO_COLOR === undefined

const strip = (args: ReadonlyArray<unknown>): Array<unknown> =>
  args.map((arg) => (typeof arg === "string" ? NodeUtil.stripVTControlCharacters(arg) : arg))

/**
 * @effect/cli always writes ANSI colours (help, usage errors). Strip them from what goes to a
 * stream that is not a terminal, or everywhere when NO_COLOR is set, so piped output is plain text.
 */
export const withColorOnlyOnTerminals = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const stdoutColor = colorOn(process.stdout)
  const stderrColor = colorOn(process.stderr)
  if (stdoutColor && stderrColor) return effect
  return Effect.flatMap(Effect.console, (base) => {
    const out = (f: (...args: ReadonlyArray<unknown>) => Effect.Effect<void>) =>
      stdoutColor ? f : (...args: ReadonlyArray<unknown>) => f(...strip(args))
    const err = (f: (...args: ReadonlyArray<unknown>) => Effect.Effect<void>) =>
      stderrColor ? f : (...args: ReadonlyArray<unknown>) => f(...strip(args))
    const console: Console.Console = {
      ...base,
      log: out(base.log.bind(base)),
      info: out(base.info.bind(base)),
      error: err(base.error.bind(base)),
      warn: err(base.warn.bind(base))
    }
    return Effect.withConsole(effect, console)
  })
}
