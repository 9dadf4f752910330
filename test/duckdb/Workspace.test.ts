import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber } from "effect"
import { Duck, DuckWorkspace } from "../../nodes/duckdb/index.js"
import { isCollected } from "../support/reachability.js"

/** A service holding a large value, as a run's context holds its reports and resources. */
class Held extends Context.Tag("test/Held")<Held, { readonly data: Uint8Array }>() {}

const answer = (workspace: DuckWorkspace["Type"]) =>
  Effect.scoped(Effect.flatMap(workspace.connect, (connection) => Duck.readRowsJS(connection, "SELECT 42 AS x")))

describe("DuckWorkspace", () => {
  it.effect("a first connect interrupted while the database opens leaves later connects working", () =>
    Effect.gen(function*() {
      const workspace = yield* DuckWorkspace
      const first = yield* Effect.fork(answer(workspace))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(first)
      expect(yield* answer(workspace)).toEqual([{ x: 42 }])
      // One database for the layer's lifetime: a TEMP table is per connection, a table is shared.
      yield* Effect.scoped(Effect.flatMap(workspace.connect, (c) => Duck.run(c, "CREATE TABLE shared AS SELECT 7 AS y")))
      const rows = yield* Effect.scoped(Effect.flatMap(workspace.connect, (c) => Duck.readRowsJS(c, "SELECT y FROM shared")))
      expect(rows).toEqual([{ y: 7 }])
    }).pipe(Effect.provide(DuckWorkspace.layer)))

  it.effect("open opens the database and holds no connection: both connections are free after it, on the same database", () =>
    Effect.gen(function*() {
      const workspace = yield* DuckWorkspace
      yield* workspace.open
      yield* workspace.open
      // CONCURRENT_CONNECTIONS (2) at once: open took none of them.
      yield* Effect.scoped(
        Effect.gen(function*() {
          const a = yield* workspace.connect
          const b = yield* workspace.connect
          yield* Duck.run(a, "CREATE TABLE opened AS SELECT 1 AS z")
          expect(yield* Duck.readRowsJS(b, "SELECT z FROM opened")).toEqual([{ z: 1 }])
        }).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => "a connection was still held" }))
      )
    }).pipe(Effect.provide(DuckWorkspace.layer)))

  it("the connect that opens the database keeps nothing of its caller reachable while the layer lives", async () => {
    let ref: WeakRef<object> | undefined
    const program = Effect.gen(function*() {
      const workspace = yield* DuckWorkspace
      yield* Effect.suspend(() => {
        const value = { data: new Uint8Array(1 << 20) }
        ref = new WeakRef(value)
        return Effect.provideService(answer(workspace), Held, value)
      })
      expect(yield* answer(workspace)).toEqual([{ x: 42 }])
      return yield* Effect.promise(() => isCollected(ref!))
    }).pipe(Effect.provide(DuckWorkspace.layer))
    expect(await Effect.runPromise(program)).toBe(true)
  })
})
