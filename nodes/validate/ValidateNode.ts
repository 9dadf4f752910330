/**
 * validate: every input artifact exists, is active, has the expected type and schema version, and
 * its object still matches its digest — all problems reported together in one error. Then the
 * coverage check: for each in-range alert, how many candles of its (chain, mint) exist in the hour
 * around it (the `experiment_coverage` artifact, summarised later in the diagnostics).
 */
import { Effect, Schema } from "effect"
import { artifactNode } from "../../pipeline/index.js"
import { ArtifactCatalog, ArtifactId, type ArtifactManifest, ObjectStore } from "../../store/index.js"
import { AlertsV1, type AnyContract, ExperimentCoverage, OhlcvSliceV2 } from "../contracts/index.js"
import { writeCanonicalParquet } from "../parquet/index.js"
import { checkArtifactColumns, rememberConforming } from "../contracts/ArtifactColumns.js"
import { Duck, workspaceConnection } from "../duckdb/index.js"
import { publishWritten } from "../parquet/index.js"

export const ValidateConfig = Schema.Struct({
  alerts: Schema.Array(ArtifactId),
  ohlcv: Schema.Array(ArtifactId),
  /** ISO instants; alerts are in range when from ≤ alert_ts < to. */
  dateRange: Schema.Struct({ from: Schema.String, to: Schema.String })
})
export type ValidateConfig = typeof ValidateConfig.Type

export interface InputProblem {
  readonly artifactId: string
  readonly role: "alerts" | "ohlcv"
  readonly problem: string
}

export class InputArtifactsInvalid extends Schema.TaggedError<InputArtifactsInvalid>()("InputArtifactsInvalid", {
  problems: Schema.Array(Schema.Struct({ artifactId: Schema.String, role: Schema.String, problem: Schema.String }))
}) {
  override get message() {
    return `${this.problems.length} problem(s) with the input artifacts:\n${
      this.problems.map((p) => `  ${p.role} ${p.artifactId}: ${p.problem}`).join("\n")
    }`
  }
}

const checkOne = (id: ArtifactId, role: "alerts" | "ohlcv", contract: AnyContract) =>
  Effect.gen(function*() {
    const catalog = yield* ArtifactCatalog
    const objects = yield* ObjectStore
    const problems: Array<InputProblem> = []
    const found = yield* Effect.either(catalog.get(id))
    if (found._tag === "Left") {
      const reason = found.left._tag === "ArtifactNotFound" ? found.left.reason ?? "no such artifact" : found.left.message
      return { problems: [{ artifactId: id, role, problem: reason }], manifest: undefined }
    }
    const manifest: ArtifactManifest = found.right
    if (manifest.status !== "active") problems.push({ artifactId: id, role, problem: `status is ${manifest.status}, not active` })
    if (manifest.type !== contract.type) {
      problems.push({ artifactId: id, role, problem: `type is ${manifest.type}, expected ${contract.type}` })
    } else if (manifest.schemaVersion !== contract.schemaVersion) {
      problems.push({
        artifactId: id,
        role,
        problem: `schema version ${manifest.schemaVersion}, expected ${contract.schemaVersion}`
      })
    }
    const verified = yield* objects.verify(manifest.digest, { trustStatCache: true })
    if (verified._tag === "Missing") problems.push({ artifactId: id, role, problem: `object ${manifest.digest} is missing` })
    if (verified._tag === "Corrupt") {
      problems.push({ artifactId: id, role, problem: `object ${manifest.digest} is corrupt (hashes to ${verified.actual})` })
    }
    if (verified._tag === "Intact" && problems.length === 0) {
      // Sound manifest, intact object: its columns must still be the contract's.
      const path = yield* objects.path(manifest.digest)
      const checked = yield* Effect.either(
        Effect.scoped(Effect.flatMap(workspaceConnection, (connection) => checkArtifactColumns(connection, contract, id, path)))
      )
      if (checked._tag === "Right") rememberConforming(id, contract)
      else {
        const error = checked.left
        problems.push({
          artifactId: id,
          role,
          problem: error._tag === "ArtifactSchemaMismatch"
            ? `its data file is not ${error.type}: column ${error.column} ${error.problem}`
            : `its data file cannot be read as Parquet: ${error.message}`
        })
      }
    }
    return { problems, manifest }
  })

