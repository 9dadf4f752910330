/**
 * The checks `fsck` cannot do without the domain (store/Fsck.ts `FsckOptions`): how an experiment
 * id derives from its record, and what an artifact's object holds against its manifest's
 * descriptive fields (rowCount, minTs, maxTs) and its type's columns. The CLI passes them to fsck.
 */
import { Effect, Option } from "effect"
import type { ArtifactManifest, ExperimentRecord, FsckOptions, ObjectCheckProblem } from "../../store/index.js"
import { columnMismatch, parquetColumns } from "../contracts/ArtifactColumns.js"
import { findArtifactType } from "../contracts/index.js"
import { Duck, type DuckWorkspace, workspaceConnection } from "../duckdb/index.js"
import { experimentIdOf } from "./ExecuteExperiment.js"
import type { ResolvedInputs } from "./ExperimentDag.js"

/**
 * The id an experiment record derives to, by the rule `executeExperiment` used to make it: its
 * definition (as recorded) and, unless its inputs are a synthetic generator, the artifact ids its
 * selectors resolved to.
 */
export const experimentIdOfRecord = (record: ExperimentRecord): Effect.Effect<string, unknown> => {
  const definition = record.definition
  const inputs = typeof definition === "object" && definition !== null && "inputs" in definition
    ? definition.inputs
    : undefined
  const synthetic = typeof inputs === "object" && inputs !== null && "synthetic" in inputs
  const resolved: ResolvedInputs = { alerts: record.inputs.alerts ?? [], ohlcv: record.inputs.ohlcv ?? [] }
  return experimentIdOf(definition, synthetic ? null : resolved)
}

/**
 * Which time column a type's minTs/maxTs describe: `exact` (the column's own range; null with no
 * rows) or `within` (a date range that holds every value: coverage records the experiment's range).
 * A manifest that records no range (null, null) is not checked: some producers leave it unset.
 */
const TIME_RANGE: Readonly<Record<string, { readonly column: string; readonly rule: "exact" | "within" }>> = {
  alerts_v1: { column: "alert_ts", rule: "exact" },
  ohlcv_slice_v2: { column: "ts", rule: "exact" },
  experiment_trades: { column: "entry_ts", rule: "exact" },
  experiment_fills: { column: "ts", rule: "exact" },
  experiment_equity: { column: "ts", rule: "exact" },
  experiment_coverage: { column: "alert_ts", rule: "within" }
}

const ISO = /^([+-]?\d{4,6})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/

/** Microseconds since the epoch of an ISO-8601 instant (no zone = UTC); undefined when not one. */
export const isoToMicros = (text: string): bigint | undefined => {
  const match = ISO.exec(text)
  if (match === null) return undefined
  const date = new Date(0)
  date.setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  date.setUTCHours(Number(match[4]), Number(match[5]), Number(match[6]), 0)
  if (Number.isNaN(date.getTime())) return undefined
  let micros = BigInt(date.getTime()) * 1000n + BigInt((match[7] ?? "").padEnd(6, "0").slice(0, 6))
  const zone = match[8]
  if (zone !== undefined && zone !== "Z") {
    const digits = zone.replace(":", "")
    const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))
    micros -= BigInt((digits[0] === "-" ? -1 : 1) * minutes) * 60_000_000n
  }
  return micros
}

const bigOrNull = (value: unknown): bigint | null => (value === null || value === undefined ? null : BigInt(String(value)))

const isoOfMicros = (micros: bigint | null): string =>
  micros === null ? "null" : `${new Date(Number(micros / 1000n)).toISOString().slice(0, -1)}${String(micros % 1000n).padStart(3, "0")}Z`

/** What the manifest's range says against the data's [lo, hi]; undefined when they agree. */
const rangeProblem = (
  manifest: ArtifactManifest,
  rule: "exact" | "within",
  column: string,
  lo: bigint | null,
  hi: bigint | null
): string | undefined => {
  if (manifest.minTs === null && manifest.maxTs === null) return undefined
  const min = manifest.minTs === null ? null : isoToMicros(manifest.minTs)
  const max = manifest.maxTs === null ? null : isoToMicros(manifest.maxTs)
  if (min === undefined || max === undefined) return `minTs ${manifest.minTs} / maxTs ${manifest.maxTs} are not ISO-8601 instants`
  const data = `${column} runs from ${isoOfMicros(lo)} to ${isoOfMicros(hi)}`
  if (rule === "exact") {
    return min === lo && max === hi ? undefined : `the manifest records ${manifest.minTs} to ${manifest.maxTs}, the object's ${data}`
  }
  if (lo === null || hi === null) return undefined
  return (min === null || lo >= min) && (max === null || hi <= max)
    ? undefined
    : `the object's ${data}, outside the recorded ${manifest.minTs} to ${manifest.maxTs}`
}

/**
 * An artifact's object against its manifest: the type's columns, rowCount (a count over the
 * Parquet file) and the time range of the type's time column. Types without a contract are not
 * looked into. A file DuckDB cannot read as Parquet is a schema-mismatch.
 */
export const checkArtifactObject = (
  manifest: ArtifactManifest,
  path: string
): Effect.Effect<ReadonlyArray<ObjectCheckProblem>, never, DuckWorkspace> => {
  const contract = findArtifactType(manifest.type)
  if (Option.isNone(contract)) return Effect.succeed([])
  return Effect.scoped(
    Effect.gen(function*() {
      const connection = yield* workspaceConnection
      const mismatch = columnMismatch(contract.value, yield* parquetColumns(connection, path))
      if (mismatch !== undefined) {
        return [{ problem: "schema-mismatch" as const, detail: `not ${manifest.type}: column ${mismatch.column} ${mismatch.problem}` }]
      }
      const range = TIME_RANGE[manifest.type]
      const [row] = yield* Duck.readRowsJson(
        connection,
        range === undefined
          ? "SELECT count(*) AS n FROM read_parquet($1)"
          : `SELECT count(*) AS n, epoch_us(min(${Duck.identifier(range.column)})) AS lo, epoch_us(max(${
            Duck.identifier(range.column)
          })) AS hi FROM read_parquet($1)`,
        [Duck.literalPath(path)]
      )
      const problems: Array<ObjectCheckProblem> = []
      const rows = Number(row?.n ?? 0)
      if (rows !== manifest.rowCount) {
        problems.push({ problem: "row-count-mismatch", detail: `the manifest records ${manifest.rowCount} rows, the object holds ${rows}` })
      }
      if (range !== undefined) {
        const problem = rangeProblem(manifest, range.rule, range.column, bigOrNull(row?.lo), bigOrNull(row?.hi))
        if (problem !== undefined) problems.push({ problem: "time-range-mismatch", detail: problem })
      }
      return problems
    })
  ).pipe(
    Effect.catchAll((error) =>
      Effect.succeed([{ problem: "schema-mismatch" as const, detail: `cannot be read as ${manifest.type} Parquet: ${error.message}` }])
    )
  )
}

/** Both domain checks, as `fsck` takes them. */
export const domainFsckChecks: Pick<FsckOptions<DuckWorkspace>, "experimentIdOf" | "checkObject"> = {
  experimentIdOf: experimentIdOfRecord,
  checkObject: checkArtifactObject
}
