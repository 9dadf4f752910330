/**
 * Order-only inputs of a resource node (`after`): the acquisition may start while they run, its
 * value is used only once they have succeeded, and it is interrupted and released when one fails
 * or the run is interrupted. Keys are those of the same node with the input declared in `inputs`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Data, Deferred, Effect, Exit, Fiber, Ref, Schema } from "effect"
import { artifactNode, type AnyNode, execute, type ExecutorEvent, makeResourceSession, resourceNode } from "../../pipeline/index.js"
import { ActionCache, StoreMemory } from "../../store/index.js"
import { ENGINE, publishText } from "./fixtures.js"

class GateFailed extends Data.TaggedError("GateFailed")<{ readonly reason: string }> {}
class AcquireFailed extends Data.TaggedError("AcquireFailed")<{}> {}

interface Probe {
  readonly acquireStarted: Deferred.Deferred<void>
  readonly acquired: Ref.Ref<number>
  readonly released: Ref.Ref<number>
  readonly consumerRuns: Ref.Ref<number>
}

/**
 * The distinct failures of a failed exit ([] for a success): the interruptions of the other fibers
 * left out, and one error once, though every node waiting on the failed one fails with it too.
 */
const failuresOf = <A, E>(exit: Exit.Exit<A, E>): ReadonlyArray<E> =>
  Exit.isFailure(exit) ? [...new Set(Chunk.toReadonlyArray(Cause.failures(exit.cause)))] : []

const makeProbe = Effect.all({
  acquireStarted: Deferred.make<void>(),
  acquired: Ref.make(0),
  released: Ref.make(0),
  consumerRuns: Ref.make(0)
})

/** An artifact node publishing `text` after `before` (e.g. waiting for the acquisition to start). */
const gate = <E>(text: string, before: Effect.Effect<void, E> = Effect.void) =>
  artifactNode({
    name: "gate",
    version: "1",
    configSchema: Schema.Struct({ text: Schema.String }),
    config: { text },
    inputs: {},
    outputs: ["data"],
    run: ({ config, key, name }) =>
      Effect.zipRight(before, Effect.map(publishText(config.text, { type: "text", key, node: name }), (data) => ({ data })))
  })

/**
 * A resource registering its release, signalling that it has started, then finishing with `rest`.
 * `order: "after"` declares the gate order-only; `"inputs"` as an ordinary input (the same key).
 */
const resourceAfter = <G extends AnyNode & { readonly _tag: "ArtifactNode" }, E>(
  probe: Probe,
  upstream: G,
  order: "after" | "inputs",
  rest: Effect.Effect<void, E> = Effect.void
) => {
  const acquire = () =>
    Effect.gen(function*() {
      yield* Effect.acquireRelease(Ref.update(probe.acquired, (n) => n + 1), () => Ref.update(probe.released, (n) => n + 1))
      yield* Deferred.succeed(probe.acquireStarted, undefined)
      yield* rest
      return { handle: "value" }
    })
  const common = { name: "resource", version: "1", configSchema: Schema.Struct({}), config: {}, acquire }
  return order === "after"
    ? resourceNode({ ...common, inputs: {}, after: { upstream } })
    : resourceNode({ ...common, inputs: { upstream } })
}

const consumerOf = <N extends AnyNode & { readonly _tag: "ResourceNode" }>(probe: Probe, resource: N) =>
  artifactNode({
    name: "consumer",
    version: "1",
    configSchema: Schema.Struct({}),
    config: {},
    seeded: true,
    inputs: { resource },
    outputs: ["data"],
    run: ({ key, name }) =>
      Effect.gen(function*() {
        yield* Ref.update(probe.consumerRuns, (n) => n + 1)
        return { data: yield* publishText("consumed", { type: "text", key, node: name }) }
      })
  })

/** Waits (at most 10 s) for the acquisition to start; fails the gate otherwise. */
const untilAcquiring = (probe: Probe) =>
  Deferred.await(probe.acquireStarted).pipe(
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new GateFailed({ reason: "the acquisition never started" }) })
  )

