/**
 * The one way experiment nodes publish a table: canonical Parquet written into the store's scratch
 * space → catalog. The scratch file is removed when the scope closes, so an interrupted node
 * leaves no partial artifact; the catalog writes the object before the manifest.
 */
import { Effect } from "effect"
import { type ArtifactId, ArtifactCatalog, ObjectStore } from "../../store/index.js"
import type { AnyContract, ColumnDef, Contract, JsRowOf } from "../contracts/index.js"
import { rememberConforming } from "../contracts/ArtifactColumns.js"
import { writeRows } from "./RowsParquet.js"
import { readBackForm, remember } from "./KnownRows.js"
import { currentProvenance } from "../runtime/RunEnvironment.js"

interface PublishCommon {
  readonly contract: AnyContract
  readonly logicalKey: string
  readonly inputs: ReadonlyArray<ArtifactId>
  readonly producedBy: { readonly node: string; readonly key: string }
  readonly metadata?: Record<string, unknown>
}

export interface PublishFile extends PublishCommon {
  /** A canonical Parquet file in the store's scratch space; moved into the object store. */
  readonly file: string
  readonly rowCount: number
  readonly minTs: string | null
  readonly maxTs: string | null
}

/** Publishes a canonical Parquet file already written in scratch space. */
export const publishFile = (table: PublishFile) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const provenance = yield* currentProvenance
    return yield* catalog.publish({
      file: table.file,
      // The staged file is ours and about to be removed: rename it into the store, don't copy it.
      move: true,
      type: table.contract.type,
      schemaVersion: table.contract.schemaVersion,
      logicalKey: table.logicalKey,
      rowCount: table.rowCount,
      minTs: table.minTs,
      maxTs: table.maxTs,
      inputs: [...new Set(table.inputs)].sort(),
      producedBy: table.producedBy,
      provenance,
      ...(table.metadata ? { metadata: table.metadata } : {})
    })
  })

export interface PublishWritten<E, R> extends PublishCommon {
  /** Writes the canonical Parquet file at `path`. */
  readonly write: (path: string) => Effect.Effect<{ readonly rowCount: number }, E, R>
  readonly minTs: string | null
  readonly maxTs: string | null
}

/** Publishes a Parquet file that `write` produces in scratch space (removed afterwards). */
export const publishWritten = <E, R>(table: PublishWritten<E, R>) =>
  Effect.scoped(
    Effect.gen(function*() {
      const objects = yield* ObjectStore
      const file = yield* objects.scratchPath(".parquet")
      const { rowCount } = yield* table.write(file)
      return yield* publishFile({ ...table, file, rowCount })
    })
  )

export interface PublishRows<Cols extends ReadonlyArray<ColumnDef>> extends Omit<PublishCommon, "contract"> {
  readonly contract: Contract<Cols>
  readonly rows: ReadonlyArray<JsRowOf<Cols>>
  /** Name of the epoch-ms time column for the manifest's minTs/maxTs, if any. */
  readonly timeColumn?: TimeColumnOf<Cols>
}

/** The TIMESTAMP columns of a contract (epoch ms in rows). */
type TimeColumnOf<Cols extends ReadonlyArray<ColumnDef>> = Extract<Cols[number], { readonly duckdbType: "TIMESTAMP" }>["name"]

const isoOrNull = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null)

/**
 * Writes JS rows as canonical Parquet of `contract` into scratch space (removed when the scope
 * closes) and returns the effect that publishes that file. A node publishing several tables stages
 * them all first, then runs the publishes together, so their durable writes happen at the same time
 * and the directory fsyncs they share are made once for all (store/internal/fsOps.ts): the same
 * artifacts as publishing each with `publishRows`.
 */
export const stageRows = <Cols extends ReadonlyArray<ColumnDef>>(table: PublishRows<Cols>) => {
  let minTs = Number.POSITIVE_INFINITY
  let maxTs = Number.NEGATIVE_INFINITY
  const timeColumn = table.timeColumn
  if (timeColumn !== undefined) {
    for (const row of table.rows) {
      const t: unknown = row[timeColumn]
      if (typeof t !== "number") continue
      if (t < minTs) minTs = t
      if (t > maxTs) maxTs = t
    }
  }
  return Effect.gen(function*() {
    const objects = yield* ObjectStore
    const file = yield* objects.scratchPath(".parquet")
    const { rowCount } = yield* writeRows(table.contract, table.rows, file)
    return Effect.map(
      Effect.all([
        publishFile({ ...table, file, rowCount, minTs: isoOrNull(minTs), maxTs: isoOrNull(maxTs) }),
        // The rows' read-back form (KnownRows.ts), computed while the publish waits on its fsyncs.
        Effect.zipRight(Effect.yieldNow(), Effect.sync(() => readBackForm(table.contract, table.rows)))
      ], { concurrency: 2 }),
      ([manifest, readBack]) => {
        // Written from the contract's own DDL: a reader in this process need not DESCRIBE it again,
        // nor read the rows back.
        rememberConforming(manifest.artifactId, table.contract)
        if (readBack !== undefined) remember(manifest.artifactId, readBack)
        return manifest
      }
    )
  })
}

/** Publishes JS rows as canonical Parquet of `contract`. */
export const publishRows = <Cols extends ReadonlyArray<ColumnDef>>(table: PublishRows<Cols>) =>
  Effect.scoped(Effect.flatten(stageRows(table)))
