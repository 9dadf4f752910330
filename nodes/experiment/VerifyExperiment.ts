/**
 * `verifyExperiment`: reproducibility by hash comparison (docs/DESIGN.md §1, Nix's `build --check`).
 *
 * Every artifact node of the experiment is re-executed bypassing the cache (force mode) *into
 * scratch space*: the store is overlaid (store/Overlay.ts), so recomputed artifacts never land in
 * the real store, and the scratch store is removed when verification ends. Each recomputed output
 * digest is compared with the one the action cache recorded for the same key, and the recorded
 * object in the store is re-hashed in full (no stat cache): stored bytes that no longer hash to the
 * recorded digest are a divergence naming the artifact and its file, even when the recomputed digest
 * equals the recorded one.
 *
 * On a divergence, the two Parquet files are compared with DuckDB while both still exist: rows are
 * numbered in canonical order (the order of the file, which every contract writes sorted), and the
 * first row where any column IS DISTINCT FROM its counterpart is reported with the column name and
 * both values.
 *
 * Keys downstream of a diverged output are new (they hash the recomputed digest), so nothing is
 * recorded for them: they are reported as `unrecorded`, not as identical.
 */
import { Effect, Schema } from "effect"
import type { NodeReport } from "../../pipeline/index.js"
import {
  ArtifactCatalog,
  type ArtifactId,
  type Digest,
  overlayLayer,
  StoreOverlay,
  StoreRoot,
  type VerifyResult
} from "../../store/index.js"
import { Duck, type DuckDBError } from "../duckdb/index.js"
import type { Definition } from "./Definition.js"
import {
  type ExperimentError,
  type ExperimentRunOptions,
  type ExperimentServices,
  runExperiment
} from "./ExecuteExperiment.js"

export interface VerifyRow {
  /** Node name (`simulate`) and identity (`<experiment>/simulate`). */
  readonly node: string
  readonly identity: string
  readonly key: Digest
  readonly output: string
  /** What the action cache recorded for this key; undefined when nothing was recorded. */
  readonly recorded: Digest | undefined
  readonly recomputed: Digest
  /**
   * The recorded object in the main store, re-hashed in full (no stat cache); undefined when nothing
   * was recorded.
   */
  readonly stored: VerifyResult | undefined
  /**
   * The remote holding the recorded object when it is not in the store but remote-backed (a remote
   * hit brought its manifest only): the digests are compared, the remote's bytes are not re-hashed.
   */
  readonly storedOnRemote?: string
  /**
   * The recorded digest is the recomputed one and the stored object still hashes to it (or is
   * remote-backed); null when nothing was recorded (nothing to compare with).
   */
  readonly identical: boolean | null
  readonly recordedArtifactId: ArtifactId | undefined
  readonly recomputedArtifactId: ArtifactId
  /** The recorded artifact's file in the main store (undefined when not recorded or missing). */
  readonly recordedPath: string | undefined
  /** The recomputed file in scratch space: removed when `verifyExperiment` returns. */
  readonly recomputedPath: string | undefined
}

export interface Divergence {
  readonly node: string
  readonly output: string
  /** The recorded artifact (the one the store holds) and the digest it has. */
  readonly artifactId: ArtifactId
  readonly recordedDigest: Digest
  readonly recomputedDigest: Digest
  /**
   * 1-based row in canonical order; null when the schemas differ, when no value differs, or when
   * the recorded file is not in the store.
   */
  readonly row: number | null
  /** The first column (in file order) whose values differ on that row; null for a missing row. */
  readonly column: string | null
  /** Both values as text (DuckDB's VARCHAR rendering; `NULL` for null); null when absent. */
  readonly recordedValue: string | null
  readonly recomputedValue: string | null
  /** One line a user can read: what differs. */
  readonly detail: string
}

export interface VerifyReport {
  readonly experimentId: string
  readonly name: string
  readonly rows: ReadonlyArray<VerifyRow>
  readonly divergences: ReadonlyArray<Divergence>
  /** Outputs with nothing recorded for their key (never run, or downstream of a divergence). */
  readonly unrecorded: number
  /** Every output recorded and identical. */
  readonly ok: boolean
}

