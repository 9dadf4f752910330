/**
 * Nodes: typed values describing one step of a DAG (DESIGN.md §3).
 *
 * A node is built by a plain function call — `artifactNode({...})` or `resourceNode({...})` — with
 * its upstream nodes as values, so TypeScript infers what `run`/`acquire` receive. Nothing runs when
 * a node is built; the executor decides what runs.
 *
 * - An *artifact node* publishes artifacts and is cached in the action cache under its key.
 * - A *resource node* produces a scoped value (e.g. a DuckDB projection). It is never persisted; it
 *   is acquired only when some consumer misses the cache, shared by every consumer in the run, and
 *   released when the run's scope closes.
 */
import type { Effect, Schema, Scope } from "effect"
import type { ArtifactId, ArtifactManifest } from "../store/ArtifactCatalog.js"
import type { Digest } from "../store/Digest.js"

/** What a downstream node receives for one output of an upstream artifact node. */
export interface ResolvedArtifact {
  readonly artifactId: ArtifactId
  readonly digest: Digest
}

export type ResolvedOutputs<O extends string> = { readonly [K in O]: ResolvedArtifact }

/** Context handed to a node's body. */
export interface NodeContext<Config, Inputs> {
  readonly config: Config
  readonly inputs: Inputs
  /** The run seed when the node declared `seeded: true`, else undefined. */
  readonly seed: number | undefined
  /** This node's key: goes into `producedBy` of every artifact it publishes. */
  readonly key: Digest
  readonly name: string
  /** Reports progress (items done of total) through the executor's event stream. */
  readonly progress: (done: number, total: number, unit?: string) => Effect.Effect<void>
}

interface NodeCommon<Config, ConfigEncoded> {
  /** Stable node name; part of the key. */
  readonly name: string
  /** Bump when the node's code changes its output for the same inputs; part of the key. */
  readonly version: string
  readonly configSchema: Schema.Schema<Config, ConfigEncoded>
  /** The decoded config; the key holds its Schema-encoded form, so defaults are explicit. */
  readonly config: Config
  /** Whether the run seed enters this node's key and context. Unseeded nodes ignore seed changes. */
  readonly seeded: boolean
  /**
   * Who this node is across runs, for `explain`'s "what changed since last time"
   * (e.g. "ladder-baseline/simulate"). Defaults to `name`.
   */
  readonly identity: string
}

/**
 * Any artifact node publishing the outputs `O`, whatever its inputs and config: the parameter type
 * of a reusable node builder (`(source: ArtifactNodeWith<"alerts", E, R>) => artifactNode({…})`),
 * whose body then reads `inputs.source.alerts` fully typed.
 */
export type ArtifactNodeWith<O extends string, E = never, R = never> = ArtifactNode<O, any, E, R, any>

export type AnyNode = ArtifactNode<string, any, any, any, any> | ResourceNode<any, any, any, any, any>
export type InputSpec = { readonly [name: string]: AnyNode | ReadonlyArray<AnyNode> }

type ResolvedNode<N> =
  N extends ArtifactNode<infer O, any, any, any, any> ? ResolvedOutputs<O>
  : N extends ResourceNode<infer A, any, any, any, any> ? A
  : never

export type ResolvedInputs<I extends InputSpec> = {
  readonly [K in keyof I]: I[K] extends ReadonlyArray<infer N> ? ReadonlyArray<ResolvedNode<N>> : ResolvedNode<I[K]>
}

type NodeError<N> = N extends ArtifactNode<any, any, infer E, any, any> ? E
  : N extends ResourceNode<any, any, infer E, any, any> ? E
  : never
type NodeRequirements<N> = N extends ArtifactNode<any, any, any, infer R, any> ? R
  : N extends ResourceNode<any, any, any, infer R, any> ? R
  : never
type Flatten<I extends InputSpec> = { [K in keyof I]: I[K] extends ReadonlyArray<infer N> ? N : I[K] }[keyof I]
/** Errors of every node upstream of (and including) a node: the executor may surface any of them. */
export type InputsError<I extends InputSpec> = NodeError<Flatten<I>>
export type InputsRequirements<I extends InputSpec> = NodeRequirements<Flatten<I>>

export interface ArtifactNode<O extends string, I extends InputSpec, E, R, Config = unknown>
  extends NodeCommon<Config, any>
{
  readonly _tag: "ArtifactNode"
  readonly inputs: I
  /** Names of the artifacts `run` returns; checked by the executor. */
  readonly outputs: ReadonlyArray<O>
  readonly run: (
    context: NodeContext<Config, ResolvedInputs<I>>
  ) => Effect.Effect<{ readonly [K in O]: ArtifactManifest }, E, R>
}

export interface ResourceNode<A, I extends InputSpec, E, R, Config = unknown> extends NodeCommon<Config, any> {
  readonly _tag: "ResourceNode"
  readonly inputs: I
  readonly acquire: (context: NodeContext<Config, ResolvedInputs<I>>) => Effect.Effect<A, E, R | Scope.Scope>
}

interface ArtifactNodeOptions<O extends string, I extends InputSpec, E, R, Config, ConfigEncoded> {
  readonly name: string
  readonly version: string
  readonly configSchema: Schema.Schema<Config, ConfigEncoded>
  readonly config: Config
  readonly seeded?: boolean
  readonly identity?: string
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
  seeded: false,
  identity: options.name,
  ...options
})

interface ResourceNodeOptions<A, I extends InputSpec, E, R, Config, ConfigEncoded> {
  readonly name: string
  readonly version: string
  readonly configSchema: Schema.Schema<Config, ConfigEncoded>
  readonly config: Config
  readonly identity?: string
  readonly inputs: I
  readonly acquire: (context: NodeContext<Config, ResolvedInputs<I>>) => Effect.Effect<A, E, R | Scope.Scope>
}

/** Builds a resource node. Resources are never seeded: randomness belongs in cached nodes. */
export const resourceNode = <A, I extends InputSpec, E, R, Config, ConfigEncoded>(
  options: ResourceNodeOptions<A, I, E, R, Config, ConfigEncoded>
): ResourceNode<A, I, E | InputsError<I>, Exclude<R, Scope.Scope> | InputsRequirements<I>, Config> =>
  ({ _tag: "ResourceNode", seeded: false, identity: options.name, ...options }) as ResourceNode<
    A,
    I,
    E | InputsError<I>,
    Exclude<R, Scope.Scope> | InputsRequirements<I>,
    Config
  >

/** Direct upstream nodes of a node, in a stable order (input names sorted, arrays in order). */
export const upstreamOf = (node: AnyNode): ReadonlyArray<AnyNode> =>
  Object.keys(node.inputs)
    .sort()
    .flatMap((name) => {
      const input = node.inputs[name]!
      return Array.isArray(input) ? input : [input as AnyNode]
    })
