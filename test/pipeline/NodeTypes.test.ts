/**
 * The node types say what a DAG needs and what it can fail with, and the compiler checks them.
 * `tsc --noEmit` (the typecheck step of CI) compiles this file: each `@ts-expect-error` below is a
 * wiring the types must refuse, and it turns into a compile error the day the types stop refusing it.
 * The runtime assertions check that the inferred types match what really happens.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Context, Effect, Schema } from "effect"
import {
  type ActionCache,
  artifactNode,
  type ArtifactNodeWith,
  type ArtifactCatalog,
  type Definition,
  execute,
  type ExecuteError,
  executeExperiment,
  layer,
  type ExperimentError,
  type ExperimentServices,
  type ExecutionReport,
  type NodeErrorOf,
  type NodeRequirementsOf,
  type ObjectStore,
  publishNode,
  runExperiment,
  validateNode
} from "../../index.js"
import { ENGINE, publishText } from "./fixtures.js"

/** A service no layer of the package provides. */
class Clock9 extends Context.Tag("test/Clock9")<Clock9, { readonly now: number }>() {}

const usesAnUndeclaredService = artifactNode({
  name: "stamped",
  version: "1",
  configSchema: Schema.Struct({}),
  config: {},
  inputs: {},
  outputs: ["data"],
  run: ({ key, name }) =>
    Effect.gen(function*() {
      const clock = yield* Clock9
      const data = yield* publishText(String(clock.now), { type: "text", key, node: name })
      return { data }
    })
})

/** A downstream node that reads its upstream's output by name, typed. */
const reader = <E, R>(source: ArtifactNodeWith<"data", E, R>) =>
  artifactNode({
    name: "reader",
    version: "1",
    configSchema: Schema.Struct({}),
    config: {},
    inputs: { source },
    outputs: ["copy"],
    run: ({ inputs, key, name }) =>
      Effect.gen(function*() {
        expectTypeOf(inputs.source.data.artifactId).toEqualTypeOf<ArtifactId>()
        // @ts-expect-error `source` publishes "data" only
        void inputs.source.trades
        const copy = yield* publishText(inputs.source.data.digest, { type: "text", key, node: name, inputs: [inputs.source.data] })
        return { copy }
      })
  })
type ArtifactId = import("../../index.js").ArtifactId

describe("node types", () => {
  it("a node's requirements reach execute: a service no layer provides is a compile error, not a runtime one", () => {
    const program = execute([reader(usesAnUndeclaredService)], { engine: ENGINE })
    expectTypeOf<Effect.Effect.Context<typeof program>>().toEqualTypeOf<
      Clock9 | ObjectStore | ArtifactCatalog | ActionCache
    >()
    expectTypeOf<Effect.Effect.Success<typeof program>>().toEqualTypeOf<ExecutionReport>()
    // An upstream's requirements are the downstream node's too.
    expectTypeOf<Clock9>().toMatchTypeOf<NodeRequirementsOf<ReturnType<typeof reader<never, Clock9>>>>()

    const withoutClock = program.pipe(Effect.provide(layer({ dir: "/nonexistent/never-opened" })))
    expectTypeOf<Effect.Effect.Context<typeof withoutClock>>().toEqualTypeOf<Clock9>()
    // @ts-expect-error Clock9 is still required: runPromise takes only an effect that needs nothing
    const run = () => Effect.runPromise(withoutClock)
    expect(run).toBeTypeOf("function")
  })

  it("a node wired to an upstream of the wrong outputs does not compile", () => {
    const validate = validateNode({ alerts: [], ohlcv: [], dateRange: { from: "2024-01-01T00:00:00.000Z", to: "2024-01-02T00:00:00.000Z" } })
    expectTypeOf(validate.outputs).toEqualTypeOf<ReadonlyArray<"coverage">>()
    // @ts-expect-error publish takes a simulate node (trades, fills, skips), not validate (coverage)
    const wrong = publishNode({ initialCapital: 1000, bootstrapResamples: 10 }, validate, validate)
    expect(wrong._tag).toBe("ArtifactNode")
    // @ts-expect-error reader takes an upstream publishing "data"; validate publishes "coverage"
    expect(reader(validate)._tag).toBe("ArtifactNode")
  })

  it("execute's error channel is the nodes' errors plus the executor's own", () => {
    const program = execute([usesAnUndeclaredService], { engine: ENGINE })
    expectTypeOf<Effect.Effect.Error<typeof program>>().toEqualTypeOf<
      ExecuteError<NodeErrorOf<typeof usesAnUndeclaredService>>
    >()
  })

  it("the experiment handler depends on ports only and fails only with its declared errors", () => {
    // Inferred from the handler's body (no annotation): the ports, nothing else.
    type Handler = ReturnType<typeof executeExperiment>
    expectTypeOf<Effect.Effect.Context<Handler>>().toEqualTypeOf<ExperimentServices>()
    expectTypeOf<Effect.Effect.Error<Handler>>().toMatchTypeOf<ExperimentError>()
    expectTypeOf(runExperiment).parameter(0).toEqualTypeOf<Definition>()
  })
})