/** Verification found differences or had nothing to compare with: exit 1 in the CLI. */
export class VerificationFailed extends Schema.TaggedError<VerificationFailed>()("VerificationFailed", {
  experimentId: Schema.String,
  divergences: Schema.Array(Schema.Struct({
    node: Schema.String,
    output: Schema.String,
    artifactId: Schema.String,
    detail: Schema.String
  })),
  unrecorded: Schema.Array(Schema.String)
}) {
  override get message() {
    const lines = this.divergences.map((d) => `${d.node}.${d.output} (${d.artifactId}) diverged: ${d.detail}`)
    if (this.unrecorded.length > 0) {
      lines.push(
        this.divergences.length > 0
          ? `not comparable (nothing recorded for their new keys): ${this.unrecorded.join(", ")}`
          : `nothing recorded to compare with for ${this.unrecorded.join(", ")}: run the experiment first`
      )
    }
    if (lines.length === 0) lines.push("no output was verified")
    return `verify of experiment ${this.experimentId} failed:\n  ${lines.join("\n  ")}`
  }
}

export const verificationFailure = (report: VerifyReport): VerificationFailed =>
  new VerificationFailed({
    experimentId: report.experimentId,
    divergences: report.divergences.map((d) => ({
      node: d.node,
      output: d.output,
      artifactId: d.artifactId,
      detail: d.detail
    })),
    unrecorded: report.rows.filter((row) => row.identical === null).map((row) => `${row.node}.${row.output}`)
  })

// ---------------------------------------------------------------------------------------------
// First differing row of two Parquet files

export interface RowDifference {
  /** 1-based, in file (canonical) order; null when the schemas differ. */
  readonly row: number | null
  readonly column: string | null
  readonly recorded: string | null
  readonly recomputed: string | null
  readonly detail: string
}

/** Column names come from the files (written by this code base); quoted, never interpolated raw. */
const quote = (name: string) => `"${name.replaceAll(`"`, `""`)}"`
const quoteText = (text: string) => `'${text.replaceAll("'", "''")}'`
const ROW = "__verify_row"

const columnsOf = (conn: Duck.Database["connection"], path: string) =>
  Effect.map(
    Duck.readRowsJson(conn, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))", [Duck.literalPath(path)]),
    (rows) => rows.map((row) => ({ name: String(row.column_name), type: String(row.column_type) }))
  )

const render = (value: unknown): string => (value === null || value === undefined ? "NULL" : String(value))

/**
 * The first row (in canonical order) where the two files differ, and the first column on it whose
 * values are DISTINCT; undefined when every value is the same (the bytes differ elsewhere).
 */
