/**
 * The DAG executor (docs/DESIGN.md §3).
 *
 * Keys are computed bottom-up as upstream results become known; each artifact node is looked up in
 * the action cache and runs only on a miss. Node bodies run under a semaphore (bounded concurrency);
 * nodes whose keys are identical run once. Resource nodes are acquired lazily — only when a
 * consumer actually runs, or when the resource is itself a target — into the run's scope, so they
 * are released exactly once when `execute` ends, whatever the exit (success, failure,
 * interruption); or, with a resource session, into the session's scope, shared by the calls that
 * use it (ResourceSession.ts). A resource target with a session is how a caller builds a resource
 * ahead of the call that will use it.
 *
 * Modes: `normal` (cache, run misses, record); `dryRun` (plan only: nothing runs, nothing is
 * acquired or written); `force` (re-execute every artifact node bypassing the cache and compare
 * output digests with the recorded entry — what `pipeline verify` builds on; records nothing).
 */
import { Cause, Clock, Deferred, Effect, Exit, Fiber, Option, Scope } from "effect"
import type { ActionEntry, MissReason, OutputRef } from "../store/ActionCache.js"
import { ActionCache } from "../store/ActionCache.js"
import type { CanonicalEncodingError } from "../store/Canonical.js"
import type { Digest } from "../store/Digest.js"
import type { StoreIOError } from "../store/StoreError.js"
import type { ExecutorEvent, NodeRef } from "./ExecutorEvent.js"
import { type InputMaterial, type KeyMaterial, keyOf, makeMaterial } from "./KeyMaterial.js"
import type { AcquireContext, AnyNode, ArtifactGraphNode, BodyContext, GraphNode, ResolvedArtifact, ResourceGraphNode } from "./Node.js"
import { isNodeList, nodesOf, upstreamOf } from "./Node.js"
import { CycleDetected, type NodeConfigInvalid, NodeOutputMismatch } from "./PipelineError.js"
import type { ResourceSession } from "./ResourceSession.js"
import { scopedInOwnFiber } from "./ScopedFiber.js"

export type ExecutionMode = "normal" | "dryRun" | "force"

export interface ExecuteOptions {
  /** Versions of the computing code; enters every key. */
  readonly engine: { readonly [component: string]: string }
  /** Run seed for nodes declared `seeded`. */
  readonly seed?: number
  /** Node bodies running at once (default 2). Lookups and key computation are not limited. */
  readonly concurrency?: number
  readonly mode?: ExecutionMode
  readonly onEvent?: (event: ExecutorEvent) => Effect.Effect<void>
  /**
   * Resources shared with other calls (`makeResourceSession`): one the session holds is reused
   * (not acquired, no ResourceAcquired, reported `acquired: false`); one this call acquires lives
   * until the session's scope closes. Without it, resources live for this call only.
   */
  readonly resources?: ResourceSession
}

export type CacheStatus = "hit" | "miss" | "resource"

export interface NodeReport {
  readonly node: NodeRef & { readonly kind: "artifact" | "resource" }
  readonly key: Digest
  readonly material: KeyMaterial
  /** `hit`/`miss` for artifact nodes; `resource` for resource nodes. */
  readonly cache: CacheStatus
  readonly reason?: MissReason | { readonly _tag: "Forced" }
  /**
   * Body time for a run (after its inputs are resolved: a resource it needed reports its own build
   * time), the build time of an acquired resource, 0 for a hit or a resource not acquired.
   */
  readonly durationMs: number
  /** Undefined for a miss in a dry run (nothing ran) and for resource nodes. */
  readonly outputs?: { readonly [name: string]: ResolvedArtifact }
  /** Force mode: what the action cache had recorded for the same key, if anything. */
  readonly recorded?: { readonly [name: string]: OutputRef }
  /** Resource nodes: whether this run acquired it (false when it reused a session's). */
  readonly acquired?: boolean
  /** Another node of the run had the identical key; this one reused its result. */
  readonly dedupedWith?: string
}

export interface ExecutionReport {
  /** Every node of the DAG, in topological order. */
  readonly nodes: ReadonlyArray<NodeReport>
  /** The report of one node of the DAG (by identity of the node value). */
  readonly of: (node: AnyNode) => NodeReport
}

