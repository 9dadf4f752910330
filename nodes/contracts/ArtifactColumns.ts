/**
 * An artifact's data file against its contract's columns, read from the Parquet footer (DESCRIBE
 * reads no data). A manifest can be sound and still name an object of another shape (an alerts file
 * where candles are expected, a file swapped in with a hand-made manifest): every reader of an
 * artifact checks this first, so the failure names the artifact, its type and the column, instead
 * of surfacing as a DuckDB binder error.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Effect, Schema } from "effect"
import { ArtifactCatalog, type ArtifactId } from "../../store/index.js"
import { Duck, type DuckDBError, workspaceConnection } from "../duckdb/index.js"
import type { AnyContract } from "./Contract.js"

/** The data file of `artifactId` does not have the columns of its contract (`type`). */
export class ArtifactSchemaMismatch extends Schema.TaggedError<ArtifactSchemaMismatch>()("ArtifactSchemaMismatch", {
  artifactId: Schema.String,
  type: Schema.String,
  path: Schema.String,
  /** The first column that is missing, of another type, or not in the contract. */
  column: Schema.String,
  problem: Schema.String
}) {
  override get message() {
    return `artifact ${this.artifactId} (${this.type}): its data file ${this.path} does not have the columns of ${this.type}: column ${this.column} ${this.problem}`
  }
}

export interface FileColumn {
  readonly name: string
  readonly type: string
}

/** The first difference between a file's columns and the contract's, or undefined. Pure. */
export const columnMismatch = (
  contract: AnyContract,
  actual: ReadonlyArray<FileColumn>
): { readonly column: string; readonly problem: string } | undefined => {
  const byName = new Map(actual.map((column) => [column.name, column.type]))
  const found = actual.map((column) => column.name).join(", ")
  for (const column of contract.columns) {
    const type = byName.get(column.name)
    if (type === undefined) return { column: column.name, problem: `is missing (the file has: ${found})` }
    if (type !== column.duckdbType) return { column: column.name, problem: `is ${type}, expected ${column.duckdbType}` }
  }
  const expected = new Set(contract.columns.map((column) => column.name))
  const extra = actual.find((column) => !expected.has(column.name))
  if (extra !== undefined) return { column: extra.name, problem: "is not a column of this type" }
  return undefined
}

/** The columns of the Parquet file at `path`, in file order. */
export const parquetColumns = (
  connection: DuckDBConnection,
  path: string
): Effect.Effect<ReadonlyArray<FileColumn>, DuckDBError> =>
  Effect.map(
    Duck.readRowsJson(connection, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))", [Duck.literalPath(path)]),
    (rows) => rows.map((row) => ({ name: String(row.column_name), type: String(row.column_type) }))
  )

/** Fails with ArtifactSchemaMismatch when the file at `path` is not of `contract`'s shape. */
export const checkArtifactColumns = (
  connection: DuckDBConnection,
  contract: AnyContract,
  artifactId: string,
  path: string
): Effect.Effect<void, ArtifactSchemaMismatch | DuckDBError> =>
  Effect.flatMap(parquetColumns(connection, path), (actual) => {
    const mismatch = columnMismatch(contract, actual)
    return mismatch === undefined
      ? Effect.void
      : Effect.fail(new ArtifactSchemaMismatch({ artifactId, type: contract.type, path, ...mismatch }))
  })

/**
 * Artifacts known, in this process, to have a contract's exact columns: written by this process's
 * own row writer, or checked once. An artifact id fixes the object's bytes (its digest is part of
 * the id, and every read verifies the object against that digest first), so the answer for an id
 * and a set of columns never changes: this is a cache of a pure function, and a cold run skips a
 * DESCRIBE — a DuckDB statement and connection — for every table it wrote and reads back, and for
 * every input checked by one node and read by the next. Bounded: cleared when full.
 */
const conforming = new Set<string>()
const CONFORMING_LIMIT = 10_000
const signatures = new WeakMap<AnyContract, string>()

const conformingKey = (artifactId: string, contract: AnyContract): string => {
  let signature = signatures.get(contract)
  if (signature === undefined) {
    signature = contract.columns.map((column) => `${column.name} ${column.duckdbType}`).join(",")
    signatures.set(contract, signature)
  }
  return `${artifactId}\u0000${signature}`
}

/**
 * Records that the data file of `artifactId` has exactly `contract`'s columns: for a writer that
 * produced it from the contract itself (`publishRows`), or a caller that has just checked it with
 * `checkArtifactColumns` on the artifact's own data path.
 */
export const rememberConforming = (artifactId: string, contract: AnyContract): void => {
  if (conforming.size >= CONFORMING_LIMIT) conforming.clear()
  conforming.add(conformingKey(artifactId, contract))
}

/**
 * The data path of `artifactId` (object present and intact, `ArtifactCatalog.dataPath`) after
 * checking that its columns are `contract`'s (once per process and artifact: `rememberConforming`).
 */
export const contractDataPath = (artifactId: ArtifactId, contract: AnyContract) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const path = yield* catalog.dataPath(artifactId)
    if (conforming.has(conformingKey(artifactId, contract))) return path
    yield* Effect.scoped(
      Effect.flatMap(workspaceConnection, (connection) => checkArtifactColumns(connection, contract, artifactId, path))
    )
    rememberConforming(artifactId, contract)
    return path
  })
