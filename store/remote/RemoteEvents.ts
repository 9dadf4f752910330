/**
 * What the remote tier reports without failing: a downloaded byte that does not hash to its name
 * (never served; the node recomputes), an unreachable remote (the run goes on locally), an upload
 * that stopped before its entry was written. The library never prints: the CLI provides a sink
 * that writes these to stderr; tests collect them.
 */
import { Context, Effect, Layer } from "effect"

export interface RemoteWarning {
  /** `corrupt`: bytes or a record that do not match their digest or id; `unavailable`: a failed request; `incomplete`: an upload stopped before its entry. */
  readonly kind: "corrupt" | "unavailable" | "incomplete"
  /** The remote key or the action key concerned. */
  readonly subject: string
  readonly detail: string
}

export const formatRemoteWarning = (warning: RemoteWarning): string =>
  `remote: ${warning.kind === "corrupt" ? "corrupt" : warning.kind === "unavailable" ? "unavailable" : "upload incomplete"} ${warning.subject}: ${warning.detail}`

export interface RemoteEventsShape {
  readonly warn: (warning: RemoteWarning) => Effect.Effect<void>
}

export class RemoteEvents extends Context.Tag("pipeline/store/RemoteEvents")<RemoteEvents, RemoteEventsShape>() {
  /** Warnings dropped. */
  static layerSilent: Layer.Layer<RemoteEvents> = Layer.succeed(RemoteEvents, { warn: () => Effect.void })
  /** Warnings handed to `onWarning` (the CLI prints them; tests push them to an array). */
  static layer = (onWarning: (warning: RemoteWarning) => void): Layer.Layer<RemoteEvents> =>
    Layer.succeed(RemoteEvents, { warn: (warning) => Effect.sync(() => onWarning(warning)) })
}
