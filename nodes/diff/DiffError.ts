/** Why one side of `pipeline diff` cannot be compared. */
import { Schema } from "effect"

/** The experiment has no completed run, or its latest completed run recorded no trades/metrics. */
export class DiffSideUnavailable extends Schema.TaggedError<DiffSideUnavailable>()("DiffSideUnavailable", {
  ref: Schema.String,
  experimentId: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot diff ${this.ref} (experiment ${this.experimentId}): ${this.reason}`
  }
}
