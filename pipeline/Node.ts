/**
 * Nodes: typed values describing one step of a DAG (docs/DESIGN.md §3).
 *
 * A node is built by a plain function call — `artifactNode({...})` or `resourceNode({...})` — with
 * its upstream nodes as values, so TypeScript infers what `run`/`acquire` receive. Nothing runs when
 * a node is built; the executor decides what runs.
 *
 * - An *artifact node* publishes artifacts and is cached in the action cache under its key.
 * - A *resource node* produces a scoped value (e.g. a DuckDB projection). It is never persisted; it
 *   is acquired only when some consumer misses the cache, shared by every consumer in the run, and
 *   released when the run's scope closes. Its `after` inputs are order-only: they enter its key and
 *   must succeed before its value is used, but the acquisition reads nothing of them, so it may
 *   start while they still run (docs/DESIGN.md §3, "Order-only inputs").
 */
import { Effect, Schema, type Scope } from "effect"
import type { ArtifactId, ArtifactManifest } from "../store/ArtifactCatalog.js"
import type { Digest } from "../store/Digest.js"
import { NodeConfigInvalid } from "./PipelineError.js"

/** What a downstream node receives for one output of an upstream artifact node. */
export interface ResolvedArtifact {
  readonly artifactId: ArtifactId
  readonly digest: Digest
}

export type ResolvedOutputs<O extends string> = { readonly [K in O]: ResolvedArtifact }

/** What the executor hands a node's body; the node adds its own config and typed inputs. */
export interface BodyContext {
  /** Each input resolved: an upstream artifact node's outputs, an upstream resource's value. */
  readonly inputs: { readonly [name: string]: unknown }
  /** The run seed when the node declared `seeded: true`, else undefined. */
  readonly seed: number | undefined
  /** This node's key: goes into `producedBy` of every artifact it publishes. */
  readonly key: Digest
  readonly name: string
  /** Reports progress (items done of total) through the executor's event stream. */
  readonly progress: (done: number, total: number, unit?: string) => Effect.Effect<void>
}

/**
 * What the executor hands a resource's acquisition: no key. A resource publishes nothing, and its
 * key is not known yet when the acquisition starts before an order-only input has finished.
 */
export type AcquireContext = Omit<BodyContext, "key">

/** Context handed to a node's `run`. */
export interface NodeContext<Config, Inputs> extends Omit<BodyContext, "inputs"> {
  readonly config: Config
  readonly inputs: Inputs
}

/** Context handed to a resource node's `acquire`. */
export interface ResourceContext<Config, Inputs> extends Omit<AcquireContext, "inputs"> {
  readonly config: Config
  readonly inputs: Inputs
}

/**
 * A node as the executor sees it: identity, upstream nodes, the config in its encoded form, and a
 * body with config and inputs bound. `E` and `R` are the errors and requirements of the node and of
 * everything upstream, so a DAG's `execute` infers them from its targets alone.
 */
interface GraphNodeCommon<E, R> {
  /** Stable node name; part of the key. */
  readonly name: string
  /** Bump when the node's code changes its output for the same inputs; part of the key. */
  readonly version: string
  /** Whether the run seed enters this node's key and context. Unseeded nodes ignore seed changes. */
  readonly seeded: boolean
  /**
   * Who this node is across runs, for `explain`'s "what changed since last time"
   * (e.g. "ladder-baseline/simulate"). Defaults to `name`.
   */
  readonly identity: string
  readonly inputs: GraphInputs<E, R>
  /** The config, Schema-encoded: the key holds this form, so defaults are explicit. */
  readonly encodedConfig: Effect.Effect<unknown, NodeConfigInvalid>
}

export type GraphInputs<E, R> = { readonly [name: string]: GraphNode<E, R> | ReadonlyArray<GraphNode<E, R>> }

export interface ArtifactGraphNode<E, R> extends GraphNodeCommon<E, R> {
  readonly _tag: "ArtifactNode"
  /** Names of the artifacts the body returns; checked by the executor. */
  readonly outputs: ReadonlyArray<string>
  readonly runBody: (context: BodyContext) => Effect.Effect<{ readonly [name: string]: ArtifactManifest }, E, R>
}

export interface ResourceGraphNode<E, R> extends GraphNodeCommon<E, R> {
  readonly _tag: "ResourceNode"
  /**
   * Order-only inputs: they enter the key as `inputs` do (by output digest, under their own names)
   * and must succeed before the value is handed to a consumer, but the acquisition does not receive
   * them, so the executor may start it while they run (docs/DESIGN.md §3, "Order-only inputs").
   */
  readonly after: GraphInputs<E, R>
  readonly acquireBody: (context: AcquireContext) => Effect.Effect<unknown, E, R | Scope.Scope>
}

