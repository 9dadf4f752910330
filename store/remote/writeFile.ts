/** Writing downloaded bytes to a scratch path of the local store. */
import type { Effect } from "effect"
import * as fsp from "node:fs/promises"
import type { StoreIOError } from "../StoreError.js"
import { attempt } from "../internal/fsOps.js"

export const writeFileBytes = (path: string, bytes: Uint8Array): Effect.Effect<void, StoreIOError> =>
  attempt("write", path, () => fsp.writeFile(path, bytes))
