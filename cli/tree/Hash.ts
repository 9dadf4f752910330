/** `pipeline hash <file…>` (handler: commands/Hash.ts). */
import { Args, Command } from "@effect/cli"
import { pathArg } from "../Arguments.js"
import { lazyHandler } from "../LazyHandler.js"

export const hashArgs = { files: pathArg("file", "Files to hash").pipe(Args.atLeast(1)) }

export const hash = Command.make("hash", hashArgs, lazyHandler(() => import("../commands/Hash.js"), (m) => m.hash)).pipe(
  Command.withDescription("BLAKE3 of files, printed like b3sum: <64 hex>  <file>")
)