export type GraphNode<E, R> = ArtifactGraphNode<E, R> | ResourceGraphNode<E, R>

/** Any node (every node is one: errors and requirements are covariant). */
export type AnyNode = GraphNode<unknown, unknown>
export type InputSpec = GraphInputs<unknown, unknown>

type ResolvedNode<N> = N extends { readonly _tag: "ArtifactNode"; readonly outputs: ReadonlyArray<infer O extends string> }
  ? ResolvedOutputs<O>
  : N extends { readonly _tag: "ResourceNode"; readonly value: (value: infer A) => void } ? A
  : never

export type ResolvedInputs<I extends InputSpec> = {
  readonly [K in keyof I]: I[K] extends ReadonlyArray<infer N> ? ReadonlyArray<ResolvedNode<N>> : ResolvedNode<I[K]>
}

/** Errors and requirements of a node and everything upstream (carried on the node's type). */
export type NodeErrorOf<N> = N extends { readonly runBody: (context: BodyContext) => Effect.Effect<unknown, infer E, unknown> } ? E
  : N extends { readonly acquireBody: (context: AcquireContext) => Effect.Effect<unknown, infer E, unknown> } ? E
  : never
export type NodeRequirementsOf<N> = N extends
  { readonly runBody: (context: BodyContext) => Effect.Effect<unknown, unknown, infer R> } ? Exclude<R, Scope.Scope>
  : N extends { readonly acquireBody: (context: AcquireContext) => Effect.Effect<unknown, unknown, infer R> } ?
    Exclude<R, Scope.Scope>
  : never

type Flatten<I extends InputSpec> = { [K in keyof I]: I[K] extends ReadonlyArray<infer N> ? N : I[K] }[keyof I]
/** Errors of every node upstream of (and including) a node: the executor may surface any of them. */
export type InputsError<I extends InputSpec> = NodeErrorOf<Flatten<I>>
export type InputsRequirements<I extends InputSpec> = NodeRequirementsOf<Flatten<I>>

interface NodeDeclaration<Config, ConfigEncoded> {
  readonly name: string
  readonly version: string
  readonly configSchema: Schema.Schema<Config, ConfigEncoded>
  /** The decoded config; the key holds its Schema-encoded form, so defaults are explicit. */
  readonly config: Config
  readonly identity?: string
}

export interface ArtifactNode<O extends string, I extends InputSpec, E, R, Config = unknown> {
  readonly _tag: "ArtifactNode"
  readonly name: string
  readonly version: string
  readonly seeded: boolean
  readonly identity: string
  readonly config: Config
  readonly inputs: I
  /** Names of the artifacts the body returns; checked by the executor. */
  readonly outputs: ReadonlyArray<O>
  readonly encodedConfig: Effect.Effect<unknown, NodeConfigInvalid>
  readonly runBody: (context: BodyContext) => Effect.Effect<{ readonly [K in O]: ArtifactManifest }, E, R>
}

/** No inputs: the order-only inputs of a resource node that declares none. */
export type NoInputs = Record<never, never>

export interface ResourceNode<A, I extends InputSpec, E, R, Config = unknown, After extends InputSpec = NoInputs> {
  readonly _tag: "ResourceNode"
  readonly name: string
  readonly version: string
  readonly seeded: boolean
  readonly identity: string
  readonly config: Config
  readonly inputs: I
  /** Order-only inputs (see `ResourceGraphNode.after`). */
  readonly after: After
  readonly encodedConfig: Effect.Effect<unknown, NodeConfigInvalid>
  readonly acquireBody: (context: AcquireContext) => Effect.Effect<A, E, R | Scope.Scope>
  /** Type-level only: the value a downstream node receives (never called). */
  readonly value: (value: A) => void
}

/**
 * Any artifact node publishing the outputs `O`, whatever its inputs and config: the parameter type
 * of a reusable node builder (`(source: ArtifactNodeWith<"alerts", E, R>) => artifactNode({…})`),
 * whose body then reads `inputs.source.alerts` fully typed.
 */
export type ArtifactNodeWith<O extends string, E = never, R = never> = ArtifactNode<O, GraphInputs<E, R>, E, R, unknown>
/** Any resource node whose value is `A` (see `ArtifactNodeWith`). */
export type ResourceNodeWith<A, E = never, R = never> = ResourceNode<A, GraphInputs<E, R>, E, R, unknown, GraphInputs<E, R>>

const encodedConfigOf = <Config, ConfigEncoded>(declaration: NodeDeclaration<Config, ConfigEncoded>) =>
  Schema.encode(declaration.configSchema)(declaration.config).pipe(
    Effect.mapError((error) => new NodeConfigInvalid({ node: declaration.name, detail: error.message }))
  )

