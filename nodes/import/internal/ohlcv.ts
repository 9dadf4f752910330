/**
 * Import of candles into ohlcv_slice_v2: load, validate every row in SQL, summarize, write.
 *
 * Views over `src` (all SQL text here is fixed; user values travel as parameters or via the
 * one-row `opts` table):
 * - `v`: one row per record with the contract's columns (chain/mint from the file or the options);
 * - `pairs`: each valid row with the previous valid row of its series in file order — a streaming
 *   `lag() OVER ()` when the file holds one series (no sort), else partitioned by (chain, mint).
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Effect } from "effect"
import { OhlcvSliceV2 } from "../../contracts/index.js"
import { writeCanonicalParquet } from "../../parquet/index.js"
import { Duck } from "../../duckdb/index.js"
import { type ImportError, ImportOptionsError, ImportValidationError } from "../ImportError.js"
import type { ImportOhlcvOptions, ImportProgress, ImportResult, OhlcvQuality } from "../ImportOptions.js"
import {
  controlCharacterCheck,
  ISO_MICROS,
  keySegment,
  numberCheck,
  queryProblems,
  refuseControlCharacters,
  resolveTsUnit,
  type RowCheck,
  tsExpression,
  tsProblemMessage,
  tsRangeCheck
} from "./checks.js"
import {
  failMissingColumns,
  type FieldSpec,
  loadSource,
  mapFields,
  refuseDuplicateColumns,
  type SourceInfo,
  tsParseOf
} from "./source.js"
import { ensureEveryRecordRead, failOnProblems, LineMap, readRejects } from "./problems.js"
import { queryProgress, reportDone, withProgress } from "./progress.js"

export const OHLCV_FIELDS: ReadonlyArray<FieldSpec> = [
  { name: "chain", aliases: ["chain"], kind: "varchar" },
  { name: "mint", aliases: ["mint", "token", "address", "symbol"], kind: "varchar" },
  { name: "ts", aliases: ["open_time", "timestamp", "ts", "datetime", "time", "date"], kind: "ts" },
  { name: "interval_s", aliases: ["interval_s", "interval"], kind: "double" },
  { name: "open", aliases: ["open", "o"], kind: "double" },
  { name: "high", aliases: ["high", "h"], kind: "double" },
  { name: "low", aliases: ["low", "l"], kind: "double" },
  { name: "close", aliases: ["close", "c"], kind: "double" },
  { name: "volume", aliases: ["volume", "vol", "v"], kind: "double" }
]

const K = { chain: 0, mint: 1, ts: 2, interval_s: 3, open: 4, high: 5, low: 6, close: 7, volume: 8 } as const
const PRICES = ["open", "high", "low", "close"] as const

/** Relations between prices are checked only when each price is itself valid (no cascades). */
const allPositive = (...fields: ReadonlyArray<string>) => fields.map((f) => `isfinite(${f}) AND ${f} > 0`).join(" AND ")

const optionsError = (file: string, option: string, reason: string) => new ImportOptionsError({ file, option, reason })

