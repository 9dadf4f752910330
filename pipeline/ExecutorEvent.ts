/** The executor's event stream: what the CLI renders and tests assert on. */
import type { MissReason } from "../store/ActionCache.js"
import type { Digest } from "../store/Digest.js"
import type { ResolvedArtifact } from "./Node.js"

export interface NodeRef {
  readonly name: string
  readonly identity: string
}

export type ExecutorEvent =
  | { readonly _tag: "Planned"; readonly nodes: ReadonlyArray<NodeRef & { readonly kind: "artifact" | "resource" }> }
  | { readonly _tag: "Hit"; readonly node: NodeRef; readonly key: Digest }
  | { readonly _tag: "Miss"; readonly node: NodeRef; readonly key: Digest; readonly reason: MissReason | { readonly _tag: "Forced" } }
  | { readonly _tag: "Started"; readonly node: NodeRef; readonly key: Digest }
  | {
    readonly _tag: "Progress"
    readonly node: NodeRef
    readonly done: number
    readonly total: number
    readonly unit: string
  }
  | {
    readonly _tag: "Finished"
    readonly node: NodeRef
    readonly key: Digest
    readonly durationMs: number
    readonly outputs: { readonly [name: string]: ResolvedArtifact }
  }
  | { readonly _tag: "Failed"; readonly node: NodeRef; readonly key: Digest | undefined; readonly error: unknown }
  | { readonly _tag: "ResourceAcquired"; readonly node: NodeRef; readonly key: Digest; readonly durationMs: number }
  | { readonly _tag: "ResourceReleased"; readonly node: NodeRef; readonly key: Digest }
  | {
    readonly _tag: "Verified"
    readonly node: NodeRef
    readonly key: Digest
    readonly outputs: ReadonlyArray<{
      readonly output: string
      readonly recorded: Digest | undefined
      readonly recomputed: Digest
    }>
  }
