/**
 * The PostgreSQL catalog through the real CLI (`--catalog postgres://…`), on the test server that
 * test/support/servers.ts starts, one fresh database per test:
 * - the quickstart run twice: the second is a cache hit recorded in PostgreSQL and listed by
 *   `experiments list --catalog`; manifests, action entries and runs are rows, objects are files;
 * - two stores ("laptops") on one catalog publishing the same actions at once: one entry per key,
 *   both runs complete with identical outputs;
 * - the server restarted in the middle of a run: the run completes or fails cleanly, and nothing in
 *   the catalog is half-recorded (every action entry's outputs have manifests and intact objects);
 *   a rerun completes with the same outputs.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { blake3 } from "@noble/hashes/blake3"
import { bytesToHex } from "@noble/hashes/utils"
import { afterAll, describe, expect, it } from "vitest"
import { type CliResult, repoRoot, runCli, spawnCli, waitForExit } from "../support/cli.js"
import { startPostgres, type PostgresServer } from "../support/servers/postgres.js"
import { freshDatabase, withDatabase, withSql } from "../support/postgres.js"
import { Effect } from "effect"
import { smallDefinition } from "../cli-run/support.js"

const quickstart = NodePath.join(repoRoot, "examples", "quickstart.json")
const work = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "pg-catalog-"))
afterAll(() => NodeFs.rmSync(work, { recursive: true, force: true }))

const show = (result: CliResult) => `exit ${result.code}\nstdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`

const cli = async (args: ReadonlyArray<string>) => {
  const result = await runCli(args, { timeout: 180_000 })
  return result
}

const runJson = async (store: string, catalog: string, definition = quickstart) => {
  const result = await cli(["run", definition, "--json", "--store", store, "--catalog", catalog])
  expect(result.code, show(result)).toBe(0)
  return JSON.parse(result.stdout)
}

const cacheOf = (doc: any): Record<string, string> => Object.fromEntries(doc.nodes.map((n: any) => [n.name, n.cache]))
const digestsOf = (doc: any): Record<string, string> =>
  Object.fromEntries(Object.entries(doc.outputs).map(([name, output]: [string, any]) => [name, output.digest]))

/** Files under `dir`, recursively (relative paths). */
const filesUnder = (dir: string): Array<string> =>
  NodeFs.existsSync(dir) ? (NodeFs.readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<NodeFs.Dirent>)
    .filter((entry) => entry.isFile())
    .map((entry) => NodePath.relative(dir, NodePath.join(entry.parentPath, entry.name))) : []

const objectPath = (store: string, digest: string) => {
  const hex = digest.slice("blake3:".length)
  return NodePath.join(store, "objects", hex.slice(0, 2), hex)
}

/**
 * Every action entry's outputs have a manifest row with the same digest and an intact object in
 * `store` (what a crash between the steps of a publish must never break: CAS before AC).
 */
const expectNothingHalfRecorded = async (catalog: string, store: string) => {
  const rows = await withSql(catalog, (sql) =>
    Effect.all({
      actions: sql<{ key: string; entry: string }>`SELECT key, entry FROM pipeline_actions`,
      manifests: sql<{ artifact_id: string; digest: string }>`SELECT artifact_id, digest FROM pipeline_artifacts`
    })
  )
  const manifests = new Map(rows.manifests.map((row) => [row.artifact_id, row.digest]))
  for (const action of rows.actions) {
    const entry = JSON.parse(action.entry)
    expect(entry.key).toBe(action.key)
    for (const [name, output] of Object.entries(entry.outputs) as Array<[string, any]>) {
      expect(manifests.get(output.artifactId), `${action.key} ${name}`).toBe(output.digest)
      const file = objectPath(store, output.digest)
      expect(NodeFs.existsSync(file), `object of ${name} (${output.digest})`).toBe(true)
      expect(`blake3:${bytesToHex(blake3(NodeFs.readFileSync(file)))}`).toBe(output.digest)
    }
  }
  return rows.actions.length
}

