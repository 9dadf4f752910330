/**
 * The sweep half of `pipeline run` (commands/Run.ts): expanding a definition's `sweep` block and
 * running its variants, here or on `pipeline worker` processes (`--workers remote`). Run.ts loads
 * this module, and with it nodes/sweep, only for a definition that has a sweep: a single
 * experiment's run (a cached rerun above all) never evaluates that code.
 */
import { Console, Effect, Option } from "effect"
import type { Definition } from "../../nodes/experiment/index.js"
import {
  executeSweep,
  expandSweep,
  type ExpandedSweep,
  type SweepSpec,
  remoteSweepBatches,
  strategyAsWritten,
  type SweepRunOptions
} from "../../nodes/sweep/index.js"
import { JobQueue } from "../../store/postgres/index.js"
import { RemoteTransfer } from "../../store/remote/index.js"
import { UsageError } from "../CliError.js"

type SweepDefinition = Definition & { readonly sweep: SweepSpec }

/** Every variant, validated: done before the store is opened, so a bad spec changes nothing. */
export const expandDefinitionSweep = (definition: SweepDefinition, definitionEncoded: unknown) =>
  expandSweep(strategyAsWritten(definitionEncoded), definition.sweep)

/** The remote sweep runner over the store layer's job queue and remote (present with --catalog and --remote). */
const remoteRunner = Effect.gen(function*() {
  const queue = yield* Effect.serviceOption(JobQueue)
  const transfer = yield* Effect.serviceOption(RemoteTransfer)
  if (Option.isNone(queue) || Option.isNone(transfer)) {
    return yield* new UsageError({ reason: "--workers remote needs --catalog and --remote" })
  }
  return yield* remoteSweepBatches({
    onQueued: (batches) =>
      batches === 0 ? Effect.void : Console.error(`sweep: ${batches} batch${batches === 1 ? "" : "es"} queued for pipeline worker processes`),
    onWithdrawn: ({ removed, finishing }) =>
      Console.error(`sweep: ${removed} queued batch${removed === 1 ? "" : "es"} withdrawn` +
        (finishing === 0 ? "" : `; ${finishing} being evaluated will still be published`))
  }).pipe(Effect.provideService(JobQueue, queue.value), Effect.provideService(RemoteTransfer, transfer.value))
})

/**
 * Runs the expanded sweep on the store's services; with `remoteWorkers`, the batches go to
 * `pipeline worker` processes (their runner is built inside the store layer).
 */
export const runDefinitionSweep = (
  definition: SweepDefinition,
  definitionEncoded: unknown,
  expanded: ExpandedSweep,
  options: Omit<SweepRunOptions, "expanded" | "remoteBatches"> & { readonly remoteWorkers: boolean }
) => {
  const { remoteWorkers, ...rest } = options
  return Effect.flatMap(
    remoteWorkers ? Effect.map(remoteRunner, (runner) => ({ remoteBatches: runner })) : Effect.succeed({}),
    (remote) => executeSweep(definition, definitionEncoded, { ...rest, expanded, ...remote })
  )
}
