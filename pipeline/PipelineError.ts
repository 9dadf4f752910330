/** Failures of the executor itself (node bodies fail with their own tagged errors). */
import { Schema } from "effect"

export class CycleDetected extends Schema.TaggedError<CycleDetected>()("CycleDetected", {
  path: Schema.Array(Schema.String)
}) {
  override get message() {
    return `the node graph has a cycle: ${this.path.join(" → ")}`
  }
}

/** A node's config could not be encoded with its own Schema (so it cannot be keyed). */
export class NodeConfigInvalid extends Schema.TaggedError<NodeConfigInvalid>()("NodeConfigInvalid", {
  node: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `config of node ${this.node} is invalid: ${this.detail}`
  }
}

/** A node body returned outputs other than the ones it declared. */
export class NodeOutputMismatch extends Schema.TaggedError<NodeOutputMismatch>()("NodeOutputMismatch", {
  node: Schema.String,
  expected: Schema.Array(Schema.String),
  actual: Schema.Array(Schema.String)
}) {
  override get message() {
    return `node ${this.node} returned outputs [${this.actual.join(", ")}], declared [${this.expected.join(", ")}]`
  }
}

export type PipelineError = CycleDetected | NodeConfigInvalid | NodeOutputMismatch