export const firstDifference = (
  recordedPath: string,
  recomputedPath: string
): Effect.Effect<RowDifference | undefined, DuckDBError> =>
  Effect.scoped(
    Effect.gen(function*() {
      const { connection: conn } = yield* Duck.openDatabase(Duck.MEMORY, { threads: 1 })
      const left = yield* columnsOf(conn, recordedPath)
      const right = yield* columnsOf(conn, recomputedPath)
      const schemaDiff = left.findIndex((col, i) => right[i]?.name !== col.name || right[i]?.type !== col.type)
      if (schemaDiff >= 0 || left.length !== right.length) {
        const at = schemaDiff >= 0 ? schemaDiff : left.length
        const a = left[at]
        const b = right[at]
        return {
          row: null,
          column: a?.name ?? b?.name ?? null,
          recorded: a ? `${a.name} ${a.type}` : null,
          recomputed: b ? `${b.name} ${b.type}` : null,
          detail: `the schemas differ at column ${at + 1}: ${a ? `${a.name} ${a.type}` : "(none)"} vs ${
            b ? `${b.name} ${b.type}` : "(none)"
          }`
        } satisfies RowDifference
      }
      const names = left.map((col) => col.name)
      // Every contract writes its rows sorted by its canonical keys, so file order is canonical order.
      const numbered = (param: string) =>
        `SELECT *, file_row_number + 1 AS ${ROW} FROM read_parquet(${param}, file_row_number = true)`
      const firstColumn = names.length === 0
        ? "NULL"
        : `CASE ${names.map((name) => `WHEN a.${quote(name)} IS DISTINCT FROM b.${quote(name)} THEN ${quoteText(name)}`).join(" ")} END`
      const anyDistinct = names.length === 0
        ? "false"
        : names.map((name) => `a.${quote(name)} IS DISTINCT FROM b.${quote(name)}`).join(" OR ")
      const found = yield* Duck.readRowsJson(
        conn,
        `WITH a AS (${numbered("$1")}), b AS (${numbered("$2")})
         SELECT coalesce(a.${ROW}, b.${ROW}) AS row_number,
                a.${ROW} IS NULL AS only_recomputed,
                b.${ROW} IS NULL AS only_recorded,
                ${firstColumn} AS first_column
         FROM a FULL OUTER JOIN b ON a.${ROW} = b.${ROW}
         WHERE a.${ROW} IS NULL OR b.${ROW} IS NULL OR ${anyDistinct}
         ORDER BY row_number
         LIMIT 1`,
        [Duck.literalPath(recordedPath), Duck.literalPath(recomputedPath)]
      )
      const first = found[0]
      if (first === undefined) return undefined
      const row = Number(first.row_number)
      if (first.only_recorded === true || first.only_recomputed === true) {
        const which = first.only_recorded === true ? "recorded" : "recomputed"
        return {
          row,
          column: null,
          recorded: null,
          recomputed: null,
          detail: `row ${row} exists only in the ${which} file`
        } satisfies RowDifference
      }
      const column = String(first.first_column)
      const valueAt = `SELECT CAST(${quote(column)} AS VARCHAR) AS value FROM (${numbered("$1")}) WHERE ${ROW} = $2`
      const [a] = yield* Duck.readRowsJson(conn, valueAt, [recordedPath, row])
      const [b] = yield* Duck.readRowsJson(conn, valueAt, [recomputedPath, row])
      const recorded = render(a?.value)
      const recomputed = render(b?.value)
      return {
        row,
        column,
        recorded,
        recomputed,
        detail: `first difference at row ${row}, column ${column}: recorded ${recorded}, recomputed ${recomputed}`
      } satisfies RowDifference
    })
  )

// ---------------------------------------------------------------------------------------------

export interface VerifyOptions {
  readonly concurrency?: number
  readonly onEvent?: ExperimentRunOptions["onEvent"]
  /** Where the scratch store goes (default: a fresh directory under the store's tmp/). */
  readonly scratchRoot?: string
}

const rowsOf = <E>(
  nodes: ReadonlyArray<NodeReport>,
  paths: {
    readonly recorded: (id: ArtifactId) => Effect.Effect<string | undefined>
    readonly recomputed: (id: ArtifactId) => Effect.Effect<string | undefined>
    /** Re-hashes the recorded object in the main store. */
    readonly stored: (digest: Digest) => Effect.Effect<VerifyResult, E>
    /** The remote said to hold an object the main store does not (`ObjectStore.promisedBy`). */
    readonly promisedBy: (digest: Digest) => Effect.Effect<string | undefined, E>
  }
) =>
  Effect.forEach(
    nodes.filter((node) => node.node.kind === "artifact" && node.outputs !== undefined && node.dedupedWith === undefined),
    (node) =>
      Effect.forEach(Object.keys(node.outputs!).sort(), (output) =>
        Effect.gen(function*() {
          const recomputed = node.outputs![output]!
          const recorded = node.recorded?.[output]
          const stored = recorded === undefined ? undefined : yield* paths.stored(recorded.digest)
          const onRemote = stored?._tag === "Missing" ? yield* paths.promisedBy(stored.digest) : undefined
          const row: VerifyRow = {
            node: node.node.name,
            identity: node.node.identity,
            key: node.key,
            output,
            recorded: recorded?.digest,
            recomputed: recomputed.digest,
            stored,
            ...(onRemote === undefined ? {} : { storedOnRemote: onRemote }),
            identical: recorded === undefined
              ? null
              : recorded.digest === recomputed.digest && (stored?._tag === "Intact" || onRemote !== undefined),
            recordedArtifactId: recorded?.artifactId,
            recomputedArtifactId: recomputed.artifactId,
            recordedPath: recorded === undefined ? undefined : yield* paths.recorded(recorded.artifactId),
            recomputedPath: yield* paths.recomputed(recomputed.artifactId)
          }
          return row
        })),
    { concurrency: 1 }
  ).pipe(Effect.map((rows) => rows.flat()))