export const importOhlcv = (
  conn: DuckDBConnection,
  source: SourceInfo,
  options: ImportOhlcvOptions & { readonly output: string; readonly onProgress?: ImportProgress | undefined }
): Effect.Effect<ImportResult, ImportError> =>
  Effect.gen(function* () {
    const file = source.file
    yield* refuseControlCharacters(file, { chain: options.chain, mint: options.mint, logicalKey: options.logicalKey })
    yield* refuseDuplicateColumns(source, OHLCV_FIELDS)
    const { mapped, missing } = mapFields(source, OHLCV_FIELDS)
    const required = missing.filter(
      (spec) =>
        spec.name !== "interval_s" &&
        !(spec.name === "chain" && options.chain !== undefined) &&
        !(spec.name === "mint" && options.mint !== undefined)
    )
    const needsOption = required.filter((spec) => spec.name === "chain" || spec.name === "mint")
    if (required.length > needsOption.length) {
      return yield* failMissingColumns(source, required.filter((spec) => !needsOption.includes(spec)))
    }
    if (needsOption.length > 0) {
      const spec = needsOption[0]!
      return yield* Effect.fail(
        optionsError(file, spec.name, `the file has no ${spec.name} column (looked for ${spec.aliases.join(", ")}); pass ${spec.name}`)
      )
    }
    const fromFile = (name: string) => mapped.has(name)
    const display = (k: number): string => {
      const spec = OHLCV_FIELDS[k]!
      return mapped.get(spec.name)?.sourceName ?? spec.name
    }

    const tsParse = tsParseOf(source, mapped.get("ts")!, options.tsUnit)
    yield* loadSource(conn, source, [...mapped.values()], tsParse, options.onProgress)
    const rejects = yield* readRejects(conn, source)
    const lineMap = new LineMap(source.firstRecordLine, [...source.blankLines, ...rejects.lines, ...source.continuationLines])
    const lineProblems = [
      ...source.blankLines.map((row) => ({ row, column: null, message: "empty line" })),
      ...rejects.problems
    ]

    yield* Duck.run(conn, "CREATE TEMP TABLE opts AS SELECT $1::VARCHAR AS chain, $2::VARCHAR AS mint", [
      options.chain ?? null,
      options.mint ?? null
    ])
    const unit = yield* resolveTsUnit(conn, file, mapped.get("ts")!, tsParse, options.tsUnit)
    yield* Duck.run(
      conn,
      `CREATE TEMP VIEW v AS SELECT s.rowid AS rid,
         ${fromFile("chain") ? "s.f_chain" : "o.chain"} AS chain, o.chain AS opt_chain,
         ${fromFile("mint") ? "s.f_mint" : "o.mint"} AS mint, o.mint AS opt_mint,
         ${tsExpression("ts", unit)} AS ts, s.n_ts AS ts_num, s.i_ts AS ts_iso, s.r_ts AS ts_raw,
         ${fromFile("interval_s") ? "s.f_interval_s AS interval_file, s.r_interval_s AS interval_file_raw," : ""}
         ${["open", "high", "low", "close", "volume"].map((f) => `s.f_${f} AS ${f}, s.r_${f} AS ${f}_raw`).join(", ")}
       FROM src s CROSS JOIN opts o`
    )

    const counted = yield* Duck.readRowsJson(conn, "SELECT count(*) AS n FROM src")
    yield* ensureEveryRecordRead(source, Number(counted[0]?.n), rejects)
    if (Number(counted[0]?.n) === 0 && lineProblems.length === 0) {
      return yield* Effect.fail(
        new ImportValidationError({ file, problems: [{ row: null, column: null, message: "the file holds no rows" }], totalProblems: 1 })
      )
    }

    const seriesRows = fromFile("chain") || fromFile("mint")
      ? yield* Duck.readRowsJson(
        conn,
        "SELECT count(*) AS n, min(chain) AS chain, min(mint) AS mint FROM (SELECT DISTINCT chain, mint FROM v WHERE chain IS NOT NULL AND mint IS NOT NULL)"
      )
      : [{ n: 1, chain: options.chain!, mint: options.mint! }]
    const series = Number(seriesRows[0]?.n ?? 0)
    const window = series <= 1 ? "OVER ()" : "OVER (PARTITION BY chain, mint ORDER BY rid)"
    yield* Duck.run(
      conn,
      `CREATE TEMP VIEW pairs AS SELECT rid, ts, lag(rid) ${window} AS prev_rid, lag(ts) ${window} AS prev_ts
       FROM (SELECT rid, chain, mint, ts FROM v WHERE ts IS NOT NULL AND chain IS NOT NULL AND mint IS NOT NULL)`
    )
    // One pass over `pairs`: a histogram of steps between consecutive timestamps. It gives the
    // interval (when inferred), the gaps, whether any row is out of order, and a self-check that
    // DuckDB delivered the rows in file order.
    yield* Duck.run(
      conn,
      `CREATE TEMP TABLE steps AS SELECT epoch_us(ts) - epoch_us(prev_ts) AS d, count(*) AS n,
         count(*) FILTER (WHERE prev_rid >= rid) AS scrambled
       FROM pairs WHERE prev_ts IS NOT NULL GROUP BY 1`
    )
    const stepSummary = yield* Duck.readRowsJson(
      conn,
      "SELECT coalesce(sum(scrambled), 0) AS scrambled, coalesce(sum(n) FILTER (WHERE d <= 0), 0) AS disorder FROM steps"
    )
    if (Number(stepSummary[0]?.scrambled) !== 0) {
      return yield* Effect.dieMessage("import: DuckDB did not scan rows in file order")
    }
    const disorder = Number(stepSummary[0]?.disorder) > 0

    // The artifact's interval: the option, else the interval_s column's most common value, else
    // the most common positive step between consecutive timestamps (ties: the smaller).
    let intervalSource: OhlcvQuality["intervalSource"]
    let intervalS: number
    if (options.intervalS !== undefined) {
      intervalSource = "option"
      intervalS = options.intervalS
    } else if (fromFile("interval_s")) {
      intervalSource = "column"
      const rows = yield* Duck.readRowsJson(
        conn,
        "SELECT interval_file AS value FROM v WHERE isfinite(interval_file) GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
      )
      intervalS = Number(rows[0]?.value ?? Number.NaN)
      if (!(Number.isInteger(intervalS) && intervalS > 0 && intervalS <= 2147483647)) {
        return yield* Effect.fail(
          optionsError(file, "intervalS", `the ${display(K.interval_s)} column holds no usable interval; pass intervalS`)
        )
      }
    } else {
      intervalSource = "inferred"
      const rows = yield* Duck.readRowsJson(conn, "SELECT d FROM steps WHERE d > 0 ORDER BY n DESC, d LIMIT 1")
      if (rows.length === 0) {
        return yield* Effect.fail(optionsError(file, "intervalS", "cannot infer the interval (fewer than two ascending timestamps); pass intervalS"))
      }
      const micros = Number(rows[0]!.d)
      if (micros % 1_000_000 !== 0) {
        return yield* Effect.fail(optionsError(file, "intervalS", `the most common step (${micros} µs) is not whole seconds; pass intervalS`))
      }
      intervalS = micros / 1_000_000
    }

    const varcharCheck = (field: "chain" | "mint"): RowCheck => ({
      k: K[field],
      when: `${field} IS NULL OR (opt_${field} IS NOT NULL AND ${field} <> opt_${field})`,
      message: `CASE WHEN ${field} IS NULL THEN 'missing value' ` +
        `ELSE '${field} "' || ${field} || '" differs from the ${field} option "' || opt_${field} || '"' END`
    })
    const checks: Array<RowCheck> = [
      ...(fromFile("chain") ? [varcharCheck("chain")] : []),
      ...(fromFile("mint") ? [varcharCheck("mint")] : []),
      ...(fromFile("chain") ? [controlCharacterCheck(K.chain, "chain")] : []),
      ...(fromFile("mint") ? [controlCharacterCheck(K.mint, "mint")] : []),
      { k: K.ts, when: "ts IS NULL", message: tsProblemMessage("ts", unit) },
      tsRangeCheck(K.ts, "ts"),
      {
        k: K.ts,
        when: "epoch_us(ts) % ($1::BIGINT * 1000000) <> 0",
        message: "'ts ' || ts || ' is not aligned to the ' || $1::INTEGER || ' s interval (mixed intervals?)'"
      },
      ...PRICES.map((f) => numberCheck(K[f], f, `${f} <= 0`, `'must be > 0, got ' || ${f}`)),
      numberCheck(K.volume, "volume", "volume < 0", "'must be >= 0, got ' || volume"),
      {
        k: K.low,
        when: `${allPositive("open", "close", "low")} AND low > least(open, close)`,
        message: "'low ' || low || ' is above min(open, close) ' || least(open, close)"
      },
      {
        k: K.high,
        when: `${allPositive("open", "close", "high")} AND high < greatest(open, close)`,
        message: "'high ' || high || ' is below max(open, close) ' || greatest(open, close)"
      },
      ...(fromFile("interval_s")
        ? [{
          k: K.interval_s,
          when: "interval_file IS NULL OR NOT isfinite(interval_file) OR interval_file <> $1::INTEGER",
          message: "CASE WHEN interval_file IS NULL AND interval_file_raw IS NULL THEN 'missing value' " +
            `WHEN interval_file_raw IS NOT NULL THEN 'not a number: "' || interval_file_raw || '"' ` +
            "ELSE 'interval ' || interval_file || ' differs from the artifact''s interval ' || $1::INTEGER || ' s (one interval per artifact)' END"
        }]
        : [])
    ]
    const orderBranch =
      `SELECT rid, ${K.ts} AS k, CASE WHEN ts = prev_ts THEN 'duplicate ts ' || ts || ' (same as line {line})' ` +
      `ELSE 'ts ' || ts || ' is before the previous row''s ' || prev_ts || ' (line {line}): rows must ascend in time' END AS message, ` +
      `prev_rid AS other_rid FROM pairs WHERE ts <= prev_ts`
    const found = yield* queryProblems(conn, checks, disorder ? [orderBranch] : [], [intervalS], display)
    yield* failOnProblems(source, lineMap, lineProblems, found.problems, found.total)
    yield* reportDone(Number(counted[0]?.n ?? 0), "rows validated", options.onProgress)

    const stats = yield* Duck.readRowsJson(
      conn,
      `SELECT count(*) AS row_count, strftime(min(ts), ${ISO_MICROS}) AS min_ts, strftime(max(ts), ${ISO_MICROS}) AS max_ts,
              count(*) FILTER (WHERE volume = 0) AS zero_volume FROM v`
    )
    const rowCount = Number(stats[0]!.row_count)
    if (series > 1 && options.logicalKey === undefined) {
      return yield* Effect.fail(optionsError(file, "logicalKey", `the file holds ${series} (chain, mint) series; pass logicalKey`))
    }
    const gapRows = yield* Duck.readRowsJson(
      conn,
      `SELECT coalesce(sum(n) FILTER (WHERE d > $1), 0) AS gaps,
              coalesce(sum(n * (d // $1 - 1)) FILTER (WHERE d > $1), 0) AS missing FROM steps`,
      [BigInt(intervalS) * 1_000_000n]
    )
    const chain = String(seriesRows[0]!.chain)
    const mint = String(seriesRows[0]!.mint)
    const logicalKey = options.logicalKey ?? `chain=${keySegment(chain)}/mint=${keySegment(mint)}/res=${intervalS}s`

    yield* withProgress(
      writeCanonicalParquet(
        conn,
        OhlcvSliceV2,
        "SELECT chain, mint, ts, $1::INTEGER AS interval_s, open, high, low, close, CASE WHEN volume = 0 THEN 0.0 ELSE volume END AS volume FROM v",
        [intervalS],
        options.output
      ),
      queryProgress(conn, rowCount),
      rowCount,
      "rows written",
      options.onProgress
    )
    const minTs = stats[0]!.min_ts === null ? null : String(stats[0]!.min_ts)
    const maxTs = stats[0]!.max_ts === null ? null : String(stats[0]!.max_ts)
    const quality: OhlcvQuality = {
      kind: "ohlcv",
      rowCount,
      series,
      minTs,
      maxTs,
      intervalS,
      intervalSource,
      tsUnit: unit,
      gaps: Number(gapRows[0]!.gaps),
      missingCandles: Number(gapRows[0]!.missing),
      zeroVolume: Number(stats[0]!.zero_volume)
    }
    return {
      file: options.output,
      type: OhlcvSliceV2.type,
      schemaVersion: OhlcvSliceV2.schemaVersion,
      logicalKey,
      rowCount,
      minTs,
      maxTs,
      quality
    }
  })
