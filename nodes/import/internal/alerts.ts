/**
 * Import of alerts into alerts_v1: load, validate every row in SQL (alert_id unique, timestamps
 * valid, chain/mint present, no control character but tab in a text column), summarize, write.
 * Alerts need not be sorted in the source.
 */
import type { DuckDBConnection } from "@duckdb/node-api"
import { Effect } from "effect"
import { AlertsV1 } from "../../contracts/index.js"
import { writeCanonicalParquet } from "../../parquet/index.js"
import { Duck } from "../../duckdb/index.js"
import { type ImportError, ImportOptionsError, ImportValidationError } from "../ImportError.js"
import type { AlertsQuality, ImportAlertsOptions, ImportProgress, ImportResult } from "../ImportOptions.js"
import {
  controlCharacterCheck,
  ISO_MICROS,
  keySegment,
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
  fileStem,
  loadSource,
  mapFields,
  refuseDuplicateColumns,
  type SourceInfo,
  tsParseOf
} from "./source.js"
import { ensureEveryRecordRead, failOnProblems, LineMap, readRejects } from "./problems.js"
import { queryProgress, reportDone, withProgress } from "./progress.js"

export const ALERT_FIELDS: ReadonlyArray<FieldSpec> = [
  { name: "alert_id", aliases: ["alert_id", "id"], kind: "varchar" },
  { name: "alert_ts", aliases: ["alert_ts", "ts", "timestamp", "time"], kind: "ts" },
  { name: "chain", aliases: ["chain"], kind: "varchar" },
  { name: "mint", aliases: ["mint", "token", "address", "symbol"], kind: "varchar" },
  { name: "caller", aliases: ["caller", "source"], kind: "varchar" }
]

const K = { alert_id: 0, alert_ts: 1, chain: 2, mint: 3, caller: 4 } as const

