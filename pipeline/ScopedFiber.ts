/**
 * `Effect.scoped` whose scope is closed on a fiber of its own.
 *
 * A finalizer that `acquireRelease` registered on one fiber and that runs on another (a resource
 * acquired by a node's fiber into a run's or a session's scope, released when the caller closes
 * that scope) makes Effect set the closing fiber's FiberRefs from the acquiring fiber's and patch
 * them back afterwards (effect 3.x, `addFinalizer`): the values are restored, but the closing
 * fiber keeps the acquiring fiber's FiberRef stack under its own, with the contexts it held —
 * among them the closed scope, whose exit retains the run's report, outputs and resources (a
 * sweep's projection: every candle). On a long-lived fiber (a notebook, `pipeline worker`) that
 * grew by one projection per sweep. Closed on a forked fiber, the stack dies with that fiber: the
 * caller only joins its result, and `join` merges FiberRef values, not stacks.
 *
 * Interruption is unchanged: interrupting the caller interrupts the fiber and waits until its
 * scope has closed.
 */
import { Effect, type Exit, Fiber, Scope } from "effect"

export const scopedInOwnFiber = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Scope.Scope>> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.fork(restore(Effect.scoped(effect))), (fiber) =>
      Effect.onInterrupt(restore(Fiber.join(fiber)), () => Fiber.interrupt(fiber)))
  )

/**
 * `Scope.close` on a fiber of its own, for a scope closed by hand (one kept across calls): the
 * caller keeps nothing of the fibers that registered its finalizers. Uninterruptible, as closing is.
 */
export const closeInOwnFiber = (scope: Scope.CloseableScope, exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> =>
  Effect.uninterruptible(Effect.flatMap(Effect.fork(Scope.close(scope, exit)), Fiber.join))
