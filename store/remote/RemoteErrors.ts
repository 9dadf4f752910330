/** Failures of the remote tier's configuration and keys. */
import { Schema } from "effect"

/** A value that would become part of a remote key is not a digest or an artifact id. */
export class InvalidRemoteKey extends Schema.TaggedError<InvalidRemoteKey>()("InvalidRemoteKey", {
  value: Schema.String,
  expected: Schema.String
}) {
  override get message() {
    return `not a remote key part: ${JSON.stringify(this.value.slice(0, 80))} (expected ${this.expected})`
  }
}

/** `--remote` is not of the form s3://bucket[/prefix]. */
export class InvalidRemoteUrl extends Schema.TaggedError<InvalidRemoteUrl>()("InvalidRemoteUrl", {
  url: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `invalid remote ${JSON.stringify(this.url.slice(0, 120))}: ${this.reason}`
  }
}
