/**
 * Records that do not decode, and objects that are not what their type says (issue 14).
 *
 * - One malformed run record used to block `experiments show`, `report` and `gc` for its whole
 *   experiment, and made fsck skip the experiment's other runs. Now fsck names the file and what is
 *   wrong, `show` lists the good runs plus a line about the bad one, `report` uses the good runs,
 *   and gc proceeds, keeping the experiment (and what its runs reference).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import { afterAll, describe, expect, it } from "vitest"
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
