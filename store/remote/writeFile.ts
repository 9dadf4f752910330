/** Writing downloaded bytes to a scratch path of the local store. */
import { Effect } from "effect"
import * as fsp from "node:fs/promises"
import { StoreIOError } from "../StoreError.js"

export const writeFileBytes = (path: string, bytes: Uint8Array): Effect.Effect<void, StoreIOError> =>
  Effect.tryPromise({
    try: () => fsp.writeFile(path, bytes),
    catch: (error) => new StoreIOError({ operation: "write", path, reason: (error as NodeJS.ErrnoException).code ?? String(error) })
  })