/**
 * Re-executes the experiment into scratch space and compares every output with its record.
 * Needs the filesystem store (its `StoreRoot`): the overlay is opened on it for the duration.
 * Never fails because of a divergence: the report says so (see `verificationFailure`).
 */
export const verifyExperiment = (
  definition: Definition,
  definitionEncoded: unknown,
  options: VerifyOptions = {}
): Effect.Effect<VerifyReport, ExperimentError | DuckDBError, ExperimentServices | StoreRoot> =>
  Effect.gen(function*() {
    const { root } = yield* StoreRoot
    const inScratch = Effect.gen(function*() {
      const overlay = yield* StoreOverlay
      const result = yield* runExperiment(definition, definitionEncoded, {
        mode: "force",
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {})
      })
      const pathOr = (effect: Effect.Effect<string, unknown>) => effect.pipe(Effect.orElseSucceed(() => undefined))
      const catalog = yield* ArtifactCatalog
      const rows = yield* rowsOf(result.nodes, {
        recorded: (id) => pathOr(overlay.main.catalog.dataPath(id)),
        recomputed: (id) => pathOr(catalog.dataPath(id)),
        stored: (digest) => overlay.main.objects.verify(digest, { trustStatCache: false }),
        promisedBy: (digest) => overlay.main.objects.promisedBy(digest)
      })
      const divergences: Array<Divergence> = []
      for (const row of rows) {
        if (row.identical !== false) continue
        const base = {
          node: row.node,
          output: row.output,
          artifactId: row.recordedArtifactId!,
          recordedDigest: row.recorded!,
          recomputedDigest: row.recomputed
        }
        if (row.stored !== undefined && row.stored._tag !== "Intact" && row.storedOnRemote === undefined) {
          const file = row.stored._tag === "Corrupt"
            ? yield* overlay.main.objects.path(row.stored.digest).pipe(Effect.orElseSucceed(() => row.stored!.digest))
            : row.stored.digest
          divergences.push({
            ...base,
            row: null,
            column: null,
            recordedValue: null,
            recomputedValue: null,
            detail: row.stored._tag === "Corrupt"
              ? `the stored object ${file} is corrupt: its bytes hash to ${row.stored.actual}, not to the recorded ${row.recorded}` +
                `${row.recorded === row.recomputed ? " (which the recomputation reproduces)" : `; recomputed ${row.recomputed}`}` +
                "; a run of the experiment replaces it"
              : `the stored object ${file} is not in the store (missing, or not a regular file); recomputed ${row.recomputed}`
          })
          continue
        }
        if (row.recordedPath === undefined || row.recomputedPath === undefined) {
          divergences.push({
            ...base,
            row: null,
            column: null,
            recordedValue: null,
            recomputedValue: null,
            detail: `digest ${row.recorded} recorded, ${row.recomputed} recomputed; the recorded file is missing from (or corrupt in) the store`
          })
          continue
        }
        const difference = yield* firstDifference(row.recordedPath, row.recomputedPath)
        divergences.push({
          ...base,
          row: difference?.row ?? null,
          column: difference?.column ?? null,
          recordedValue: difference?.recorded ?? null,
          recomputedValue: difference?.recomputed ?? null,
          detail: difference?.detail ??
            `digest ${row.recorded} recorded, ${row.recomputed} recomputed, yet every row and column is equal (the encoding differs)`
        })
      }
      const unrecorded = rows.filter((row) => row.identical === null).length
      const report: VerifyReport = {
        experimentId: result.experimentId,
        name: result.name,
        rows,
        divergences,
        unrecorded,
        ok: divergences.length === 0 && unrecorded === 0 && rows.length > 0
      }
      return report
    })
    return yield* inScratch.pipe(Effect.provide(overlayLayer(root, options.scratchRoot)))
  })
