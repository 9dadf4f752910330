/**
 * Benchmark child: one experiment computed into an empty store (no remote), computed again into
 * another empty store with a read-write remote (computes and uploads: warms the remote), then run
 * into a third empty store against the warm remote (every node a remote hit: downloads only).
 * Through the library, so no CLI start-up is in the numbers. The parent is bench/remoteRow.ts.
 */
import { Effect } from "effect"
import { join } from "node:path"
import { experimentLayer } from "../nodes/runtime/index.js"
import { decodeDefinition, runExperiment } from "../nodes/experiment/index.js"
import { childMain, definitionFor, round, type SizeConfig, syntheticInputs, timed } from "./support.js"

export interface RemoteChildResult {
  /** Empty local store, no remote: the computation. */
  readonly computeMs: number
  /** Empty local store, read-write remote: the computation plus its uploads. */
  readonly uploadMs: number
  /** Empty local store, warm remote (read mode): downloads. */
  readonly remoteHitMs: number
  /** Nodes that were not hits against the warm remote (should be none). */
  readonly missesAgainstRemote: ReadonlyArray<string>
}

interface Args {
  readonly dir: string
  readonly remote: string
  readonly env: Record<string, string>
  readonly size: SizeConfig
}

const run = (args: Args) =>
  Effect.gen(function* () {
    const encoded = definitionFor(`bench-${args.size.name}-remote`, syntheticInputs(args.size))
    const definition = yield* decodeDefinition(encoded, "bench remote")
    const once = (store: string, remote?: { url: string; mode: "read" | "read-write" }) =>
      timed(runExperiment(definition, encoded).pipe(Effect.provide(experimentLayer(store, remote === undefined ? {} : { remote }))))
    const compute = yield* once(join(args.dir, "compute"))
    const upload = yield* once(join(args.dir, "upload"), { url: args.remote, mode: "read-write" })
    const hit = yield* once(join(args.dir, "laptop"), { url: args.remote, mode: "read" })
    return {
      computeMs: round(compute.ms),
      uploadMs: round(upload.ms),
      remoteHitMs: round(hit.ms),
      missesAgainstRemote: hit.value.nodes.filter((node) => node.cache === "miss").map((node) => node.node.name)
    } satisfies RemoteChildResult
  })

await childMain((args: Args) => {
  // The S3 client's endpoint and credentials come from the SDK's environment variables.
  Object.assign(process.env, args.env)
  return Effect.runPromise(run(args))
})
