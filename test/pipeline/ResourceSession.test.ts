import { describe, expect, it } from "@effect/vitest"
import { Data, Deferred, Effect, Exit, Fiber, Ref, Schema } from "effect"
import { type AnyNode, artifactNode, execute, type ExecutorEvent, makeResourceSession, resourceNode } from "../../pipeline/index.js"
import { StoreMemory } from "../../store/index.js"
import { countingResource, ENGINE, hangingConsumer, makeResourceLog, publishText, source } from "./fixtures.js"

const collect = () => {
  const events: Array<ExecutorEvent> = []
  return { events, onEvent: (event: ExecutorEvent) => Effect.sync(() => void events.push(event)) }
}
const acquisitions = (events: ReadonlyArray<ExecutorEvent>) => events.filter((e) => e._tag === "ResourceAcquired").length

/** A consumer of `resource` whose name (hence key) differs per call, so each call runs it. */
const consumer = <N extends AnyNode>(resource: N, name: string) =>
  artifactNode({
    name,
    version: "1",
    configSchema: Schema.Struct({}),
    config: {},
    inputs: { resource },
    outputs: ["data"],
    run: ({ inputs, key }) =>
      Effect.gen(function*() {
        expect(inputs.resource).toEqual({ handle: "resource-value" })
        return { data: yield* publishText(name, { type: "text", key, node: name }) }
      })
  })

class ProjectionBroken extends Data.TaggedError("ProjectionBroken")<{ readonly attempt: number }> {}

