import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Ref, Schema } from "effect"
import {
  artifactNode,
  type AnyNode,
  CycleDetected,
  execute,
  type ExecutorEvent,
  explain,
  formatChange
} from "../../pipeline/index.js"
import { StoreMemory } from "../../store/index.js"
import { append, countingResource, ENGINE, hangingConsumer, makeResourceLog, publishText, source } from "./fixtures.js"

const collect = () => {
  const events: Array<ExecutorEvent> = []
  return { events, onEvent: (event: ExecutorEvent) => Effect.sync(() => void events.push(event)) }
}
const started = (events: ReadonlyArray<ExecutorEvent>) =>
  events.filter((e) => e._tag === "Started").map((e) => (e as { node: { name: string } }).node.name).sort()

describe("Executor", () => {
  it.effect("an unchanged DAG's second run executes no node", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const a = source(runs, "hello")
      const b = append(runs, a, " world")
      const first = collect()
      const one = yield* execute([b], { engine: ENGINE, onEvent: first.onEvent })
      expect(one.nodes.map((n) => n.cache)).toEqual(["miss", "miss"])
      expect(yield* Ref.get(runs)).toBe(2)

      const second = collect()
      const two = yield* execute([b], { engine: ENGINE, onEvent: second.onEvent })
      expect(two.nodes.map((n) => n.cache)).toEqual(["hit", "hit"])
      expect(started(second.events)).toEqual([])
      expect(yield* Ref.get(runs)).toBe(2)
      expect(two.of(b).outputs).toEqual(one.of(b).outputs)
      expect(two.of(b).key).toBe(one.of(b).key)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("a changed config reruns that node and its dependents only", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const a = source(runs, "hello")
      const b = append(runs, a, " world", "b")
      const c = append(runs, b, "!", "c")
      const other = append(runs, a, "?", "other")
      yield* execute([c, other], { engine: ENGINE })
      expect(yield* Ref.get(runs)).toBe(4)

      // Change b's config: b and c rerun; a and other stay cached.
      const b2 = append(runs, a, " there", "b")
      const c2 = append(runs, b2, "!", "c")
      const events = collect()
      const report = yield* execute([c2, other], { engine: ENGINE, onEvent: events.onEvent })
      expect(started(events.events)).toEqual(["b", "c"])
      expect(report.of(a).cache).toBe("hit")
      expect(report.of(other).cache).toBe("hit")
      expect(report.of(c2).cache).toBe("miss")
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("an upstream rerun with identical output bytes leaves downstream cached (early cutoff)", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const a = source(runs, "hello", { caseInsensitive: true })
      const b = append(runs, a, "!")
      const first = yield* execute([b], { engine: ENGINE })

      // Different config (so a new key for a), same output bytes ("HELLO" lower-cased is "hello").
      const a2 = source(runs, "HELLO", { caseInsensitive: true })
      const b2 = append(runs, a2, "!")
      const events = collect()
      const second = yield* execute([b2], { engine: ENGINE, onEvent: events.onEvent })
      expect(started(events.events)).toEqual(["source"])
      expect(second.of(a2).key).not.toBe(first.of(a).key)
      expect(second.of(a2).outputs!.data.digest).toBe(first.of(a).outputs!.data.digest)
      expect(second.of(b2).cache).toBe("hit")
      expect(second.of(b2).key).toBe(first.of(b).key)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("the seed enters only seeded nodes' keys", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const a = source(runs, "x")
      const seeded = artifactNode({
        name: "seeded",
        version: "1",
        configSchema: Schema.Struct({}),
        config: {},
        seeded: true,
        inputs: { a },
        outputs: ["data"],
        run: ({ seed, key }) =>
          Effect.map(publishText(`seed=${seed}`, { type: "text", key, node: "seeded" }), (data) => ({ data }))
      })
      const one = yield* execute([seeded], { engine: ENGINE, seed: 1 })
      const two = yield* execute([seeded], { engine: ENGINE, seed: 2 })
      expect(two.of(a).cache).toBe("hit")
      expect(two.of(a).material.seed).toBeNull()
      expect(two.of(seeded).cache).toBe("miss")
      expect(two.of(seeded).material.seed).toBe(2)
      expect(two.of(seeded).outputs!.data.digest).not.toBe(one.of(seeded).outputs!.data.digest)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("nodes with identical keys run once", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const a1 = source(runs, "same")
      const a2 = source(runs, "same")
      const b1 = append(runs, a1, "1", "b1")
      const b2 = append(runs, a2, "2", "b2")
      const report = yield* execute([b1, b2], { engine: ENGINE })
      expect(yield* Ref.get(runs)).toBe(3)
      expect(report.of(a1).key).toBe(report.of(a2).key)
      expect([report.of(a1).dedupedWith, report.of(a2).dedupedWith].filter(Boolean)).toHaveLength(1)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("a cycle is a clear error naming the nodes", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const a = source(runs, "x")
      const b = append(runs, a, "1", "b")
      const c = append(runs, b, "2", "c")
      // Nodes are immutable values; a cycle needs a deliberate mutation.
      ;(b.inputs as { upstream: AnyNode }).upstream = c
      const error = yield* Effect.flip(execute([c], { engine: ENGINE }))
      expect(error).toBeInstanceOf(CycleDetected)
      expect((error as CycleDetected).path).toEqual(["c", "b", "c"])
      expect(yield* Ref.get(runs)).toBe(0)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.live("concurrency bounds how many node bodies run at once", () =>
    Effect.gen(function*() {
      for (const concurrency of [1, 3]) {
        const running = yield* Ref.make(0)
        const peak = yield* Ref.make(0)
        const leaf = (i: number) =>
          artifactNode({
            name: `leaf${i}`,
            version: "1",
            configSchema: Schema.Struct({ i: Schema.Number, c: Schema.Number }),
            config: { i, c: concurrency },
            inputs: {},
            outputs: ["data"],
            run: ({ key, name }) =>
              Effect.gen(function*() {
                const now = yield* Ref.updateAndGet(running, (n) => n + 1)
                yield* Ref.update(peak, (p) => Math.max(p, now))
                yield* Effect.sleep("5 millis")
                yield* Ref.update(running, (n) => n - 1)
                return { data: yield* publishText(name, { type: "text", key, node: name }) }
              })
          })
        yield* execute([0, 1, 2, 3, 4, 5].map(leaf), { engine: ENGINE, concurrency })
        expect(yield* Ref.get(peak)).toBe(concurrency)
      }
    }).pipe(Effect.provide(StoreMemory.layer)))

  describe("resources", () => {
    it.effect("acquired once for several consumers and released once on success", () =>
      Effect.gen(function*() {
        const runs = yield* Ref.make(0)
        const log = yield* makeResourceLog
        const a = source(runs, "x")
        const resource = countingResource(log, a)
        const consumer = (suffix: string) =>
          artifactNode({
            name: `consumer${suffix}`,
            version: "1",
            configSchema: Schema.Struct({}),
            config: {},
            inputs: { resource },
            outputs: ["data"],
            run: ({ inputs, key, name }) =>
              Effect.gen(function*() {
                expect(inputs.resource).toEqual({ handle: "resource-value" })
                expect(yield* Ref.get(log.released)).toBe(0)
                return { data: yield* publishText(name, { type: "text", key, node: name }) }
              })
          })
        const report = yield* execute([consumer("1"), consumer("2")], { engine: ENGINE })
        expect(yield* Ref.get(log.acquired)).toBe(1)
        expect(yield* Ref.get(log.released)).toBe(1)
        expect(report.of(resource).acquired).toBe(true)

        // Every consumer hits: the resource is not acquired at all.
        const again = yield* execute([consumer("1"), consumer("2")], { engine: ENGINE })
        expect(yield* Ref.get(log.acquired)).toBe(1)
        expect(again.of(resource).acquired).toBe(false)
      }).pipe(Effect.provide(StoreMemory.layer)))

    it.effect("released once when a consumer fails", () =>
      Effect.gen(function*() {
        const runs = yield* Ref.make(0)
        const log = yield* makeResourceLog
        const resource = countingResource(log, source(runs, "x"))
        const failing = artifactNode({
          name: "failing",
          version: "1",
          configSchema: Schema.Struct({}),
          config: {},
          inputs: { resource },
          outputs: ["data"],
          run: () => Effect.fail({ _tag: "Boom" as const })
        })
        const events = collect()
        const exit = yield* Effect.exit(execute([failing], { engine: ENGINE, onEvent: events.onEvent }))
        expect(Exit.isFailure(exit)).toBe(true)
        expect(yield* Ref.get(log.acquired)).toBe(1)
        expect(yield* Ref.get(log.released)).toBe(1)
        expect(events.events.some((e) => e._tag === "Failed" && e.node.name === "failing")).toBe(true)
      }).pipe(Effect.provide(StoreMemory.layer)))

    it.live("released once when the run is interrupted", () =>
      Effect.gen(function*() {
        const runs = yield* Ref.make(0)
        const log = yield* makeResourceLog
        const resource = countingResource(log, source(runs, "x"))
        const entered = yield* Deferred.make<void>()
        const hanging = hangingConsumer(resource, entered)
        const fiber = yield* Effect.fork(execute([hanging], { engine: ENGINE }))
        yield* Deferred.await(entered)
        expect(yield* Ref.get(log.released)).toBe(0)
        yield* Fiber.interrupt(fiber)
        expect(yield* Ref.get(log.acquired)).toBe(1)
        expect(yield* Ref.get(log.released)).toBe(1)
      }).pipe(Effect.provide(StoreMemory.layer)))
  })

  it.effect("a dry run executes, acquires and records nothing", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const log = yield* makeResourceLog
      const a = source(runs, "x")
      const resource = countingResource(log, a)
      const consumer = artifactNode({
        name: "consumer",
        version: "1",
        configSchema: Schema.Struct({}),
        config: {},
        inputs: { resource },
        outputs: ["data"],
        run: ({ key }) => Effect.map(publishText("c", { type: "text", key, node: "consumer" }), (data) => ({ data }))
      })
      const plan = yield* execute([consumer], { engine: ENGINE, mode: "dryRun" })
      expect(plan.nodes.filter((n) => n.node.kind === "artifact").map((n) => n.cache)).toEqual(["miss", "miss"])
      expect(plan.of(consumer).material.inputs).toEqual({ resource: { resource: plan.of(resource).key } })
      expect(yield* Ref.get(runs)).toBe(0)
      expect(yield* Ref.get(log.acquired)).toBe(0)
      const real = yield* execute([consumer], { engine: ENGINE })
      expect(real.of(consumer).cache).toBe("miss")
      expect(yield* Ref.get(runs)).toBe(1)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("force mode re-executes everything and reports recorded vs recomputed digests", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const counter = yield* Ref.make(0)
      const a = source(runs, "stable")
      // Not deterministic on purpose: its output changes every time it runs.
      const flaky = artifactNode({
        name: "flaky",
        version: "1",
        configSchema: Schema.Struct({}),
        config: {},
        inputs: { a },
        outputs: ["data"],
        run: ({ key }) =>
          Effect.gen(function*() {
            const n = yield* Ref.updateAndGet(counter, (x) => x + 1)
            return { data: yield* publishText(`run ${n}`, { type: "text", key, node: "flaky" }) }
          })
      })
      yield* execute([flaky], { engine: ENGINE })
      const events = collect()
      const forced = yield* execute([flaky], { engine: ENGINE, mode: "force", onEvent: events.onEvent })
      const verified = events.events.filter((e) => e._tag === "Verified")
      expect(verified).toHaveLength(2)
      const byNode = Object.fromEntries(
        verified.map((e) => [e.node.name, (e as Extract<ExecutorEvent, { _tag: "Verified" }>).outputs[0]!])
      )
      expect(byNode.source!.recorded).toBe(byNode.source!.recomputed)
      expect(byNode.flaky!.recorded).toBeDefined()
      expect(byNode.flaky!.recorded).not.toBe(byNode.flaky!.recomputed)
      expect(forced.of(flaky).recorded!.data!.digest).toBe(byNode.flaky!.recorded)
      // Force mode records nothing: a normal run afterwards still hits the original entry.
      const after = yield* execute([flaky], { engine: ENGINE })
      expect(after.of(flaky).cache).toBe("hit")
      expect(after.of(flaky).outputs!.data.digest).toBe(byNode.flaky!.recorded)
    }).pipe(Effect.provide(StoreMemory.layer)))

  it.effect("explain names exactly the fields that changed since the last run of the same identity", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const a = source(runs, "hello")
      yield* execute([append(runs, a, "!")], { engine: ENGINE })
      const explained = yield* explain([append(runs, a, "?")], { engine: ENGINE })
      const appendNode = explained.find((e) => e.report.node.name === "append")!
      expect(appendNode.changes.map(formatChange)).toEqual(["config.suffix: ! → ?"])
      expect(explained.find((e) => e.report.node.name === "source")!.changes).toEqual([])
      expect(yield* Ref.get(runs)).toBe(2)

      const upstreamChanged = yield* explain([append(runs, source(runs, "bye"), "!")], { engine: ENGINE })
      const sourceNode = upstreamChanged.find((e) => e.report.node.name === "source")!
      expect(sourceNode.changes.map(formatChange)).toEqual(["config.text: hello → bye"])
      const downstream = upstreamChanged.find((e) => e.report.node.name === "append")!
      expect(downstream.changes.map((c) => c.path)).toEqual(["inputs.upstream.outputs", "inputs.upstream.pending"])
    }).pipe(Effect.provide(StoreMemory.layer)))
})