describe("order-only inputs (resource `after`)", () => {
  it.live("the acquisition runs while the order-only input runs; keys and outputs equal those of an ordinary input", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      // The gate finishes only once the acquisition has started: without speculation it would time out.
      const speculative = consumerOf(probe, resourceAfter(probe, gate("g", untilAcquiring(probe)), "after"))
      const events: Array<ExecutorEvent> = []
      const report = yield* execute([speculative], { engine: ENGINE, seed: 7, onEvent: (e) => Effect.sync(() => void events.push(e)) })
      expect(yield* Ref.get(probe.acquired)).toBe(1)
      expect(yield* Ref.get(probe.released)).toBe(1)
      expect(yield* Ref.get(probe.consumerRuns)).toBe(1)
      const resourceReport = report.nodes.find((n) => n.node.kind === "resource")!
      expect(resourceReport.acquired).toBe(true)
      // Acquired and released once each, under the key known after the gate finished.
      const tags = events.filter((e) => e._tag === "ResourceAcquired" || e._tag === "ResourceReleased")
      expect(tags.map((e) => e._tag)).toEqual(["ResourceAcquired", "ResourceReleased"])
      expect(tags.every((e) => "key" in e && e.key === resourceReport.key)).toBe(true)

      // The same DAG with the gate as an ordinary input, in a fresh store: identical material, keys, outputs.
      const plain = yield* makeProbe
      const ordinary = consumerOf(plain, resourceAfter(plain, gate("g"), "inputs"))
      const other = yield* execute([ordinary], { engine: ENGINE, seed: 7 }).pipe(Effect.provide(StoreMemory.layer))
      expect(other.nodes.map((n) => [n.key, n.material])).toEqual(report.nodes.map((n) => [n.key, n.material]))
      expect(other.of(ordinary).outputs).toEqual(report.of(speculative).outputs)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.live("the order-only input fails while the acquisition runs: its error, the acquisition released, nothing recorded", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      const failingGate = gate("g", Effect.zipRight(untilAcquiring(probe), Effect.fail(new GateFailed({ reason: "invalid" }))))
      const resource = resourceAfter(probe, failingGate, "after", Effect.never)
      const consumer = consumerOf(probe, resource)
      const exit = yield* Effect.exit(execute([consumer], { engine: ENGINE, seed: 1 }))
      expect(failuresOf(exit)).toEqual([new GateFailed({ reason: "invalid" })])
      expect(yield* Ref.get(probe.acquired)).toBe(1)
      expect(yield* Ref.get(probe.released)).toBe(1)
      expect(yield* Ref.get(probe.consumerRuns)).toBe(0)
      const cache = yield* ActionCache
      expect(yield* cache.list()).toEqual([])
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.live("an acquisition that fails before its failing order-only input does: the run fails with the input's error", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      const acquisitionDone = yield* Deferred.make<void>()
      const resource = resourceAfter(
        probe,
        // The gate fails only after the acquisition has failed (and released what it held).
        gate("g", Effect.zipRight(Deferred.await(acquisitionDone), Effect.fail(new GateFailed({ reason: "after" })))),
        "after",
        Effect.zipRight(Deferred.succeed(acquisitionDone, undefined), Effect.fail(new AcquireFailed()))
      )
      const exit = yield* Effect.exit(execute([consumerOf(probe, resource)], { engine: ENGINE, seed: 1 }))
      expect(failuresOf(exit)).toEqual([new GateFailed({ reason: "after" })])
      expect(yield* Ref.get(probe.released)).toBe(1)
      expect(yield* Ref.get(probe.consumerRuns)).toBe(0)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.live("interrupted while both run: the acquisition is interrupted and released", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      const gateRunning = yield* Deferred.make<void>()
      const hanging = gate("g", Effect.zipRight(Deferred.succeed(gateRunning, undefined), Effect.never))
      const resource = resourceAfter(probe, hanging, "after", Effect.never)
      const fiber = yield* Effect.fork(execute([consumerOf(probe, resource)], { engine: ENGINE, seed: 1 }))
      yield* Deferred.await(gateRunning)
      yield* Deferred.await(probe.acquireStarted)
      expect(yield* Ref.get(probe.released)).toBe(0)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* Ref.get(probe.acquired)).toBe(1)
      expect(yield* Ref.get(probe.released)).toBe(1)
      expect(yield* Ref.get(probe.consumerRuns)).toBe(0)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.live("an order-only input that hits starts nothing early: a consumer that hits acquires nothing", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      const build = () => consumerOf(probe, resourceAfter(probe, gate("g"), "after"))
      yield* execute([build()], { engine: ENGINE, seed: 1 })
      expect(yield* Ref.get(probe.acquired)).toBe(1)
      const again = yield* execute([build()], { engine: ENGINE, seed: 1 })
      expect(again.nodes.map((n) => n.cache)).toEqual(["hit", "resource", "hit"])
      expect(yield* Ref.get(probe.acquired)).toBe(1)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.live("with one permit the acquisition waits for its turn (no deadlock) and the run completes", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      const consumer = consumerOf(probe, resourceAfter(probe, gate("g"), "after"))
      const report = yield* execute([consumer], { engine: ENGINE, seed: 1, concurrency: 1 })
      expect(report.of(consumer).cache).toBe("miss")
      expect(yield* Ref.get(probe.acquired)).toBe(1)
      expect(yield* Ref.get(probe.released)).toBe(1)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.live("a dry run starts nothing", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      yield* execute([consumerOf(probe, resourceAfter(probe, gate("g"), "after"))], { engine: ENGINE, seed: 1, mode: "dryRun" })
      expect(yield* Ref.get(probe.acquired)).toBe(0)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.live("a session keeps a value acquired early: released once, when the session closes", () =>
    Effect.gen(function*() {
      const probe = yield* makeProbe
      const resource = resourceAfter(probe, gate("g", untilAcquiring(probe)), "after")
      const second = artifactNode({
        name: "second",
        version: "1",
        configSchema: Schema.Struct({}),
        config: {},
        inputs: { resource },
        outputs: ["data"],
        run: ({ key, name }) => Effect.map(publishText("second", { type: "text", key, node: name }), (data) => ({ data }))
      })
      yield* Effect.scoped(Effect.gen(function*() {
        const resources = yield* makeResourceSession()
        const first = yield* execute([consumerOf(probe, resource)], { engine: ENGINE, seed: 1, resources })
        expect(first.of(resource).acquired).toBe(true)
        // The first run is over; the session holds the value, and the next run reuses it.
        expect(yield* Ref.get(probe.released)).toBe(0)
        const next = yield* execute([second], { engine: ENGINE, seed: 1, resources })
        expect(next.of(resource).acquired).toBe(false)
        expect(yield* Ref.get(probe.acquired)).toBe(1)
        expect(yield* Ref.get(probe.released)).toBe(0)
      }))
      expect(yield* Ref.get(probe.released)).toBe(1)
    }).pipe(Effect.provide(StoreMemory.layer)))
})
