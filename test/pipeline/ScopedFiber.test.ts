import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Ref, Schema, Scope } from "effect"
import { artifactNode, closeInOwnFiber, execute, makeResourceSession, resourceNode, scopedInOwnFiber } from "../../pipeline/index.js"
import { StoreMemory } from "../../store/index.js"
import { isCollected } from "../support/reachability.js"
import { ENGINE, publishText, source } from "./fixtures.js"

/** A service holding a large value, as a run's context holds its reports and resources. */
class Held extends Context.Tag("test/Held")<Held, { readonly data: Uint8Array }>() {}

const large = () => ({ data: new Uint8Array(1 << 20) })

/** A release registered on a fiber of its own, with `value` in that fiber's context, into the caller's scope. */
const acquireOnAnotherFiber = (value: { readonly data: Uint8Array }) =>
  Effect.flatMap(Effect.scope, (scope) =>
    Effect.flatMap(
      Effect.fork(Scope.extend(Effect.provideService(Effect.acquireRelease(Effect.void, () => Effect.void), Held, value), scope)),
      Fiber.join
    ))

/** A resource whose value is `value`, and a consumer of it (its name makes its key). */
const resourceAndConsumer = (runs: Ref.Ref<number>, value: object, name: string) => {
  const resource = resourceNode({
    name: "large",
    version: "1",
    configSchema: Schema.Struct({}),
    config: {},
    inputs: { upstream: source(runs, "x") },
    acquire: () => Effect.acquireRelease(Effect.succeed(value), () => Effect.void)
  })
  return artifactNode({
    name,
    version: "1",
    configSchema: Schema.Struct({}),
    config: {},
    inputs: { resource },
    outputs: ["data"],
    run: ({ key }) => Effect.map(publishText(name, { type: "text", key, node: name }), (data) => ({ data }))
  })
}

// The calling fiber lives on (a notebook, `pipeline worker`): what a closed scope held must not.
describe("scopedInOwnFiber", () => {
  it("keeps nothing of a scope it closed reachable from the calling fiber", async () => {
    let ref: WeakRef<object> | undefined
    const program = Effect.gen(function*() {
      yield* scopedInOwnFiber(Effect.suspend(() => {
        const value = large()
        ref = new WeakRef(value)
        return acquireOnAnotherFiber(value)
      }))
      return yield* Effect.promise(() => isCollected(ref!))
    })
    expect(await Effect.runPromise(program)).toBe(true)
  })

  it.effect("interrupting the caller returns once the scope has closed", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(false)
      const entered = yield* Deferred.make<void>()
      // A release that takes a while (real time): the interruption must wait for it.
      const slowRelease = Effect.zipRight(Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20))), Ref.set(released, true))
      const fiber = yield* Effect.fork(scopedInOwnFiber(Effect.zipRight(
        Effect.acquireRelease(Effect.void, () => slowRelease),
        Effect.zipRight(Deferred.succeed(entered, undefined), Effect.never)
      )))
      yield* Deferred.await(entered)
      yield* Fiber.interrupt(fiber)
      expect(yield* Ref.get(released)).toBe(true)
    }))

  it("execute: a resource acquired by a node is unreachable once the run is over", async () => {
    let ref: WeakRef<object> | undefined
    const program = Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      yield* Effect.suspend(() => {
        const value = large()
        ref = new WeakRef(value)
        return execute([resourceAndConsumer(runs, value, "consumer")], { engine: ENGINE })
      })
      return yield* Effect.promise(() => isCollected(ref!))
    }).pipe(Effect.provide(StoreMemory.layer))
    expect(await Effect.runPromise(program)).toBe(true)
  })

  it("a resource session's resource is unreachable once the session's scope, closed on its own fiber, is", async () => {
    let ref: WeakRef<object> | undefined
    const program = Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      yield* scopedInOwnFiber(Effect.gen(function*() {
        const resources = yield* makeResourceSession()
        const value = large()
        ref = new WeakRef(value)
        yield* execute([resourceAndConsumer(runs, value, "first")], { engine: ENGINE, resources })
        yield* execute([resourceAndConsumer(runs, value, "second")], { engine: ENGINE, resources })
      }))
      return yield* Effect.promise(() => isCollected(ref!))
    }).pipe(Effect.provide(StoreMemory.layer))
    expect(await Effect.runPromise(program)).toBe(true)
  })

  it("closeInOwnFiber: a scope closed by hand keeps nothing reachable from the closing fiber", async () => {
    let ref: WeakRef<object> | undefined
    const program = Effect.gen(function*() {
      const scope = yield* Scope.make()
      yield* Scope.extend(Effect.suspend(() => {
        const value = large()
        ref = new WeakRef(value)
        return acquireOnAnotherFiber(value)
      }), scope)
      yield* closeInOwnFiber(scope, Exit.void)
      return yield* Effect.promise(() => isCollected(ref!))
    })
    expect(await Effect.runPromise(program)).toBe(true)
  })
})
