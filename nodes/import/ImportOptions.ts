/**
 * What `importFile` accepts and returns. The options are Schemas so that the CLI (or a JSON
 * definition) can decode them at its boundary.
 */
import { type Effect, Schema } from "effect"

/**
 * How timestamps are written: ISO-8601 text (an offset is applied; none means UTC), epoch seconds,
 * milliseconds or microseconds, or `auto`: numeric values → epoch, unit by magnitude per file
 * (largest |value| < 1e11 → s, < 1e14 → ms, else µs); otherwise ISO. Native Parquet
 * TIMESTAMP/DATE columns need no unit.
 */
export const TsUnit = Schema.Literal("auto", "iso", "s", "ms", "us")
export type TsUnit = typeof TsUnit.Type

export const SourceFormat = Schema.Literal("auto", "csv", "parquet")
export type SourceFormat = typeof SourceFormat.Type

/** CSV delimiters accepted (a fixed set: the delimiter is written into SQL). */
export const Delimiter = Schema.Literal(",", ";", "\t", "|")
export type Delimiter = typeof Delimiter.Type

/**
 * A value given as an option that becomes data or a key (chain, mint, name, logical key): not empty,
 * and no C0 control character other than tab (the same rule as for imported text values).
 */
export const OptionText = Schema.NonEmptyString.pipe(
  Schema.pattern(/^[^\u0000-\u0008\u000a-\u001f]*$/, {
    message: () => "control characters are not allowed (tab is the only one)"
  })
)

const common = {
  /** The source file: CSV (uncompressed) or Parquet. */
  file: Schema.String,
  /** `auto` (default): `.parquet`/`.pq` → Parquet, anything else → CSV. */
  format: Schema.optional(SourceFormat),
  /**
   * Column names in file order, for a headerless CSV (or to replace a header, with `header: true`).
   * Mapped like header names; names no contract column uses are ignored.
   */
  columns: Schema.optional(Schema.Array(Schema.String)),
  /** Whether the CSV's first line is a header; default: true unless `columns` is given. */
  header: Schema.optional(Schema.Boolean),
  delimiter: Schema.optional(Delimiter),
  tsUnit: Schema.optional(TsUnit),
  /** The chain, when the file has no chain column. */
  chain: Schema.optional(OptionText),
  /** Overrides the default logical key. */
  logicalKey: Schema.optional(OptionText),
  /** DuckDB threads for the import (default: DuckDB's). */
  threads: Schema.optional(Schema.Int.pipe(Schema.positive()))
}

export const ImportOhlcvOptions = Schema.Struct({
  kind: Schema.Literal("ohlcv"),
  ...common,
  /** The mint (token address or pair symbol, e.g. "BTCUSDT"), when the file has no mint column. */
  mint: Schema.optional(OptionText),
  /**
   * Candle length in seconds. Default: the file's interval_s column (its most common value), else
   * inferred as the most common positive difference between consecutive timestamps of a series
   * (ties: the smaller).
   */
  intervalS: Schema.optional(Schema.Int.pipe(Schema.positive()))
})
export type ImportOhlcvOptions = typeof ImportOhlcvOptions.Type

export const ImportAlertsOptions = Schema.Struct({
  kind: Schema.Literal("alerts"),
  ...common,
  /** Names the default logical key `alerts/<name>` (default: the file name without extension). */
  name: Schema.optional(OptionText)
})
export type ImportAlertsOptions = typeof ImportAlertsOptions.Type

/** What to import; `importFile` also needs the staged output path. */
export const ImportSource = Schema.Union(ImportOhlcvOptions, ImportAlertsOptions)
export type ImportSource = typeof ImportSource.Type

/**
 * Receives progress (`done` of `total` in `unit`) of an import's long steps, in order: "bytes
 * scanned" (CSV only: the pass that finds blank lines), "bytes loaded" (the load into DuckDB),
 * "rows validated" (once the rows passed every check), "rows written" (the canonical Parquet).
 * Each step ends with `total` of `total`; a failed step stops reporting.
 */
export type ImportProgress = (done: number, total: number, unit: string) => Effect.Effect<void>

export type ImportOptions = ImportSource & {
  /** Where the canonical Parquet is written (e.g. an `ObjectStore.scratchPath`). */
  readonly output: string
  /** Progress of the import's steps (see `ImportProgress`); none by default. */
  readonly onProgress?: ImportProgress
}

export const OhlcvQuality = Schema.Struct({
  kind: Schema.Literal("ohlcv"),
  rowCount: Schema.Int,
  /** Distinct (chain, mint) pairs. */
  series: Schema.Int,
  minTs: Schema.NullOr(Schema.String),
  maxTs: Schema.NullOr(Schema.String),
  intervalS: Schema.Int,
  intervalSource: Schema.Literal("option", "column", "inferred"),
  tsUnit: Schema.Literal("iso", "s", "ms", "us", "native"),
  /** Consecutive candles of a series more than one interval apart. */
  gaps: Schema.Int,
  /** Candles absent inside those gaps: Σ (difference / interval − 1). */
  missingCandles: Schema.Int,
  zeroVolume: Schema.Int
})
export type OhlcvQuality = typeof OhlcvQuality.Type

export const AlertsQuality = Schema.Struct({
  kind: Schema.Literal("alerts"),
  rowCount: Schema.Int,
  minTs: Schema.NullOr(Schema.String),
  maxTs: Schema.NullOr(Schema.String),
  tsUnit: Schema.Literal("iso", "s", "ms", "us", "native"),
  chains: Schema.Int,
  mints: Schema.Int,
  callers: Schema.Int,
  withoutCaller: Schema.Int
})
export type AlertsQuality = typeof AlertsQuality.Type

export const ImportQuality = Schema.Union(OhlcvQuality, AlertsQuality)
export type ImportQuality = typeof ImportQuality.Type

export interface ImportResult {
  /** The canonical Parquet written (the `output` option). */
  readonly file: string
  readonly type: string
  readonly schemaVersion: number
  readonly logicalKey: string
  readonly rowCount: number
  /** ISO-8601 UTC with µs (`2023-03-01T00:00:00.000000Z`); null when there are no rows. */
  readonly minTs: string | null
  readonly maxTs: string | null
  /** Not errors: a summary for the manifest's metadata. */
  readonly quality: ImportQuality
}
