/**
 * Paths handed to DuckDB are never patterns. A store under a directory named with `[1]`, `*`, `?`
 * and `{a,b}` runs, reports and verifies from its own files even when a sibling directory that the
 * name would match as a glob holds a copy of the store with every object replaced by garbage; and
 * `import` of `alerts[1].csv` reads that file, not its sibling `alerts1.csv`.
 */
import { chmodSync, cpSync, mkdirSync, readdirSync, writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectExit, parseJson, smallDefinition } from "../cli-run/support.js"
import { runCli } from "../support/cli.js"
import { tempDir } from "./support/fixtures.js"

let work: { dir: string; cleanup: () => void }
beforeAll(() => {
  work = tempDir("glob")
})
afterAll(() => work.cleanup())

/** Every object file under `store`, overwritten with bytes that are not Parquet. */
const poisonObjects = (store: string) => {
  const objects = NodePath.join(store, "objects")
  for (const fan of readdirSync(objects)) {
    for (const name of readdirSync(NodePath.join(objects, fan))) {
      const file = NodePath.join(objects, fan, name)
      chmodSync(file, 0o644)
      writeFileSync(file, "not parquet at all")
    }
  }
}

describe("glob metacharacters in paths (process)", () => {
  it("a store at g[1]l*o?b{a,b}/store reads only its own files, never a sibling the name matches", async () => {
    const store = NodePath.join(work.dir, "g[1]l*o?b{a,b}", "store")
    const sibling = NodePath.join(work.dir, "g1lxoyb{a,b}", "store")
    mkdirSync(NodePath.dirname(store))
    const definition = NodePath.join(work.dir, "def.json")
    writeFileSync(definition, JSON.stringify(smallDefinition({ name: "glob", tokens: 6 })))
    const cli = (args: ReadonlyArray<string>) => runCli(["--store", store, ...args], { cwd: work.dir, timeout: 120_000 })

    // No sibling yet: a globbed path would match nothing and fail.
    const run = await cli(["--json", "run", definition])
    expectExit(run, 0)
    const doc = parseJson(run)

    // A sibling the name matches as a glob, holding the same paths with garbage bytes.
    mkdirSync(NodePath.dirname(sibling))
    cpSync(store, sibling, { recursive: true })
    poisonObjects(sibling)

    const report = await cli(["report", doc.experimentId, "-o", NodePath.join(work.dir, "report.html")])
    expectExit(report, 0)
    const verify = await cli(["verify", doc.experimentId])
    expectExit(verify, 0)
    const again = await cli(["--json", "run", definition])
    expectExit(again, 0)
    expect(parseJson(again).outputs).toEqual(doc.outputs)
  }, 300_000)

  it("import alerts[1].csv reads that file, not alerts1.csv", async () => {
    const store = NodePath.join(work.dir, "plain-store")
    const header = "alert_id,alert_ts,chain,mint,caller\n"
    const mine = NodePath.join(work.dir, "alerts[1].csv")
    writeFileSync(mine, `${header}a1,2024-01-01T00:00:00Z,solana,M1,x\n`)
    writeFileSync(
      NodePath.join(work.dir, "alerts1.csv"),
      `${header}b1,2024-01-01T00:00:00Z,solana,M1,x\nb2,2024-01-01T00:01:00Z,solana,M2,y\nb3,2024-01-01T00:02:00Z,solana,M3,z\n`
    )
    const imported = await runCli(["--store", store, "--json", "import", "alerts", mine], { cwd: work.dir })
    expectExit(imported, 0)
    expect(JSON.stringify(parseJson(imported))).toMatch(/"rowCount":1\b/)
  }, 60_000)
})
