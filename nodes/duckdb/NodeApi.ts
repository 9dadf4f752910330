/**
 * The DuckDB libraries, loaded on first use rather than when a module imports them.
 *
 * Loading `@duckdb/node-api` and its native bindings costs ~0.5 s of start-up (measured), which
 * commands that never open a database (`--help`, `hash`, `experiments list`) should not pay. So the
 * modules of this project import only their types statically, and take the values from
 * `duckdbApi()` / `duckdbBindings()` where they need them: at the latest when a database is opened,
 * which every query needs first. Both packages are CommonJS, so a synchronous `require` gives the
 * same module object an `import` would (Node shares one cache between the two).
 */
import type * as NodeApi from "@duckdb/node-api"
import type * as NodeBindings from "@duckdb/node-bindings"
import { createRequire } from "node:module"

const requireCommonJs = createRequire(import.meta.url)

let api: typeof NodeApi | undefined
let bindings: typeof NodeBindings | undefined

/** `@duckdb/node-api`, required once per process on the first call. */
export const duckdbApi = (): typeof NodeApi => {
  if (api === undefined) {
    const loaded: typeof NodeApi = requireCommonJs("@duckdb/node-api")
    api = loaded
  }
  return api
}

/** `@duckdb/node-bindings` (the native library's C API), required once per process on the first call. */
export const duckdbBindings = (): typeof NodeBindings => {
  if (bindings === undefined) {
    const loaded: typeof NodeBindings = requireCommonJs("@duckdb/node-bindings")
    bindings = loaded
  }
  return bindings
}
