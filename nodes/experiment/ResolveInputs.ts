/**
 * Turns a definition's inputs into artifact ids, before anything is written: explicit ids must
 * exist, selectors must match at least one active artifact of their type. Errors name the field
 * (`inputs.alerts[1]`), so a bad definition changes nothing in the store.
 */
import { Effect, Schema } from "effect"
import { ArtifactCatalog, type ArtifactId } from "../../store/index.js"
import type { Definition, InputRef } from "./Definition.js"
import type { ResolvedInputs } from "./ExperimentDag.js"

export class InputNotResolved extends Schema.TaggedError<InputNotResolved>()("InputNotResolved", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.field}: ${this.reason}`
  }
}

const expectedType = { alerts: "alerts_v1", ohlcv: "ohlcv_slice_v2" } as const

const resolveOne = (role: "alerts" | "ohlcv", ref: InputRef, index: number) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const field = `inputs.${role}[${index}]`
    if (typeof ref === "string") {
      const manifest = yield* catalog.get(ref).pipe(
        Effect.catchTag("ArtifactNotFound", (error) =>
          Effect.fail(new InputNotResolved({ field, reason: error.reason === undefined ? `unknown artifact ${ref}` : error.message })))
      )
      if (manifest.type !== expectedType[role]) {
        return yield* new InputNotResolved({
          field,
          reason: `artifact ${ref} has type ${manifest.type}, expected ${expectedType[role]}`
        })
      }
      return [manifest.artifactId]
    }
    if (ref.type !== expectedType[role]) {
      return yield* new InputNotResolved({ field: `${field}.type`, reason: `expected ${expectedType[role]}, got ${ref.type}` })
    }
    const found = yield* catalog.list({
      type: ref.type,
      status: "active",
      ...(ref.logicalKeyPrefix !== undefined ? { logicalKeyPrefix: ref.logicalKeyPrefix } : {}),
      ...(ref.tag !== undefined ? { tag: ref.tag } : {})
    })
    if (found.length === 0) {
      return yield* new InputNotResolved({ field, reason: `selector ${JSON.stringify(ref)} matches no active artifact` })
    }
    return found.map((manifest) => manifest.artifactId)
  })

const resolveRole = (role: "alerts" | "ohlcv", refs: ReadonlyArray<InputRef>) =>
  Effect.map(
    Effect.forEach(refs, (ref, index) => resolveOne(role, ref, index)),
    (lists): ReadonlyArray<ArtifactId> => [...new Set(lists.flat())].sort()
  )

/** Resolves catalog inputs (ids and selectors); synthetic inputs are resolved by running their node. */
export const resolveCatalogInputs = (inputs: Extract<Definition["inputs"], { alerts: unknown }>) =>
  Effect.map(
    Effect.all({ alerts: resolveRole("alerts", inputs.alerts), ohlcv: resolveRole("ohlcv", inputs.ohlcv) }),
    (resolved): ResolvedInputs => resolved
  )