/**
 * The executor resolves each input from the node's own `inputs` (an artifact node's outputs, a
 * resource's value), so the record it hands over has the shape `ResolvedInputs<I>` by construction;
 * this is the one place that says so.
 */
const typedInputs = <I extends InputSpec>(inputs: BodyContext["inputs"]): ResolvedInputs<I> =>
  inputs as ResolvedInputs<I>

interface ArtifactNodeOptions<O extends string, I extends InputSpec, E, R, Config, ConfigEncoded>
  extends NodeDeclaration<Config, ConfigEncoded>
{
  readonly seeded?: boolean
  readonly inputs: I
  readonly outputs: ReadonlyArray<O>
  readonly run: (
    context: NodeContext<Config, ResolvedInputs<I>>
  ) => Effect.Effect<{ readonly [K in O]: ArtifactManifest }, E, R>
}

/** Builds an artifact node; its error and requirement types include those of everything upstream. */
export const artifactNode = <O extends string, I extends InputSpec, E, R, Config, ConfigEncoded>(
  options: ArtifactNodeOptions<O, I, E, R, Config, ConfigEncoded>
): ArtifactNode<O, I, E | InputsError<I>, R | InputsRequirements<I>, Config> => ({
  _tag: "ArtifactNode",
  name: options.name,
  version: options.version,
  seeded: options.seeded ?? false,
  identity: options.identity ?? options.name,
  config: options.config,
  inputs: options.inputs,
  outputs: options.outputs,
  encodedConfig: encodedConfigOf(options),
  runBody: (context) => options.run({ ...context, config: options.config, inputs: typedInputs<I>(context.inputs) })
})

/**
 * `after` omitted: `After` is inferred from `after` alone, so it is then its default, `NoInputs`,
 * whose one value is the empty record.
 */
const noInputs = <After extends InputSpec>(): After => ({}) as After

interface ResourceNodeOptions<A, I extends InputSpec, E, R, Config, ConfigEncoded, After extends InputSpec>
  extends NodeDeclaration<Config, ConfigEncoded>
{
  readonly inputs: I
  /**
   * Order-only inputs (`ResourceGraphNode.after`): nodes that must succeed before the value is
   * used, whose outputs the acquisition does not read. Their names must differ from `inputs`'.
   */
  readonly after?: After & { readonly [K in keyof I]?: never }
  readonly acquire: (context: ResourceContext<Config, ResolvedInputs<I>>) => Effect.Effect<A, E, R | Scope.Scope>
}

/** Builds a resource node. Resources are never seeded: randomness belongs in cached nodes. */
export const resourceNode = <A, I extends InputSpec, E, R, Config, ConfigEncoded, After extends InputSpec = NoInputs>(
  options: ResourceNodeOptions<A, I, E, R, Config, ConfigEncoded, After>
): ResourceNode<
  A,
  I,
  E | InputsError<I> | InputsError<After>,
  R | InputsRequirements<I> | InputsRequirements<After>,
  Config,
  After
> => ({
  _tag: "ResourceNode",
  name: options.name,
  version: options.version,
  seeded: false,
  identity: options.identity ?? options.name,
  config: options.config,
  inputs: options.inputs,
  after: options.after ?? noInputs<After>(),
  encodedConfig: encodedConfigOf(options),
  acquireBody: (context) => options.acquire({ ...context, config: options.config, inputs: typedInputs<I>(context.inputs) }),
  value: () => undefined
})

/** Whether an input is a list of nodes (else one node). */
export const isNodeList = <E, R>(input: GraphNode<E, R> | ReadonlyArray<GraphNode<E, R>>): input is ReadonlyArray<GraphNode<E, R>> =>
  Array.isArray(input)

/**
 * Every input that enters a node's key, by name: its `inputs` and, for a resource node, its
 * order-only `after` inputs (the names are distinct: `resourceNode` takes no name twice).
 */
export const keyInputsOf = <E, R>(node: GraphNode<E, R>): GraphInputs<E, R> =>
  node._tag === "ResourceNode" && Object.keys(node.after).length > 0 ? { ...node.inputs, ...node.after } : node.inputs

/** Direct upstream nodes of a node, order-only ones included, in a stable order (names sorted, arrays in order). */
export const upstreamOf = <E, R>(node: GraphNode<E, R>): ReadonlyArray<GraphNode<E, R>> => nodesOf(keyInputsOf(node))

/** The nodes of some inputs, in a stable order (names sorted, arrays in order). */
export const nodesOf = <E, R>(inputs: GraphInputs<E, R>): ReadonlyArray<GraphNode<E, R>> =>
  Object.keys(inputs)
    .sort()
    .flatMap((name) => {
      const input = inputs[name]!
      return isNodeList(input) ? input : [input]
    })
