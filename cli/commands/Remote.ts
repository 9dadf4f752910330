/**
 * `pipeline push`: uploads every action entry of the local store (objects, a HEAD check of each,
 * manifests, the entry last) to the `--remote`. `pipeline pull <definition.json>`: downloads from
 * the remote every node of the experiment it holds (each verified before it lands in the local
 * store), so the experiment then runs, verifies and reports offline. Both need `--remote`.
 */
import type { Command } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { explainExperiment } from "../../nodes/experiment/index.js"
import { type PushSummary, RemoteTransfer, type RemoteTransferShape } from "../../store/remote/index.js"

type PushError = UsageError | Effect.Effect.Error<ReturnType<RemoteTransferShape["push"]>>
import { PullIncomplete, UsageError } from "../CliError.js"
import { readDefinition } from "../Definitions.js"
import { globalConfig, REMOTE_ENV_VAR } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { storeLayer } from "../StoreLayers.js"
import type { pullArgs } from "../tree/Remote.js"

const requireRemote = (command: string) =>
  Effect.flatMap(globalConfig, (config) =>
    config.remote === undefined
      ? Effect.fail(new UsageError({ reason: `${command} needs a remote: give --remote s3://bucket/prefix or set $${REMOTE_ENV_VAR}` }))
      : Effect.succeed({ ...config, remote: config.remote }))

export const pushCommand = () =>
  Effect.gen(function* () {
    const config = yield* requireRemote("push")
    const summary = yield* Effect.flatMap(Effect.serviceOption(RemoteTransfer), (transfer): Effect.Effect<PushSummary, PushError> =>
      Option.isSome(transfer)
        ? transfer.value.push()
        : Effect.fail(new UsageError({ reason: "push needs a remote" }))).pipe(Effect.provide(storeLayer(config.storeDir)))
    if (config.json) return yield* printJson({ remote: config.remote.url, ...summary })
    yield* Console.log(
      `pushed to ${config.remote.url}: ${summary.entries} action entries on the remote ` +
        `(${summary.objectsUploaded} objects and ${summary.manifestsUploaded} manifests uploaded)` +
        (summary.failed > 0 ? `; ${summary.failed} failed (see the warnings)` : "")
    )
    if (summary.failed > 0) return yield* new UsageError({ reason: `${summary.failed} entries could not be pushed` })
  })

export const pullCommand = (args: Command.Command.ParseConfig<typeof pullArgs>) =>
  Effect.gen(function* () {
    const config = yield* requireRemote("pull")
    const { decoded, encoded } = yield* readDefinition(args.definition)
    // Every lookup reads through the remote: a node the remote holds lands in the local store with
    // every object of its lineage (whatever --remote-download says), so all of it works offline.
    const explanation = yield* explainExperiment(decoded, encoded).pipe(
      Effect.provide(storeLayer(config.storeDir, { download: "all" }))
    )
    const nodes = explanation.nodes.filter((node) => node.kind !== "resource")
    const local = nodes.filter((node) => node.cache === "hit").map((node) => node.name)
    const missing = nodes.filter((node) => node.cache !== "hit").map((node) => node.name)
    if (config.json) yield* printJson({ remote: config.remote.url, experimentId: explanation.experimentId, local, missing })
    else yield* Console.log(`pulled ${explanation.name} from ${config.remote.url}: ${local.length} of ${nodes.length} nodes now local`)
    if (missing.length > 0) return yield* new PullIncomplete({ remote: config.remote.url, missing })
  })
