/**
 * A command's handler loaded when its command runs. The command tree (cli/tree/: names, options,
 * descriptions) is what `--help` and the parser need; a handler's module (cli/commands/) and the
 * library code it imports are evaluated only for the command chosen. In the bundle, esbuild turns
 * such an `import()` into a module initialised on first use (bin/build.mjs).
 */
import { Effect } from "effect"

export const lazyHandler = <M, A, E, R>(
  load: () => Promise<M>,
  handlerOf: (module: M) => (args: A) => Effect.Effect<void, E, R>
) =>
(args: A): Effect.Effect<void, E, R> => Effect.flatMap(Effect.promise(load), (module) => handlerOf(module)(args))
