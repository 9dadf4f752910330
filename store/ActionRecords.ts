/** The action cache's records: entries, group entries, identity pointers, and a lookup's outcome. */
import { Schema } from "effect"
import { ArtifactId } from "./ArtifactRecords.js"
import { Digest } from "./Digest.js"

export const OutputRef = Schema.Struct({ artifactId: ArtifactId, digest: Digest })
export type OutputRef = typeof OutputRef.Type

export const ActionEntry = Schema.Struct({
  key: Digest,
  node: Schema.String,
  /** The decoded key material (canonical JSON as a value). */
  material: Schema.Unknown,
  outputs: Schema.Record({ key: Schema.String, value: OutputRef }),
  ranAt: Schema.String,
  durationMs: Schema.NonNegative
})
export type ActionEntry = typeof ActionEntry.Type

/**
 * A group entry: one durable record for many keys that share their outputs — a sweep batch, whose
 * one artifact holds a row per variant. Written once per batch (one fsync pair instead of one per
 * key); each member key reads as cached while the group's outputs are sound.
 */
export const GroupEntry = Schema.Struct({
  key: Digest,
  node: Schema.String,
  members: Schema.Array(Digest),
  outputs: Schema.Record({ key: Schema.String, value: OutputRef }),
  ranAt: Schema.String,
  durationMs: Schema.NonNegative
})
export type GroupEntry = typeof GroupEntry.Type

export type MissReason =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "ArtifactMissing"; readonly output: string; readonly artifactId: string }
  | { readonly _tag: "ObjectMissing"; readonly output: string; readonly digest: string }
  | { readonly _tag: "ObjectCorrupt"; readonly output: string; readonly digest: string }
  | { readonly _tag: "EntryMalformed"; readonly detail: string }

export type Lookup =
  | { readonly _tag: "Hit"; readonly entry: ActionEntry }
  | { readonly _tag: "Miss"; readonly reason: MissReason }

/** The last key computed for a node identity (e.g. "experiment ladder-baseline / simulate"). */
export const IdentityPointer = Schema.Struct({ identity: Schema.String, key: Digest, material: Schema.Unknown })
export type IdentityPointer = typeof IdentityPointer.Type
