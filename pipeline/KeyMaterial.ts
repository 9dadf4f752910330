/**
 * Key material: everything that can change a node's output, in one explicit structure
 * (docs/DESIGN.md §3; DVC's and Turborepo's single hashable struct). The key is
 * `blake3(canonical(material))`.
 *
 * Inputs enter by *output digest* when the upstream result is known, so an upstream rerun that
 * reproduces the same bytes leaves this key unchanged (early cutoff). A resource enters by its key
 * (it has no bytes). In a dry run an upstream that would run has no digests yet: it enters as
 * `{ pending: <upstream key> }`, which can never equal a real material.
 */
import { Effect } from "effect"
import { canonicalDigest, type CanonicalEncodingError } from "../store/Canonical.js"
import type { Digest } from "../store/Digest.js"
import { type GraphNode, isNodeList, keyInputsOf } from "./Node.js"
import type { NodeConfigInvalid } from "./PipelineError.js"

/** What one upstream node contributes to a downstream key. */
export type InputMaterial =
  | { readonly outputs: { readonly [output: string]: Digest } }
  | { readonly resource: Digest }
  | { readonly pending: Digest }

export interface KeyMaterial {
  readonly node: string
  readonly nodeVersion: string
  /** Versions of the code that computes outputs (package, DuckDB, …): supplied by the caller. */
  readonly engine: { readonly [component: string]: string }
  readonly config: unknown
  readonly seed: number | null
  readonly inputs: { readonly [name: string]: InputMaterial | ReadonlyArray<InputMaterial> }
}

export const makeMaterial = <E, R>(
  node: GraphNode<E, R>,
  options: {
    readonly engine: KeyMaterial["engine"]
    readonly seed: number | undefined
    readonly inputOf: (upstream: GraphNode<E, R>) => InputMaterial
  }
): Effect.Effect<KeyMaterial, NodeConfigInvalid> =>
  Effect.map(node.encodedConfig, (config) => {
    const inputs: Record<string, InputMaterial | ReadonlyArray<InputMaterial>> = {}
    // A resource's order-only inputs enter as its other inputs do: by name, sorted with them.
    const keyInputs = keyInputsOf(node)
    for (const name of Object.keys(keyInputs).sort()) {
      const input = keyInputs[name]!
      inputs[name] = isNodeList(input) ? input.map(options.inputOf) : options.inputOf(input)
    }
    return {
      node: node.name,
      nodeVersion: node.version,
      engine: options.engine,
      config,
      seed: node.seeded ? (options.seed ?? null) : null,
      inputs
    }
  })

export const keyOf = (material: KeyMaterial): Effect.Effect<Digest, CanonicalEncodingError> => canonicalDigest(material)