/** Topological order of everything reachable from `targets`, inputs first; fails on a cycle. */
export const topologicalOrder = <E, R>(
  targets: ReadonlyArray<GraphNode<E, R>>
): Effect.Effect<ReadonlyArray<GraphNode<E, R>>, CycleDetected> =>
  Effect.suspend(() => {
    const order: Array<GraphNode<E, R>> = []
    const done = new Set<GraphNode<E, R>>()
    const onPath: Array<GraphNode<E, R>> = []
    const visit = (node: GraphNode<E, R>): CycleDetected | undefined => {
      if (done.has(node)) return undefined
      const at = onPath.indexOf(node)
      if (at >= 0) return new CycleDetected({ path: [...onPath.slice(at), node].map((n) => n.identity) })
      onPath.push(node)
      for (const upstream of upstreamOf(node)) {
        const cycle = visit(upstream)
        if (cycle) return cycle
      }
      onPath.pop()
      done.add(node)
      order.push(node)
      return undefined
    }
    for (const target of targets) {
      const cycle = visit(target)
      if (cycle) return Effect.fail(cycle)
    }
    return Effect.succeed(order)
  })

/** Internal result of one node, shared with its consumers. */
type Outcome<E, R> =
  | {
    readonly kind: "artifact"
    readonly report: NodeReport
  }
  | {
    readonly kind: "resource"
    readonly report: NodeReport
    /** Acquires on first call (into the run scope); later calls share the value. */
    readonly get: Effect.Effect<unknown, ExecuteError<E>, R>
    readonly wasAcquired: () => boolean
    /** How long the acquisition took (0 when it was not acquired). */
    readonly acquiredMs: () => number
  }

const refOf = (node: AnyNode): NodeRef => ({ name: node.name, identity: node.identity })

const inputMaterialOf = <E, R>(outcome: Outcome<E, R>): InputMaterial => {
  if (outcome.kind === "resource") return { resource: outcome.report.key }
  const outputs = outcome.report.outputs
  if (outputs === undefined) return { pending: outcome.report.key }
  const digests: Record<string, Digest> = {}
  for (const name of Object.keys(outputs).sort()) digests[name] = outputs[name]!.digest
  return { outputs: digests }
}

export type ExecuteError<E> = E | CycleDetected | NodeConfigInvalid | NodeOutputMismatch | CanonicalEncodingError | StoreIOError

/**
 * Runs the DAG that ends in `targets`. Resources acquired during the run are released before the
 * returned effect completes.
 */