describe("pipeline --catalog postgres://…", () => {
  it("quickstart twice: the second run is all hits, recorded in PostgreSQL and listed by experiments list --catalog", async () => {
    const catalog = await Effect.runPromise(freshDatabase("cli"))
    const store = NodePath.join(work, "twice")
    const first = await runJson(store, catalog)
    expect(Object.values(cacheOf(first))).not.toContain("hit")
    const second = await runJson(store, catalog)
    expect(cacheOf(second)).toEqual({ synthetic: "hit", validate: "hit", project: "hit", simulate: "hit", publish: "hit" })
    expect(second.experimentId).toBe(first.experimentId)
    expect(digestsOf(second)).toEqual(digestsOf(first))

    const listed = await cli(["experiments", "list", "--json", "--store", store, "--catalog", catalog])
    expect(listed.code, show(listed)).toBe(0)
    const experiments = JSON.parse(listed.stdout).experiments
    expect(experiments).toHaveLength(1)
    expect(experiments[0]).toMatchObject({ experimentId: first.experimentId, name: "quickstart", runs: 2 })
    expect(experiments[0].latestRun).toMatchObject({ runId: "000002", status: "completed", effectiveStatus: "completed" })
    expect(experiments[0].latestRun.nodes.map((n: any) => n.cache)).toEqual(["hit", "hit", "hit", "hit", "hit"])

    // The records are rows; the store directory holds objects and no catalog file.
    const rows = await withSql(catalog, (sql) =>
      Effect.all({
        runs: sql<{ run_id: string; status: string }>`SELECT run_id, status FROM pipeline_runs ORDER BY run_id`,
        outputs: sql<{ n: number }>`SELECT count(*)::int AS n FROM pipeline_artifacts WHERE artifact_id = ANY(${
          Object.values(first.outputs).map((o: any) => o.artifactId)
        }::text[])`,
        migrations: sql<{ migration_id: number }>`SELECT migration_id FROM pipeline_migrations`
      })
    )
    expect(rows.runs).toEqual([{ run_id: "000001", status: "completed" }, { run_id: "000002", status: "completed" }])
    expect(rows.outputs[0].n).toBe(4)
    expect(rows.migrations.map((m) => m.migration_id)).toEqual([1, 2, 3])
    expect(filesUnder(NodePath.join(store, "artifacts"))).toEqual([])
    expect(filesUnder(NodePath.join(store, "actions"))).toEqual([])
    expect(filesUnder(NodePath.join(store, "experiments"))).toEqual([])
    expect(filesUnder(NodePath.join(store, "objects")).length).toBeGreaterThanOrEqual(4)
    expect(await expectNothingHalfRecorded(catalog, store)).toBe(4)

    // Without --catalog the same store directory has no record of the experiment.
    const local = await cli(["experiments", "list", "--json", "--store", store])
    expect(local.code, show(local)).toBe(0)
    expect(JSON.parse(local.stdout).experiments).toEqual([])
  }, 300_000)

  it("two stores on one catalog run the same experiment at once: one entry per action, both complete alike", async () => {
    const catalog = await Effect.runPromise(freshDatabase("two"))
    const laptops = [NodePath.join(work, "laptop-a"), NodePath.join(work, "laptop-b")]
    const definition = NodePath.join(work, "small.json")
    NodeFs.writeFileSync(definition, JSON.stringify(smallDefinition({ name: "two-laptops" })))
    const docs = await Promise.all(laptops.map((store) => runJson(store, catalog, definition)))
    expect(docs[0].experimentId).toBe(docs[1].experimentId)
    expect(digestsOf(docs[0])).toEqual(digestsOf(docs[1]))
    // Each laptop has every output object itself (a catalog hit without the object is a miss).
    for (const [i, doc] of docs.entries()) {
      for (const output of Object.values(doc.outputs) as Array<any>) {
        expect(NodeFs.existsSync(objectPath(laptops[i], output.digest))).toBe(true)
      }
    }
    const rows = await withSql(catalog, (sql) =>
      Effect.all({
        actions: sql<{ key: string }>`SELECT key FROM pipeline_actions ORDER BY key`,
        runs: sql<{ run_id: string; status: string }>`SELECT run_id, status FROM pipeline_runs ORDER BY run_id`
      })
    )
    const cachedKeys = new Set(docs.flatMap((doc) => doc.nodes.filter((n: any) => n.name !== "project").map((n: any) => n.key)))
    expect(cachedKeys.size).toBe(4)
    expect(rows.actions.map((row) => row.key).sort()).toEqual([...cachedKeys].sort())
    expect(rows.runs).toEqual([{ run_id: "000001", status: "completed" }, { run_id: "000002", status: "completed" }])
    for (const store of laptops) await expectNothingHalfRecorded(catalog, store)
  }, 300_000)

  describe("PostgreSQL restarted in the middle of a run", () => {
    let server: PostgresServer | undefined
    afterAll(() => server?.stop())

    it("the run completes or fails cleanly; nothing is half-recorded; a rerun completes with the same outputs", async () => {
      server = await startPostgres()
      const catalog = withDatabase(server.url, "postgres")
      const store = NodePath.join(work, "restart")
      const child = spawnCli(["run", quickstart, "--json", "--store", store, "--catalog", catalog])
      const exit = waitForExit(child, 180_000)
      // Restart once the run is recorded as running (the catalog is in use).
      const deadline = Date.now() + 120_000
      for (;;) {
        const running = await withSql(catalog, (sql) =>
          Effect.catchAll(sql<{ n: number }>`SELECT count(*)::int AS n FROM pipeline_runs WHERE status = 'running'`, () =>
            Effect.succeed([{ n: 0 }])
          )
        )
        if (running[0].n > 0) break
        if (Date.now() > deadline) throw new Error("the run never started")
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      server.restart()
      const result = await exit
      expect([0, 1], show(result)).toContain(result.code)
      if (result.code === 1) expect(result.stderr).toMatch(/store|postgres|connect|terminat/i)
      const runs = await withSql(catalog, (sql) => sql<{ status: string }>`SELECT status FROM pipeline_runs`)
      expect(runs).toHaveLength(1)
      // Completed, failed, or left running by a process that is gone (read as abandoned).
      expect(["completed", "failed", "running"]).toContain(runs[0].status)
      await expectNothingHalfRecorded(catalog, store)

      const rerun = await runJson(store, catalog)
      const reference = await runJson(NodePath.join(work, "restart-reference"), await Effect.runPromise(freshDatabase("ref")))
      expect(digestsOf(rerun)).toEqual(digestsOf(reference))
      const listed = await cli(["experiments", "show", rerun.experimentId, "--json", "--store", store, "--catalog", catalog])
      expect(listed.code, show(listed)).toBe(0)
      expect(listed.stdout).not.toMatch(/"effectiveStatus":\s*"running"/)
    }, 400_000)
  })
})