/**
 * One pass over the candles of the alerted mints for the totals, one range join for the hour on
 * either side of each alert. (Correlated subqueries per alert, as before, took 1.8× as long: 415 ms
 * against 228 ms at bench size S, same rows.)
 */
const COVERAGE_SQL = `
  WITH a AS (
    SELECT alert_id, alert_ts, chain, mint FROM read_parquet($1)
    WHERE alert_ts >= make_timestamp($3::BIGINT) AND alert_ts < make_timestamp($4::BIGINT)
  ),
  totals AS (
    SELECT chain, mint, count(*) AS n, min(interval_s) AS iv FROM read_parquet($2)
    WHERE (chain, mint) IN (SELECT chain, mint FROM a)
    GROUP BY chain, mint
  ),
  near AS (
    -- DISTINCT: a repeated alert row (a duplicate_alert_id case) must not count its candles twice.
    SELECT d.alert_id, d.alert_ts, d.chain, d.mint,
      count(*) FILTER (WHERE o.ts < d.alert_ts) AS before,
      count(*) FILTER (WHERE o.ts >= d.alert_ts) AS after
    FROM (SELECT DISTINCT alert_id, alert_ts, chain, mint FROM a) d JOIN read_parquet($2) o
      ON o.chain = d.chain AND o.mint = d.mint
     AND o.ts >= d.alert_ts - INTERVAL 1 HOUR AND o.ts < d.alert_ts + INTERVAL 1 HOUR
    GROUP BY ALL
  )
  SELECT a.alert_id, a.chain, a.mint, a.alert_ts,
    coalesce(totals.n, 0) AS candles_total,
    coalesce(near.before, 0) AS candles_hour_before,
    coalesce(near.after, 0) AS candles_hour_after,
    coalesce(3600 // totals.iv, 0) AS expected_per_hour
  FROM a LEFT JOIN totals ON a.chain = totals.chain AND a.mint = totals.mint
  LEFT JOIN near ON near.alert_id = a.alert_id AND near.alert_ts = a.alert_ts
    AND near.chain = a.chain AND near.mint = a.mint`

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n

export const validateNode = (config: ValidateConfig, identity?: string) =>
  artifactNode({
    name: "validate",
    version: "1",
    configSchema: ValidateConfig,
    config,
    ...(identity ? { identity } : {}),
    inputs: {},
    outputs: ["coverage"],
    run: ({ config, key, name, progress }) =>
      Effect.gen(function*() {
        // Progress: one check per input artifact, then the coverage table.
        const total = config.alerts.length + config.ohlcv.length + 1
        let done = 0
        const counted = <A, E, R>(check: Effect.Effect<A, E, R>) =>
          Effect.tap(check, () => Effect.suspend(() => progress(++done, total, "checks")))
        yield* progress(0, total, "checks")
        const checks = yield* Effect.forEach(
          [
            ...config.alerts.map((id) => checkOne(id, "alerts", AlertsV1)),
            ...config.ohlcv.map((id) => checkOne(id, "ohlcv", OhlcvSliceV2))
          ],
          counted,
          { concurrency: 4 }
        )
        const problems = checks.flatMap((c) => c.problems)
        if (problems.length > 0) return yield* new InputArtifactsInvalid({ problems })

        const catalog = yield* ArtifactCatalog
        const alertFiles = yield* Effect.forEach(config.alerts, (id) => catalog.dataPath(id))
        const ohlcvFiles = yield* Effect.forEach(config.ohlcv, (id) => catalog.dataPath(id))
        const coverage = yield* publishWritten({
          contract: ExperimentCoverage,
          logicalKey: `coverage/${key.slice(7, 23)}`,
          inputs: [...config.alerts, ...config.ohlcv],
          producedBy: { node: name, key },
          minTs: config.dateRange.from,
          maxTs: config.dateRange.to,
          write: (path) =>
            Effect.scoped(
              Effect.flatMap(workspaceConnection, (connection) =>
                writeCanonicalParquet(connection, ExperimentCoverage, COVERAGE_SQL, [
                  Duck.literalPaths(alertFiles),
                  Duck.literalPaths(ohlcvFiles),
                  micros(config.dateRange.from),
                  micros(config.dateRange.to)
                ], path))
            )
        })
        yield* progress(total, total, "checks")
        return { coverage }
      })
  })
