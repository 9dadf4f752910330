/**
 * `pipeline hash <file…>`: BLAKE3 of files, printed exactly like `b3sum` (`<64 hex>  <path>`), so
 * a digest in the store can be checked with an independent tool. An unreadable file is reported
 * on stderr; the others are still printed, and the exit code is 1 (as b3sum does).
 */
import type { Command } from "@effect/cli"
import { Console, Effect, Either } from "effect"
import { hashFile, hexOf } from "../../store/Digest.js"
import { HashIncomplete } from "../CliError.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import type { hashArgs } from "../tree/Hash.js"

/**
 * One b3sum output line. Like b3sum (and sha256sum), a path holding `\` or a newline is escaped
 * and the line starts with `\`.
 */
export const b3sumLine = (hex: string, path: string): string =>
  /[\\\n]/.test(path) ? `\\${hex}  ${path.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}` : `${hex}  ${path}`

export const hash = ({ files }: Command.Command.ParseConfig<typeof hashArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    const hashed: Array<{ path: string; digest: string }> = []
    const failed: Array<{ path: string; reason: string }> = []
    for (const path of files) {
      const result = yield* Effect.either(hashFile(path))
      if (Either.isLeft(result)) {
        failed.push({ path, reason: result.left.reason })
        continue
      }
      hashed.push({ path, digest: result.right })
      if (!config.json) yield* Console.log(b3sumLine(hexOf(result.right), path))
    }
    if (config.json) yield* printJson({ files: hashed, failed })
    if (failed.length > 0) return yield* new HashIncomplete({ failed })
  })
