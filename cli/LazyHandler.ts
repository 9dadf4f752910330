/**
 * A command's handler loaded when its command runs. The command tree (cli/tree/: names, options,
 * descriptions) is what `--help` and the parser need; a handler's module (cli/commands/) and the
 * library code it imports are evaluated only for the command chosen. In the bundle, esbuild turns
 * such an `import()` into a module initialised on first use (bin/build.mjs).
 *
 * @effect/cli prints its own usage errors (a missing argument, a value it cannot parse) through
 * `Console.error`, as help text followed by a blank line. `withUsageErrorsPrefixed` gives those the
 * `pipeline: ` prefix every other error line has; a handler runs with the console it replaced.
 */
import { Console, Effect, FiberRef } from "effect"
import * as NodeUtil from "node:util"

/** The console handlers write to (set while @effect/cli's parser writes through another). */
const handlerConsole = FiberRef.unsafeMake<Console.Console | undefined>(undefined)

export const lazyHandler = <M, A, E, R>(
  load: () => Promise<M>,
  handlerOf: (module: M) => (args: A) => Effect.Effect<void, E, R>
) =>
(args: A): Effect.Effect<void, E, R> =>
  Effect.flatMap(FiberRef.get(handlerConsole), (console) => {
    const handle = Effect.flatMap(Effect.promise(load), (module) => handlerOf(module)(args))
    return console === undefined ? handle : Effect.withConsole(handle, console)
  })

/** `Missing argument <x>\n\n` → `pipeline: Missing argument <x>`. */
const prefixed = (text: string): string => {
  const lines = text.replace(/\s+$/, "").split("\n")
  return lines.map((line, i) => (i === 0 && NodeUtil.stripVTControlCharacters(line).trim() !== "" ? `pipeline: ${line}` : line)).join("\n")
}

export const withUsageErrorsPrefixed = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.console, (base) => {
    const console: Console.Console = {
      ...base,
      error: (...args: ReadonlyArray<unknown>) =>
        base.error(...args.map((arg) => (typeof arg === "string" ? prefixed(arg) : arg)))
    }
    return Effect.withConsole(Effect.locally(effect, handlerConsole, base), console)
  })
