/**
 * Import: a CSV or Parquet file → one canonical alerts_v1 / ohlcv_slice_v2 Parquet artifact.
 *
 * `importFile` validates every row (in DuckDB SQL, one pass per check over a typed table) and
 * writes the canonical file only when no row fails; `importAndPublish` stages it in the object
 * store's scratch space and publishes it through the ArtifactCatalog.
 *
 * Defaults (all overridable):
 * - header names map case-insensitively (ohlcv: ts ← open_time | timestamp | ts | datetime | time |
 *   date; open|o, high|h, low|l, close|c, volume|vol|v; mint ← mint | token | address | symbol;
 *   alerts: alert_id|id, alert_ts|ts|timestamp|time, chain, mint|token|address|symbol,
 *   caller|source); the first alias present wins; other columns are ignored;
 * - timestamps: `tsUnit` auto (see `TsUnit`), stored as TIMESTAMP µs UTC;
 * - ohlcv interval: option, else the interval_s column, else the most common positive step
 *   between consecutive timestamps; every ts must be aligned to it (epoch-based);
 * - logical keys: ohlcv `chain=<chain>/mint=<mint>/res=<interval>s`, alerts
 *   `alerts/<name | file name without extension>` (`/` and `%` in values percent-encoded);
 * - row numbers in problems are 1-based lines of the CSV, header included (a record spanning
 *   several lines through quoted line ends is named by its first line), or 1-based Parquet rows;
 * - CSV structure: one line ending per file (LF, CR LF or a bare CR, taken from the first line),
 *   records of at most `MAX_LINE_BYTES` (1 MiB), at most `MAX_COLUMNS` (4,096) columns, names a
 *   field looks for appearing once; every record is imported or named in an error (the scan
 *   counts records independently of DuckDB);
 * - timestamps in years 0001–9999 (what the manifest's ISO-8601 minTs/maxTs can state);
 * - text values (alert_id, chain, mint, caller) and the chain, mint, name and logical-key options
 *   may hold no C0 control character but tab (NUL, newline, escape, … are problems, like in
 *   experiment names).
 */
import { Effect } from "effect"
import { stat } from "node:fs/promises"
import { basename } from "node:path"
import { Duck } from "../duckdb/index.js"
import {
  ArtifactCatalog,
  type ArtifactManifest,
  type CatalogError,
  type Provenance
} from "../../store/ArtifactCatalog.js"
import { canonicalDigest, type CanonicalEncodingError } from "../../store/Canonical.js"
import { type FileReadError, hashFile } from "../../store/Digest.js"
import { ObjectStore } from "../../store/ObjectStore.js"
import type { ArtifactNotFound, StoreIOError } from "../../store/StoreError.js"
import { type ImportError, ImportSourceError } from "./ImportError.js"
import type { ImportOptions, ImportProgress, ImportResult, ImportSource } from "./ImportOptions.js"
import { importAlerts } from "./internal/alerts.js"
import { importOhlcv } from "./internal/ohlcv.js"
import { enableQueryProgress } from "./internal/progress.js"
import { inspectSource } from "./internal/source.js"

/** Bumped when the import's output for the same input and options changes. */
export const IMPORT_NODE_VERSION = 1

/**
 * Imports one file into canonical Parquet at `options.output`. Uses a private in-memory DuckDB,
 * closed before the Effect completes (also on failure and interruption). On any failure nothing is
 * left at `output`. Reports the progress of its steps to `options.onProgress` (`ImportProgress`).
 */
export const importFile = (options: ImportOptions): Effect.Effect<ImportResult, ImportError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const db = yield* Duck.openDatabase(Duck.MEMORY, options.threads === undefined ? {} : { threads: options.threads })
      if (options.onProgress !== undefined) yield* enableQueryProgress(db.connection)
      const source = yield* inspectSource(db.connection, options, options.onProgress)
      return options.kind === "ohlcv"
        ? yield* importOhlcv(db.connection, source, options)
        : yield* importAlerts(db.connection, source, options)
    })
  )

export interface ImportAndPublishOptions {
  readonly source: ImportSource
  readonly provenance: Provenance
  readonly tags?: ReadonlyArray<string>
  /** Progress of the import's steps (`ImportProgress`); not part of any key. */
  readonly onProgress?: ImportProgress
}

export interface ImportAndPublishResult {
  readonly manifest: ArtifactManifest
  readonly result: ImportResult
}

export type ImportPublishError =
  | ImportError
  | FileReadError
  | CatalogError
  | ArtifactNotFound
  | CanonicalEncodingError
  | StoreIOError

/** The options that shape the output (paths excluded: they are machine-specific). */
const keyOptions = (source: ImportSource): Record<string, unknown> => {
  const { file: _file, threads: _threads, ...rest } = source
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined))
}

/**
 * Imports into a scratch file of the object store and publishes it as an artifact with
 * producedBy {node: "import", key: blake3(canonical({node, nodeVersion, output digest, options}))}
 * and metadata {quality, source: {name, digest, bytes}}. Publishing the same data twice yields
 * the same artifact id (the catalog is idempotent). Nothing is published when the import fails.
 */
export const importAndPublish = (
  options: ImportAndPublishOptions
): Effect.Effect<ImportAndPublishResult, ImportPublishError, ArtifactCatalog | ObjectStore> =>
  Effect.scoped(
    Effect.gen(function* () {
      const objects = yield* ObjectStore
      const catalog = yield* ArtifactCatalog
      const output = yield* objects.scratchPath(".parquet")
      const result = yield* importFile({
        ...options.source,
        output,
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress })
      })
      const digest = yield* hashFile(output)
      const sourceDigest = yield* hashFile(options.source.file)
      const sourceBytes = yield* Effect.tryPromise({
        try: () => stat(options.source.file),
        catch: (cause) => new ImportSourceError({ file: options.source.file, reason: String(cause) })
      }).pipe(Effect.map((info) => info.size))
      const key = yield* canonicalDigest({
        node: "import",
        nodeVersion: IMPORT_NODE_VERSION,
        output: digest,
        options: keyOptions(options.source)
      })
      const manifest = yield* catalog.publish({
        file: output,
        move: true,
        type: result.type,
        schemaVersion: result.schemaVersion,
        logicalKey: result.logicalKey,
        rowCount: result.rowCount,
        minTs: result.minTs,
        maxTs: result.maxTs,
        inputs: [],
        producedBy: { node: "import", key },
        provenance: options.provenance,
        ...(options.tags === undefined ? {} : { tags: options.tags }),
        metadata: {
          quality: result.quality,
          source: { name: basename(options.source.file), digest: sourceDigest, bytes: sourceBytes }
        }
      })
      return { manifest, result }
    })
  )
