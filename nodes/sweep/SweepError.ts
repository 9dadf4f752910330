/** Why a sweep cannot run: each names the variant, path or bound concerned. */
import { Schema } from "effect"

const Issue = Schema.Struct({ path: Schema.String, message: Schema.String })

/** A variant (the base strategy with its overrides) fails the strategy's own validation. */
export class SweepVariantInvalid extends Schema.TaggedError<SweepVariantInvalid>()("SweepVariantInvalid", {
  variantId: Schema.String,
  /** The variant's overrides as JSON text. */
  overrides: Schema.String,
  issues: Schema.Array(Issue)
}) {
  override get message() {
    const lines = this.issues.map((issue) => `  ${issue.path === "" ? "<root>" : issue.path}: ${issue.message}`)
    return `sweep variant ${this.variantId} ${this.overrides} is not a valid strategy:\n${lines.join("\n")}`
  }
}

/** The sweep declares more variants than its bound allows. */
export class TooManyVariants extends Schema.TaggedError<TooManyVariants>()("TooManyVariants", {
  declared: Schema.Number,
  limit: Schema.Number,
  detail: Schema.String
}) {
  override get message() {
    return `the sweep declares ${this.declared} variants (${this.detail}), above the limit of ${this.limit} ` +
      `(raise sweep.maxVariants to allow more)`
  }
}

/** A variant id given on the command line names no variant of the sweep. */
export class VariantNotFound extends Schema.TaggedError<VariantNotFound>()("VariantNotFound", {
  variantId: Schema.String,
  experiment: Schema.String,
  candidates: Schema.Array(Schema.String)
}) {
  override get message() {
    return this.candidates.length === 0
      ? `no variant ${this.variantId} in the sweep of ${this.experiment}`
      : `${this.variantId} is ambiguous in the sweep of ${this.experiment}: ${this.candidates.slice(0, 10).join(", ")}`
  }
}

/** An experiment named as a sweep has no `sweep` block. */
export class NotASweep extends Schema.TaggedError<NotASweep>()("NotASweep", { experiment: Schema.String }) {
  override get message() {
    return `${this.experiment} is not a sweep (its definition has no sweep block)`
  }
}

/** A batch given to remote workers failed there for good (its attempts used up): the worker's error. */
export class SweepJobFailed extends Schema.TaggedError<SweepJobFailed>()("SweepJobFailed", {
  job: Schema.String,
  attempts: Schema.Number,
  error: Schema.String
}) {
  override get message() {
    return `sweep batch ${this.job} failed on the workers after ${this.attempts} attempt${this.attempts === 1 ? "" : "s"}: ${this.error}`
  }
}

/** The coordinator of a remote sweep could not share its inputs or fetch a finished batch. */
export class RemoteSweepFailed extends Schema.TaggedError<RemoteSweepFailed>()("RemoteSweepFailed", {
  detail: Schema.String
}) {
  override get message() {
    return `remote sweep: ${this.detail}`
  }
}