export const execute = <E, R>(
  targets: ReadonlyArray<GraphNode<E, R>>,
  options: ExecuteOptions
): Effect.Effect<ExecutionReport, ExecuteError<E>, ActionCache | Exclude<R, Scope.Scope>> =>
  // On a fiber of its own: closing the run's scope there keeps no FiberRef stack in the caller (ScopedFiber.ts).
  scopedInOwnFiber(
    Effect.gen(function*() {
      const cache = yield* ActionCache
      const runScope = yield* Effect.scope
      const mode = options.mode ?? "normal"
      const emit = options.onEvent ?? (() => Effect.void)
      const order = yield* topologicalOrder(targets)
      const permits = yield* Effect.makeSemaphore(Math.max(1, options.concurrency ?? 2))

      const outcomes = new Map<GraphNode<E, R>, Deferred.Deferred<Outcome<E, R>, ExecuteError<E>>>()
      for (const node of order) outcomes.set(node, yield* Deferred.make<Outcome<E, R>, ExecuteError<E>>())
      const byKey = new Map<Digest, { identity: string; result: Deferred.Deferred<Outcome<E, R>, ExecuteError<E>> }>()

      yield* emit({
        _tag: "Planned",
        nodes: order.map((node) => ({ ...refOf(node), kind: node._tag === "ArtifactNode" ? "artifact" : "resource" }))
      })

      const outcomeOf = (node: GraphNode<E, R>) => Deferred.await(outcomes.get(node)!)
      // Per node: true once it is known to run its body (a miss, or forced), false once known not to.
      const runs = new Map<GraphNode<E, R>, Deferred.Deferred<boolean>>()
      for (const node of order) runs.set(node, yield* Deferred.make<boolean>())

      /**
       * Resolved inputs for a body: artifact outputs as they are, resources acquired now. A
       * resource's order-only inputs (`after`) are not among them.
       */
      const resolveInputs = (node: GraphNode<E, R>) =>
        Effect.gen(function*() {
          const resolved: Record<string, unknown> = {}
          for (const name of Object.keys(node.inputs)) {
            const input = node.inputs[name]!
            const one = (upstream: GraphNode<E, R>) =>
              Effect.flatMap(outcomeOf(upstream), (outcome): Effect.Effect<unknown, ExecuteError<E>, R> =>
                outcome.kind === "resource" ? outcome.get : Effect.succeed(outcome.report.outputs))
            resolved[name] = isNodeList(input) ? yield* Effect.forEach(input, one) : yield* one(input)
          }
          return resolved
        })

      const acquireContextFor = (node: GraphNode<E, R>, inputs: Record<string, unknown>): AcquireContext => ({
        inputs,
        seed: node.seeded ? options.seed : undefined,
        name: node.name,
        progress: (done, total, unit = "items") => emit({ _tag: "Progress", node: refOf(node), done, total, unit })
      })
      const contextFor = (node: GraphNode<E, R>, key: Digest, inputs: Record<string, unknown>): BodyContext => ({
        ...acquireContextFor(node, inputs),
        key
      })

      const materialFor = (node: GraphNode<E, R>) =>
        Effect.gen(function*() {
          const upstream = new Map<GraphNode<E, R>, Outcome<E, R>>()
          for (const input of upstreamOf(node)) upstream.set(input, yield* outcomeOf(input))
          const material = yield* makeMaterial(node, {
            engine: options.engine,
            seed: options.seed,
            inputOf: (input) => inputMaterialOf(upstream.get(input)!)
          })
          return { material, key: yield* keyOf(material) }
        })

      /**
       * Starts acquiring a resource with order-only inputs before they finish (docs/DESIGN.md §3,
       * "Order-only inputs"): once every one of them is known to run or has its result, and at least
       * one runs (a miss: its consumers will likely miss too), and a permit is free. The acquisition
       * gets a scope of its own, closed when the run's closes unless a session adopts it; `claim`
       * hands its value over (or its failure: only once the order-only inputs have succeeded) or, if
       * it never started, acquires as usual. `abandon` interrupts and releases it.
       */
      const speculate = (
        node: ResourceGraphNode<E, R>,
        acquireWith: (
          inputs: Record<string, unknown>,
          scope: Scope.Scope
        ) => Effect.Effect<{ readonly value: unknown; readonly ms: number }, ExecuteError<E>, R>
      ) =>
        Effect.gen(function*() {
          const after = nodesOf(node.after)
          if (after.length === 0) return undefined
          const scope = yield* Scope.make()
          let adopted = false
          yield* Scope.addFinalizer(runScope, Effect.suspend(() => (adopted ? Effect.void : Scope.close(scope, Exit.void))))
          const attempt = Effect.gen(function*() {
            const running = yield* Effect.forEach(after, (upstream) => Deferred.await(runs.get(upstream)!))
            if (!running.some((ran) => ran)) return Option.none()
            const inputs = yield* resolveInputs(node)
            return yield* permits.withPermitsIfAvailable(1)(acquireWith(inputs, scope))
          })
          // Added to the run's scope after the finalizer above: interrupted before its scope closes.
          const fiber = yield* Effect.forkIn(Effect.exit(attempt), runScope)
          const abandon = Effect.zipRight(Fiber.interrupt(fiber), Scope.close(scope, Exit.void))
          const claim = (
            into: Scope.Scope,
            acquired: (ms: number) => Effect.Effect<void>,
            otherwise: Effect.Effect<unknown, ExecuteError<E>, R>
          ): Effect.Effect<unknown, ExecuteError<E>, R> =>
            Effect.gen(function*() {
              const started = yield* yield* Fiber.join(fiber)
              if (Option.isNone(started)) return yield* otherwise
              if (into !== runScope) {
                // A session keeps the value: its scope closes the acquisition's.
                adopted = true
                yield* Scope.addFinalizer(into, Scope.close(scope, Exit.void))
              }
              yield* acquired(started.value.ms)
              return started.value.value
            })
          return { claim, abandon }
        })

      const evaluateResource = (node: ResourceGraphNode<E, R>) =>
        Effect.gen(function*() {
          yield* Deferred.succeed(runs.get(node)!, false)
          let acquired = false
          let acquiredMs = 0
          // Known once every input, order-only ones included, has its result.
          let resourceKey: Digest | undefined
          const acquireWith = (inputs: Record<string, unknown>, scope: Scope.Scope) =>
            Effect.gen(function*() {
              const start = yield* Clock.currentTimeMillis
              const value = yield* Scope.extend(
                Effect.zipRight(
                  // Registered first, so it runs after the resource's own release.
                  Effect.addFinalizer(() =>
                    acquired && resourceKey !== undefined
                      ? emit({ _tag: "ResourceReleased", node: refOf(node), key: resourceKey })
                      : Effect.void
                  ),
                  node.acquireBody(acquireContextFor(node, inputs))
                ),
                scope
              )
              const end = yield* Clock.currentTimeMillis
              return { value, ms: end - start }
            })
          const acquiredNow = (key: Digest) => (ms: number) =>
            Effect.suspend(() => {
              acquired = true
              acquiredMs = ms
              return emit({ _tag: "ResourceAcquired", node: refOf(node), key, durationMs: ms })
            })
          const acquireInto = (key: Digest) => (scope: Scope.Scope) =>
            Effect.gen(function*() {
              const start = yield* Clock.currentTimeMillis
              const inputs = yield* resolveInputs(node)
              const { value } = yield* acquireWith(inputs, scope)
              const end = yield* Clock.currentTimeMillis
              yield* acquiredNow(key)(end - start)
              return value
            })

          const speculation = mode === "dryRun" ? undefined : yield* speculate(node, acquireWith)
          const { key, material } = speculation === undefined
            ? yield* materialFor(node)
            // An order-only input failed (or the run is interrupted): nothing of the acquisition stays.
            : yield* Effect.onError(materialFor(node), () => speculation.abandon)
          resourceKey = key
          const acquire = (scope: Scope.Scope) =>
            speculation === undefined ? acquireInto(key)(scope) : speculation.claim(scope, acquiredNow(key), acquireInto(key)(scope))
          const session = options.resources
          const get = yield* Effect.cached(
            session === undefined || !session.holds(node) ? acquire(runScope) : session.share(key, acquire)
          )
          const outcome: Outcome<E, R> = {
            kind: "resource",
            get,
            wasAcquired: () => acquired,
            acquiredMs: () => acquiredMs,
            report: {
              node: { ...refOf(node), kind: "resource" },
              key,
              material,
              cache: "resource",
              durationMs: 0
            }
          }
          return outcome
        })

      const runBody = (node: ArtifactGraphNode<E, R>, key: Digest) =>
        permits.withPermits(1)(
          Effect.gen(function*() {
            // The body's own time: a resource it acquires reports its build time itself.
            const inputs = yield* resolveInputs(node)
            yield* emit({ _tag: "Started", node: refOf(node), key })
            const start = yield* Clock.currentTimeMillis
            const manifests = yield* node.runBody(contextFor(node, key, inputs))
            const end = yield* Clock.currentTimeMillis
            const actual = Object.keys(manifests).sort()
            const expected = [...node.outputs].sort()
            if (actual.join("\u0000") !== expected.join("\u0000")) {
              return yield* new NodeOutputMismatch({ node: node.name, expected, actual })
            }
            const outputs: Record<string, ResolvedArtifact> = {}
            for (const name of expected) {
              const manifest = manifests[name]!
              outputs[name] = { artifactId: manifest.artifactId, digest: manifest.digest }
            }
            return { outputs, durationMs: end - start }
          }).pipe(
            Effect.tapError((error) => emit({ _tag: "Failed", node: refOf(node), key, error }))
          )
        )

      const evaluateArtifact = (node: ArtifactGraphNode<E, R>) =>
        Effect.gen(function*() {
          const { key, material } = yield* materialFor(node)
          const base = { node: { ...refOf(node), kind: "artifact" as const }, key, material }

          const twin = byKey.get(key)
          if (twin !== undefined) {
            const shared = yield* Deferred.await(twin.result)
            const report: NodeReport = { ...shared.report, ...base, cache: "hit", durationMs: 0, dedupedWith: twin.identity }
            return { kind: "artifact", report } satisfies Outcome<E, R>
          }
          const mine = yield* Deferred.make<Outcome<E, R>, ExecuteError<E>>()
          byKey.set(key, { identity: node.identity, result: mine })

          const evaluate = Effect.gen(function*() {
            if (mode === "force") {
              yield* emit({ _tag: "Miss", node: refOf(node), key, reason: { _tag: "Forced" } })
              const recordedEntry = yield* cache.get(key).pipe(Effect.orElseSucceed(() => undefined))
              yield* Deferred.succeed(runs.get(node)!, true)
              const { outputs, durationMs } = yield* runBody(node, key)
              yield* emit({ _tag: "Finished", node: refOf(node), key, durationMs, outputs })
              yield* emit({
                _tag: "Verified",
                node: refOf(node),
                key,
                outputs: Object.keys(outputs).sort().map((output) => ({
                  output,
                  recorded: recordedEntry?.outputs[output]?.digest,
                  recomputed: outputs[output]!.digest
                }))
              })
              const report: NodeReport = {
                ...base,
                cache: "miss",
                reason: { _tag: "Forced" },
                durationMs,
                outputs,
                ...(recordedEntry ? { recorded: recordedEntry.outputs } : {})
              }
              return { kind: "artifact", report } satisfies Outcome<E, R>
            }

            const lookup = yield* cache.lookup(key)
            if (lookup._tag === "Hit") {
              yield* emit({ _tag: "Hit", node: refOf(node), key })
              if (mode === "normal") yield* cache.rememberIdentity({ identity: node.identity, key, material })
              const outputs: Record<string, ResolvedArtifact> = {}
              for (const name of Object.keys(lookup.entry.outputs).sort()) {
                const ref = lookup.entry.outputs[name]!
                outputs[name] = { artifactId: ref.artifactId, digest: ref.digest }
              }
              const report: NodeReport = { ...base, cache: "hit", durationMs: 0, outputs }
              return { kind: "artifact", report } satisfies Outcome<E, R>
            }

            yield* emit({ _tag: "Miss", node: refOf(node), key, reason: lookup.reason })
            if (mode === "dryRun") {
              const report: NodeReport = { ...base, cache: "miss", reason: lookup.reason, durationMs: 0 }
              return { kind: "artifact", report } satisfies Outcome<E, R>
            }

            yield* Deferred.succeed(runs.get(node)!, true)
            const { outputs, durationMs } = yield* runBody(node, key)
            const ranAt = new Date(yield* Clock.currentTimeMillis).toISOString()
            const entry: ActionEntry = { key, node: node.name, material, outputs, ranAt, durationMs }
            // CAS before AC: the body has published (durably) every output before this entry exists.
            // The identity pointer (a hint for explain) is written beside it: neither waits for the other's fsyncs.
            yield* Effect.all([cache.put(entry), cache.rememberIdentity({ identity: node.identity, key, material })], {
              concurrency: 2,
              discard: true
            })
            yield* emit({ _tag: "Finished", node: refOf(node), key, durationMs, outputs })
            const report: NodeReport = { ...base, cache: "miss", reason: lookup.reason, durationMs, outputs }
            return { kind: "artifact", report } satisfies Outcome<E, R>
          })
          return yield* evaluate.pipe(Effect.onExit((exit) => Deferred.done(mine, exit)))
        })

      const evaluate = (node: GraphNode<E, R>): Effect.Effect<Outcome<E, R>, ExecuteError<E>, R | Scope.Scope> =>
        node._tag === "ResourceNode" ? evaluateResource(node) : evaluateArtifact(node)

      // Resource targets are acquired (outside a dry run) even when no consumer of this run needs them.
      const acquiredTargets = new Set<GraphNode<E, R>>(mode === "dryRun" ? [] : targets.filter((node) => node._tag === "ResourceNode"))
      yield* Effect.forEach(
        order,
        (node) =>
          evaluate(node).pipe(
            Effect.onExit((exit) =>
              // A node that ends without having run its body (a hit, a dry run, a failure before it) did not run.
              Effect.zipRight(Deferred.succeed(runs.get(node)!, false), Deferred.done(outcomes.get(node)!, exit))
            ),
            Effect.flatMap((outcome) => (outcome.kind === "resource" && acquiredTargets.has(node) ? outcome.get : Effect.void))
          ),
        { concurrency: "unbounded", discard: true }
      )

      const reports = new Map<AnyNode, NodeReport>()
      for (const node of order) {
        const outcome = yield* outcomeOf(node)
        const report = outcome.kind === "resource"
          ? { ...outcome.report, acquired: outcome.wasAcquired(), durationMs: outcome.acquiredMs() }
          : outcome.report
        reports.set(node, report)
      }
      const report: ExecutionReport = {
        nodes: order.map((node) => reports.get(node)!),
        of: (node) => {
          const found = reports.get(node)
          if (found === undefined) throw new Error(`node ${node.identity} is not part of this execution`)
          return found
        }
      }
      return report
    })
  )

/** True when the exit is an interruption only (used by callers to record `cancelled`). */
export const isInterruptOnly = <A, E>(exit: Exit.Exit<A, E>): boolean =>
  // Not `cause._tag === "Interrupt"`: interrupting concurrent fibers gives Sequential/Parallel
  // compositions of Interrupt (and Empty) causes.
  Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
