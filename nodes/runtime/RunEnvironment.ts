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
  readonly git: GitInfo
}

export class RunEnvironment extends Context.Tag("pipeline/nodes/RunEnvironment")<RunEnvironment, RunEnvironmentShape>() {
  static readonly layer = (git: GitInfo) => Layer.succeed(RunEnvironment, { git })
  /** For tests and library users who do not track code versions. */
  static readonly unknown = Layer.succeed(RunEnvironment, { git: { commit: null, dirty: false } })
}

/** The `engine` part of every key. */
export const engineVersions = Effect.map(Duck.duckdbVersion, (duckdb) => ({ pipeline: PACKAGE_VERSION, duckdb }))

/** Provenance stamped on every published artifact. */
export const currentProvenance = Effect.gen(function*() {
  const { git } = yield* RunEnvironment
  const duckdbVersion = yield* Duck.duckdbVersion
  const provenance: Provenance = { engineVersion: PACKAGE_VERSION, duckdbVersion, git }
  return provenance
})
