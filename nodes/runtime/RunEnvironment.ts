/**
 * What version of the computing code produced an output: the package version and the linked
 * DuckDB build enter every node key (docs/DESIGN.md §3); git commit + dirty flag go into provenance
 * only (a dirty tree must not invalidate every cache).
 *
 * The git state is the caller's to supply (the CLI asks git): library code reads no environment.
 */
import { Context, Effect, Layer } from "effect"
import type { GitInfo, Provenance } from "../../store/index.js"
import { Duck } from "../duckdb/index.js"

/** Keep equal to package.json's version (a test checks it). */
export const PACKAGE_VERSION = "0.1.0"

export interface RunEnvironmentShape {
  /** The git state, read when a provenance is recorded (so a caller may still be finding it out). */
  readonly git: Effect.Effect<GitInfo>
}

export class RunEnvironment extends Context.Tag("pipeline/nodes/RunEnvironment")<RunEnvironment, RunEnvironmentShape>() {
  /** A known git state, or an effect that finds it (run once per recorded provenance: memoise it). */
  static readonly layer = (git: GitInfo | Effect.Effect<GitInfo>) =>
    Layer.succeed(RunEnvironment, { git: Effect.isEffect(git) ? git : Effect.succeed(git) })
  /** For tests and library users who do not track code versions. */
  static readonly unknown = RunEnvironment.layer({ commit: null, dirty: false })
}

/** The `engine` part of every key. */
export const engineVersions = Effect.map(Duck.duckdbVersion, (duckdb) => ({ pipeline: PACKAGE_VERSION, duckdb }))

/** Provenance stamped on every published artifact. */
export const currentProvenance = Effect.gen(function*() {
  const environment = yield* RunEnvironment
  const duckdbVersion = yield* Duck.duckdbVersion
  const git = yield* environment.git
  const provenance: Provenance = { engineVersion: PACKAGE_VERSION, duckdbVersion, git }
  return provenance
})
