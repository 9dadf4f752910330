/**
 * Records that do not decode, and objects that are not what their type says (issue 14).
 *
 * - One malformed run record used to block `experiments show`, `report` and `gc` for its whole
 *   experiment, and made fsck skip the experiment's other runs. Now fsck names the file and what is
 *   wrong, `show` lists the good runs plus a line about the bad one, `report` uses the good runs,
 *   and gc proceeds, keeping the experiment (and what its runs reference).
 * - An artifact whose manifest is sound but whose object has other columns than its type's (an
 *   alerts file filed as candles, a trades file filed as metrics) used to surface as a DuckDB binder
 *   error; validate and report now name the artifact, its type and the column.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { artifactIdOf } from "../../store/internal/artifactCatalog.js"
import { parseJson, pipeline, runOk, show } from "./support/cli.js"
import { definition, tempDir, writeDefinition } from "./support/fixtures.js"
import { objectPath } from "./support/storeCheck.js"

const work = tempDir("malformed")
afterAll(() => work.cleanup())

describe("a malformed run record", () => {
  it("is reported by fsck (which still checks the other runs), shown apart by `experiments show`; report and gc work on the good runs", async () => {
    const store = NodePath.join(work.dir, "store")
    const def = writeDefinition(work.dir, "a.json", definition("malformed-run"))
    const first = await runOk(def, store)
    await runOk(def, store)
    const experimentId: string = first.experimentId
    const runsDir = NodePath.join(store, "experiments", experimentId, "runs")
    const badPath = NodePath.join(runsDir, "000002.json")
    // Run 2: cut short in the middle (as a disk or an editor could leave it).
    const text = readFileSync(badPath, "utf8")
    writeFileSync(badPath, text.slice(0, Math.floor(text.length / 2)))
    // Run 1: decodes, but records a wrong digest for its metrics (fsck must still look at it).
    const goodPath = NodePath.join(runsDir, "000001.json")
    const good = JSON.parse(readFileSync(goodPath, "utf8"))
    good.outputs.metrics.digest = `blake3:${"0".repeat(64)}`
    writeFileSync(goodPath, `${JSON.stringify(good, null, 2)}\n`)

    const checked = await pipeline(["fsck", "--json", "--store", store])
    expect(checked.code, show(checked)).toBe(1)
    const problems = parseJson(checked).problems.map((p: any) => ({ id: p.id, problem: p.problem, path: p.path }))
    expect(problems).toEqual([
      { id: `${experimentId}/run 000001`, problem: "digest-mismatch", path: goodPath },
      { id: `${experimentId}/run 000002`, problem: "malformed", path: badPath }
    ])

    const shown = await pipeline(["experiments", "show", experimentId, "--store", store])
    expect(shown.code, show(shown)).toBe(0)
    expect(shown.stdout).toContain("runs (1), 1 unreadable")
    expect(shown.stdout).toMatch(/run 000001/)
    expect(shown.stdout).toContain(`run 000002  unreadable: ${badPath}`)
    const shownJson = parseJson(await pipeline(["experiments", "show", experimentId, "--json", "--store", store]))
    expect(shownJson.runs.map((r: any) => r.runId)).toEqual(["000001"])
    expect(shownJson.unreadableRuns.map((r: any) => r.runId)).toEqual(["000002"])

    const listed = await pipeline(["experiments", "list", "--json", "--store", store])
    expect(listed.code, show(listed)).toBe(0)

    const reportPath = NodePath.join(work.dir, "report.html")
    const report = await pipeline(["report", experimentId, "-o", reportPath, "--store", store])
    expect(report.code, show(report)).toBe(0)
    expect(existsSync(reportPath)).toBe(true)

    // gc keeping no experiment by rank still keeps this one (its unreadable run may be live or
    // reference anything), so every output of its good run survives.
    const gc = await pipeline(["gc", "--keep-last", "0", "--grace-minutes", "0", "--json", "--store", store])
    expect(gc.code, show(gc)).toBe(0)
    expect(parseJson(gc).keptExperiments).toEqual([experimentId])
    for (const output of Object.values(first.outputs) as Array<{ artifactId: string; digest: string }>) {
      expect(existsSync(NodePath.join(store, "artifacts", `${output.artifactId}.json`))).toBe(true)
      expect(existsSync(objectPath(store, output.digest))).toBe(true)
    }
    const after = await pipeline(["report", experimentId, "-o", reportPath, "--store", store])
    expect(after.code, show(after)).toBe(0)
  }, 120_000)
})

/** Files a hand-made manifest: `base` with another type, logical key and object, under the id its fields hash to. */
const forgeManifest = async (
  store: string,
  base: any,
  change: { readonly type: string; readonly logicalKey: string; readonly digest: string; readonly bytes: number }
): Promise<string> => {
  const fields = { ...base, ...change }
  const artifactId = await Effect.runPromise(artifactIdOf(fields))
  writeFileSync(NodePath.join(store, "artifacts", `${artifactId}.json`), `${JSON.stringify({ ...fields, artifactId }, null, 2)}\n`)
  return artifactId
}

