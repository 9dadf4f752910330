/**
 * Resources shared by several `execute` calls (docs/DESIGN.md §3).
 *
 * Without a session, each `execute` acquires the resources its running nodes need into its own
 * scope and releases them when it ends. With one (`ExecuteOptions.resources`), a resource whose key
 * the session already holds is reused: the first call that needs it acquires it into the session's
 * scope, later calls share the value, and it is released once, when the session's scope closes
 * (whatever the exit: success, failure, interruption).
 *
 * The session stores values only. A failed (or interrupted) acquisition fails the call that made
 * it with that call's own error, and leaves nothing behind: the next call that needs the resource
 * acquires it again (and fails again, honestly, if it still cannot be built). So the session is
 * independent of the error and environment types of the calls that share it.
 */
import { Deferred, Effect, Exit, FiberId, Option, Scope } from "effect"
import type { Digest } from "../store/Digest.js"
import type { AnyNode } from "./Node.js"

export interface ResourceSession {
  /** Whether the session keeps this resource node (else a run acquires it for itself, as without one). */
  readonly holds: (node: AnyNode) => boolean
  /**
   * The resource `key`: on first use, `acquire` runs in the calling fiber with the session's scope
   * (where it registers its release); afterwards every caller gets the value it produced. Callers
   * asking while an acquisition is in progress wait for it; if it fails, one of them acquires anew.
   */
  readonly share: <E, R>(
    key: Digest,
    acquire: (scope: Scope.Scope) => Effect.Effect<unknown, E, R>
  ) => Effect.Effect<unknown, E, R>
}

export interface ResourceSessionOptions {
  /** The resource nodes the session keeps; default every one. */
  readonly only?: ReadonlyArray<AnyNode>
}

/** A session whose resources live until the enclosing scope closes. */
export const makeResourceSession = (options: ResourceSessionOptions = {}): Effect.Effect<ResourceSession, never, Scope.Scope> =>
  Effect.map(Effect.scope, (scope) => {
    const only = options.only === undefined ? undefined : new Set<AnyNode>(options.only)
    const holds = (node: AnyNode) => only === undefined || only.has(node)
    // Some(value) once acquired; None when the acquisition failed (the entry is gone by then).
    const entries = new Map<Digest, Deferred.Deferred<Option.Option<unknown>>>()
    const share = <E, R>(
      key: Digest,
      acquire: (scope: Scope.Scope) => Effect.Effect<unknown, E, R>
    ): Effect.Effect<unknown, E, R> =>
      // Synchronous from lookup to registration: no other fiber can claim the key in between.
      Effect.suspend(() => {
        const existing = entries.get(key)
        if (existing !== undefined) {
          return Effect.flatMap(
            Deferred.await(existing),
            Option.match({ onSome: (value) => Effect.succeed(value), onNone: () => share(key, acquire) })
          )
        }
        const mine = Deferred.unsafeMake<Option.Option<unknown>>(FiberId.none)
        entries.set(key, mine)
        return acquire(scope).pipe(
          Effect.onExit((exit) =>
            Effect.suspend(() => {
              if (Exit.isSuccess(exit)) return Deferred.succeed(mine, Option.some(exit.value))
              entries.delete(key)
              return Deferred.succeed(mine, Option.none())
            })
          )
        )
      })
    return { holds, share }
  })
