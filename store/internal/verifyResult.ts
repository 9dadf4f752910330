import { Effect } from "effect"
import type { VerifyResult } from "../ObjectStore.js"
import { ObjectCorrupt, ObjectNotFound } from "../StoreError.js"

/** `ensureIntact` from `verify`: succeeds only for an intact object. */
export const requireIntact = (result: VerifyResult): Effect.Effect<void, ObjectNotFound | ObjectCorrupt> => {
  switch (result._tag) {
    case "Intact":
      return Effect.void
    case "Missing":
      return Effect.fail(new ObjectNotFound({ digest: result.digest }))
    case "Corrupt":
      return Effect.fail(new ObjectCorrupt({ digest: result.digest, actual: result.actual }))
  }
}
