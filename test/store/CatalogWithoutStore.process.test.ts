/**
 * Commands that only read, given a PostgreSQL catalog but no local store: the catalog holds the
 * records, not the objects, so each fails with a usage error naming the missing store directory
 * (exit 2) instead of answering from an empty store ("no experiments", a plan where everything
 * would run), and creates nothing.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectExit, smallDefinition, type Workspace, workspace } from "../cli-run/support.js"
import { runCli } from "../support/cli.js"
import { freshDatabase } from "../support/postgres.js"

describe("read-only commands with --catalog and no local store", () => {
  let ws: Workspace
  let catalog: string
  beforeAll(async () => {
    ws = workspace("pipeline-catalog-nostore-")
    catalog = await Effect.runPromise(freshDatabase("nostore"))
  })
  afterAll(() => ws.cleanup())

  it("experiments list, artifacts list, experiments show, explain and run --dry-run exit 2 naming the store directory", async () => {
    const definition = ws.write("quick.json", smallDefinition({ name: "nostore" }))
    const store = NodePath.join(ws.dir, "absent-store")
    for (
      const args of [
        ["experiments", "list"],
        ["artifacts", "list", "--json"],
        ["experiments", "show", "exp_0123456789ab"],
        ["explain", definition],
        ["run", definition, "--dry-run"]
      ]
    ) {
      const result = await runCli([...args, "--store", store, "--catalog", catalog], { cwd: ws.dir, timeout: 120_000 })
      expectExit(result, 2)
      expect(result.stdout, args.join(" ")).toBe("")
      expect(result.stderr, args.join(" ")).toContain(`the catalog (--catalog or $PIPELINE_CATALOG) holds the records, but their objects are in a local store, and there is none at ${store}: give its directory with --store DIR`)
      expect(NodeFs.existsSync(store), args.join(" ")).toBe(false)
    }
  }, 300_000)
})