const readManifest = (store: string, id: string) =>
  JSON.parse(readFileSync(NodePath.join(store, "artifacts", `${id}.json`), "utf8"))

describe("an object whose columns are not its type's", () => {
  it("validate and report fail naming the artifact, its type and the column, not with a DuckDB binder error", async () => {
    const store = NodePath.join(work.dir, "schema-store")
    const first = await runOk(writeDefinition(work.dir, "s.json", definition("schema-base")), store)
    const shown = parseJson(await pipeline(["experiments", "show", first.experimentId, "--json", "--store", store]))
    const [alertsId] = shown.experiment.inputs.alerts as Array<string>
    const [ohlcvId] = shown.experiment.inputs.ohlcv as Array<string>
    const alerts = readManifest(store, alertsId)

    // An alerts object filed as ohlcv_slice_v2 (a sound manifest: its id is the hash of its fields).
    const forgedOhlcv = await forgeManifest(store, readManifest(store, ohlcvId), {
      type: "ohlcv_slice_v2",
      logicalKey: "chain=forged/ohlcv",
      digest: alerts.digest,
      bytes: alerts.bytes
    })
    const byIds = {
      ...definition("schema-forged"),
      inputs: { alerts: [alertsId], ohlcv: [forgedOhlcv] }
    }
    const run = await pipeline(["run", writeDefinition(work.dir, "forged.json", byIds), "--store", store])
    expect(run.code, show(run)).toBe(1)
    expect(run.stderr).toContain(forgedOhlcv)
    expect(run.stderr).toContain("not ohlcv_slice_v2: column ts is missing")
    expect(run.stderr).not.toMatch(/Binder Error/i)

    // A trades object filed as the run's metrics: the report names it.
    const metricsRef = first.outputs.metrics
    const trades = readManifest(store, first.outputs.trades.artifactId)
    const forgedMetrics = await forgeManifest(store, readManifest(store, metricsRef.artifactId), {
      type: "experiment_metrics",
      logicalKey: "metrics/forged",
      digest: trades.digest,
      bytes: trades.bytes
    })
    const runPath = NodePath.join(store, "experiments", first.experimentId, "runs", "000001.json")
    const record = JSON.parse(readFileSync(runPath, "utf8"))
    record.outputs.metrics = { artifactId: forgedMetrics, digest: trades.digest }
    writeFileSync(runPath, `${JSON.stringify(record, null, 2)}\n`)
    const report = await pipeline(["report", first.experimentId, "-o", NodePath.join(work.dir, "forged.html"), "--store", store])
    expect(report.code, show(report)).toBe(1)
    expect(report.stderr).toContain(`artifact ${forgedMetrics} (experiment_metrics)`)
    expect(report.stderr).toMatch(/column \w+ is missing/)
    expect(report.stderr).not.toMatch(/Binder Error/i)
  }, 120_000)
})
