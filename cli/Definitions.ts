/**
 * Reading a definition file: the CLI reads the file, the library decodes it (errors name fields).
 * A file that does not exist is `InputFileMissing` (exit 2, `no such file: <path>`), as for `import`.
 */
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { type Definition, DefinitionDecodeError, parseDefinition } from "../nodes/experiment/index.js"
import { InputFileMissing } from "./CliError.js"

const codeOf = (error: unknown): string | undefined =>
  error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined

export const readDefinition = (path: string) =>
  Effect.gen(function*() {
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (error) =>
        codeOf(error) === "ENOENT"
          ? new InputFileMissing({ path })
          : new DefinitionDecodeError({
            source: path,
            issues: [{ path: "", message: `cannot read the file: ${codeOf(error) ?? String(error)}` }]
          })
    })
    const decoded: Definition = yield* parseDefinition(text, path)
    // The definition as written (parsed JSON): what the experiment record keeps and its id hashes.
    return { decoded, encoded: JSON.parse(text) as unknown }
  })
