/** Reading a definition file (cli/Definitions.ts): a missing file is the usage error `import` gives for one. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { InputFileMissing } from "../../cli/CliError.js"
import { readDefinition } from "../../cli/Definitions.js"

describe("readDefinition", () => {
  it.effect("a file that does not exist: InputFileMissing naming it (no such file, exit 2)", () =>
    Effect.gen(function*() {
      const path = NodePath.join(NodeOs.tmpdir(), `no-such-definition-${process.pid}.json`)
      const error = yield* Effect.flip(readDefinition(path))
      expect(error).toBeInstanceOf(InputFileMissing)
      expect(error.message).toBe(`no such file: ${path}`)
    }))

  it.effect("a directory is not a missing file: the definition cannot be read (EISDIR)", () =>
    Effect.gen(function*() {
      const dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "definition-dir-"))
      const error = yield* Effect.flip(readDefinition(dir)).pipe(
        Effect.ensuring(Effect.sync(() => NodeFs.rmSync(dir, { recursive: true, force: true })))
      )
      expect(error._tag).toBe("DefinitionDecodeError")
      expect(JSON.stringify(error)).toContain("cannot read the file: EISDIR")
    }))
})
