/** `pipeline fsck` (handler: commands/Fsck.ts). */
import { Command } from "@effect/cli"
import { lazyHandler } from "../LazyHandler.js"

export const fsckCommand = Command.make("fsck", {}, lazyHandler(() => import("../commands/Fsck.js"), (m) => m.fsckCommand)).pipe(
  Command.withDescription("Re-hash every object and check every manifest, cache entry and experiment record")
)
