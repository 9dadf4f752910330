/**
 * Reading a sweep's batch artifacts (metrics rows, daily pnl, window statistics) back into one map
 * per kind, each artifact once: a sweep whose batches are evaluated elsewhere reads each one as it
 * arrives, then asks for all of them (those read already cost nothing; one being read is waited for).
 */
import { Effect } from "effect"
import type { ArtifactCatalog, ArtifactId, Digest, OutputRef } from "../../../store/index.js"
import type { ColumnDef, Contract, JsRowOf } from "../../contracts/index.js"
import { readRows } from "../../parquet/index.js"

export const batchArtifactReader = <Cols extends ReadonlyArray<ColumnDef>, K, V>(
  catalog: typeof ArtifactCatalog.Service,
  contract: Contract<Cols>,
  add: (into: Map<K, V>, rows: ReadonlyArray<JsRowOf<Cols>>) => void
) =>
  Effect.gen(function*() {
    const into = new Map<K, V>()
    const readOne = yield* Effect.cachedFunction((artifactId: ArtifactId) =>
      Effect.flatMap(catalog.dataPath(artifactId), (path) => Effect.map(readRows(contract, path), (rows) => add(into, rows))))
    return {
      /** Reads one artifact into the map (once). */
      readOne,
      /** Reads every artifact `refs` point at (each once) and answers the map. */
      readAll: (refs: ReadonlyMap<Digest, OutputRef>) =>
        Effect.as(
          Effect.forEach([...new Set([...refs.values()].map((ref) => ref.artifactId))].sort(), readOne, { concurrency: 2, discard: true }),
          into
        )
    }
  })