describe("ResourceSession", () => {
  it.effect("two runs in one session acquire a resource once and release it once, when the session closes", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const log = yield* makeResourceLog
      const resource = countingResource(log, source(runs, "x"))
      const events = collect()
      const [first, second] = yield* Effect.scoped(Effect.gen(function*() {
        const resources = yield* makeResourceSession()
        const first = yield* execute([consumer(resource, "first")], { engine: ENGINE, onEvent: events.onEvent, resources })
        const second = yield* execute([consumer(resource, "second")], { engine: ENGINE, onEvent: events.onEvent, resources })
        // Both runs are over; the session still holds the resource.
        expect(yield* Ref.get(log.acquired)).toBe(1)
        expect(yield* Ref.get(log.released)).toBe(0)
        return [first, second] as const
      }))
      expect(yield* Ref.get(log.acquired)).toBe(1)
      expect(yield* Ref.get(log.released)).toBe(1)
      expect(acquisitions(events.events)).toBe(1)
      expect(events.events.filter((e) => e._tag === "ResourceReleased").length).toBe(1)
      expect(first.of(resource).acquired).toBe(true)
      // The second run reused it: not acquired by that run, no build time.
      expect(second.of(resource)).toMatchObject({ acquired: false, durationMs: 0 })
      expect(second.of(resource).key).toBe(first.of(resource).key)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("a resource given as a target is acquired into the session: the next run's consumer reuses it", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const log = yield* makeResourceLog
      const resource = countingResource(log, source(runs, "x"))
      const events = collect()
      yield* Effect.scoped(Effect.gen(function*() {
        const resources = yield* makeResourceSession()
        const ahead = yield* execute([resource], { engine: ENGINE, onEvent: events.onEvent, resources })
        expect(ahead.of(resource).acquired).toBe(true)
        expect(yield* Ref.get(log.acquired)).toBe(1)
        expect(yield* Ref.get(log.released)).toBe(0)
        const used = yield* execute([consumer(resource, "first")], { engine: ENGINE, onEvent: events.onEvent, resources })
        expect(used.of(resource)).toMatchObject({ acquired: false, key: ahead.of(resource).key })
      }))
      expect(yield* Ref.get(log.acquired)).toBe(1)
      expect(yield* Ref.get(log.released)).toBe(1)
      expect(acquisitions(events.events)).toBe(1)
      // Without a session it is acquired and released by the run; in a dry run not at all.
      yield* execute([resource], { engine: ENGINE })
      expect(yield* Ref.get(log.acquired)).toBe(2)
      expect(yield* Ref.get(log.released)).toBe(2)
      const planned = yield* execute([resource], { engine: ENGINE, mode: "dryRun" })
      expect(planned.of(resource).acquired).toBe(false)
      expect(yield* Ref.get(log.acquired)).toBe(2)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("without a session each run acquires and releases its own", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const log = yield* makeResourceLog
      const resource = countingResource(log, source(runs, "x"))
      const events = collect()
      const first = yield* execute([consumer(resource, "first")], { engine: ENGINE, onEvent: events.onEvent })
      expect(yield* Ref.get(log.released)).toBe(1)
      const second = yield* execute([consumer(resource, "second")], { engine: ENGINE, onEvent: events.onEvent })
      expect(yield* Ref.get(log.acquired)).toBe(2)
      expect(yield* Ref.get(log.released)).toBe(2)
      expect(acquisitions(events.events)).toBe(2)
      expect(first.of(resource).acquired).toBe(true)
      expect(second.of(resource).acquired).toBe(true)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("a resource the session does not keep is acquired and released by each run", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const log = yield* makeResourceLog
      const resource = countingResource(log, source(runs, "x"))
      const other = countingResource(yield* makeResourceLog, source(runs, "y"))
      yield* Effect.scoped(Effect.gen(function*() {
        const resources = yield* makeResourceSession({ only: [other] })
        yield* execute([consumer(resource, "first")], { engine: ENGINE, resources })
        expect(yield* Ref.get(log.released)).toBe(1)
        const second = yield* execute([consumer(resource, "second")], { engine: ENGINE, resources })
        expect(second.of(resource).acquired).toBe(true)
        expect(yield* Ref.get(log.acquired)).toBe(2)
        expect(yield* Ref.get(log.released)).toBe(2)
      }))
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("a failed acquisition fails each run that needs it with its error, and is not kept", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const attempts = yield* Ref.make(0)
      const broken = resourceNode({
        name: "resource",
        version: "1",
        configSchema: Schema.Struct({}),
        config: {},
        inputs: { upstream: source(runs, "x") },
        acquire: () =>
          Effect.flatMap(Ref.updateAndGet(attempts, (n) => n + 1), (attempt) => Effect.fail(new ProjectionBroken({ attempt })))
      })
      const events = collect()
      const [first, second] = yield* Effect.scoped(Effect.gen(function*() {
        const resources = yield* makeResourceSession()
        return [
          yield* Effect.exit(execute([consumer(broken, "first")], { engine: ENGINE, onEvent: events.onEvent, resources })),
          yield* Effect.exit(execute([consumer(broken, "second")], { engine: ENGINE, onEvent: events.onEvent, resources }))
        ] as const
      }))
      expect(first).toEqual(Exit.fail(new ProjectionBroken({ attempt: 1 })))
      expect(second).toEqual(Exit.fail(new ProjectionBroken({ attempt: 2 })))
      expect(acquisitions(events.events)).toBe(0)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.live("interrupting the session's owner releases the shared resource once", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const log = yield* makeResourceLog
      const resource = countingResource(log, source(runs, "x"))
      const entered = yield* Deferred.make<void>()
      const hanging = hangingConsumer(resource, entered)
      const fiber = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const resources = yield* makeResourceSession()
        yield* execute([consumer(resource, "first")], { engine: ENGINE, resources })
        return yield* execute([hanging], { engine: ENGINE, resources })
      })))
      yield* Deferred.await(entered)
      expect(yield* Ref.get(log.released)).toBe(0)
      yield* Fiber.interrupt(fiber)
      expect(yield* Ref.get(log.acquired)).toBe(1)
      expect(yield* Ref.get(log.released)).toBe(1)
    }).pipe(Effect.provide(StoreMemory.layer)))
})
