/** Reading a definition file: the CLI reads the file, the library decodes it (errors name fields). */
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { type Definition, DefinitionDecodeError, parseDefinition } from "../nodes/experiment/index.js"

export const readDefinition = (path: string) =>
  Effect.gen(function*() {
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (error) =>
        new DefinitionDecodeError({
          source: path,
          issues: [{ path: "", message: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? error}` }]
        })
    })
    const decoded: Definition = yield* parseDefinition(text, path)
    // The definition as written (parsed JSON): what the experiment record keeps and its id hashes.
    return { decoded, encoded: JSON.parse(text) as unknown }
  })