export const importAlerts = (
  conn: DuckDBConnection,
  source: SourceInfo,
  options: ImportAlertsOptions & { readonly output: string; readonly onProgress?: ImportProgress | undefined }
): Effect.Effect<ImportResult, ImportError> =>
  Effect.gen(function* () {
    const file = source.file
    yield* refuseControlCharacters(file, { chain: options.chain, name: options.name, logicalKey: options.logicalKey })
    yield* refuseDuplicateColumns(source, ALERT_FIELDS)
    const { mapped, missing } = mapFields(source, ALERT_FIELDS)
    const required = missing.filter(
      (spec) => spec.name !== "caller" && !(spec.name === "chain" && options.chain !== undefined)
    )
    if (required.some((spec) => spec.name !== "chain")) {
      return yield* failMissingColumns(source, required.filter((spec) => spec.name !== "chain"))
    }
    if (required.length > 0) {
      return yield* Effect.fail(
        new ImportOptionsError({ file, option: "chain", reason: "the file has no chain column; pass chain" })
      )
    }
    const fromFile = (name: string) => mapped.has(name)
    const display = (k: number): string => {
      const spec = ALERT_FIELDS[k]!
      return mapped.get(spec.name)?.sourceName ?? spec.name
    }

    const tsParse = tsParseOf(source, mapped.get("alert_ts")!, options.tsUnit)
    yield* loadSource(conn, source, [...mapped.values()], tsParse, options.onProgress)
    const rejects = yield* readRejects(conn, source)
    const lineMap = new LineMap(source.firstRecordLine, [...source.blankLines, ...rejects.lines, ...source.continuationLines])
    const lineProblems = [
      ...source.blankLines.map((row) => ({ row, column: null, message: "empty line" })),
      ...rejects.problems
    ]
    const counted = yield* Duck.readRowsJson(conn, "SELECT count(*) AS n FROM src")
    yield* ensureEveryRecordRead(source, Number(counted[0]?.n), rejects)
    if (Number(counted[0]?.n) === 0 && lineProblems.length === 0) {
      return yield* Effect.fail(
        new ImportValidationError({ file, problems: [{ row: null, column: null, message: "the file holds no rows" }], totalProblems: 1 })
      )
    }

    yield* Duck.run(conn, "CREATE TEMP TABLE opts AS SELECT $1::VARCHAR AS chain", [options.chain ?? null])
    const unit = yield* resolveTsUnit(conn, file, mapped.get("alert_ts")!, tsParse, options.tsUnit)
    yield* Duck.run(
      conn,
      `CREATE TEMP VIEW v AS SELECT s.rowid AS rid, s.f_alert_id AS alert_id,
         ${tsExpression("alert_ts", unit)} AS alert_ts, s.n_alert_ts AS alert_ts_num, s.i_alert_ts AS alert_ts_iso, s.r_alert_ts AS alert_ts_raw,
         ${fromFile("chain") ? "s.f_chain" : "o.chain"} AS chain, o.chain AS opt_chain,
         s.f_mint AS mint,
         ${fromFile("caller") ? "s.f_caller" : "NULL::VARCHAR"} AS caller
       FROM src s CROSS JOIN opts o`
    )

    const missingValue = (field: "alert_id" | "mint"): RowCheck => ({
      k: K[field],
      when: `${field} IS NULL`,
      message: "'missing value'"
    })
    const checks: Array<RowCheck> = [
      missingValue("alert_id"),
      { k: K.alert_ts, when: "alert_ts IS NULL", message: tsProblemMessage("alert_ts", unit) },
      tsRangeCheck(K.alert_ts, "alert_ts"),
      ...(fromFile("chain")
        ? [{
          k: K.chain,
          when: "chain IS NULL OR (opt_chain IS NOT NULL AND chain <> opt_chain)",
          message: `CASE WHEN chain IS NULL THEN 'missing value' ` +
            `ELSE 'chain "' || chain || '" differs from the chain option "' || opt_chain || '"' END`
        }]
        : []),
      missingValue("mint"),
      ...(["alert_id", "chain", "mint", "caller"] as const).filter(fromFile).map((field) => controlCharacterCheck(K[field], field))
    ]
    const duplicates = yield* Duck.readRowsJson(
      conn,
      "SELECT count(alert_id) - count(DISTINCT alert_id) AS n FROM v"
    )
    const duplicateBranch =
      `SELECT rid, ${K.alert_id} AS k, 'duplicate alert_id "' || alert_id || '" (first at line {line})' AS message, first_rid AS other_rid
       FROM (SELECT rid, alert_id, min(rid) OVER (PARTITION BY alert_id) AS first_rid FROM v WHERE alert_id IS NOT NULL)
       WHERE rid <> first_rid`
    const found = yield* queryProblems(conn, checks, Number(duplicates[0]?.n) > 0 ? [duplicateBranch] : [], [], display)
    yield* failOnProblems(source, lineMap, lineProblems, found.problems, found.total)
    yield* reportDone(Number(counted[0]?.n ?? 0), "rows validated", options.onProgress)

    const stats = yield* Duck.readRowsJson(
      conn,
      `SELECT count(*) AS row_count, strftime(min(alert_ts), ${ISO_MICROS}) AS min_ts, strftime(max(alert_ts), ${ISO_MICROS}) AS max_ts,
              count(DISTINCT chain) AS chains, count(DISTINCT (chain, mint)) AS mints,
              count(DISTINCT caller) AS callers, count(*) FILTER (WHERE caller IS NULL) AS without_caller FROM v`
    )
    const row = stats[0]!
    const rowCount = Number(row.row_count)
    const logicalKey = options.logicalKey ?? `alerts/${keySegment(options.name ?? fileStem(file))}`

    yield* withProgress(
      writeCanonicalParquet(conn, AlertsV1, "SELECT alert_id, alert_ts, chain, mint, caller FROM v", [], options.output),
      queryProgress(conn, rowCount),
      rowCount,
      "rows written",
      options.onProgress
    )
    const minTs = row.min_ts === null ? null : String(row.min_ts)
    const maxTs = row.max_ts === null ? null : String(row.max_ts)
    const quality: AlertsQuality = {
      kind: "alerts",
      rowCount,
      minTs,
      maxTs,
      tsUnit: unit,
      chains: Number(row.chains),
      mints: Number(row.mints),
      callers: Number(row.callers),
      withoutCaller: Number(row.without_caller)
    }
    return {
      file: options.output,
      type: AlertsV1.type,
      schemaVersion: AlertsV1.schemaVersion,
      logicalKey,
      rowCount,
      minTs,
      maxTs,
      quality
    }
  })
