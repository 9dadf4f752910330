/**
 * `pipeline fsck` as a process: exit 0 with a summary on a clean store; exit 1 naming every
 * problem (digest, artifact id, action key) after damage; `--json` the same as a document.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  ActionCache,
  type ActionEntry,
  ArtifactCatalog,
  type ArtifactManifest,
  canonicalDigest,
  ObjectStore
} from "../../store/index.js"
import { runCli } from "../support/cli.js"
import { storeAt } from "../gc/support.js"

let dir: string
let store: string
let corruptible: ArtifactManifest
let vanishing: ArtifactManifest
let entry: ActionEntry

const publish = (content: string, logicalKey: string) =>
  Effect.gen(function* () {
    const objects = yield* ObjectStore
    const catalog = yield* ArtifactCatalog
    const file = yield* objects.scratchPath(".bin")
    yield* Effect.promise(() => fs.promises.writeFile(file, content))
    return yield* catalog.publish({
      file,
      type: "test_rows",
      schemaVersion: 1,
      logicalKey,
      rowCount: 1,
      minTs: null,
      maxTs: null,
      inputs: [],
      producedBy: { node: "test", key: "blake3:test" },
      provenance: { engineVersion: "test", duckdbVersion: "test", git: { commit: null, dirty: false } }
    })
  }).pipe(Effect.scoped)

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fsck-cli-"))
  store = path.join(dir, "store")
  await Effect.runPromise(
    Effect.gen(function* () {
      corruptible = yield* publish("rows that will be damaged\n", "corruptible")
      vanishing = yield* publish("rows whose object will vanish\n", "vanishing")
      const output = yield* publish("rows of a cached action\n", "cached")
      const key = yield* canonicalDigest({ node: "simulate", test: true })
      entry = {
        key,
        node: "simulate",
        material: { node: "simulate", test: true },
        outputs: { trades: { artifactId: output.artifactId, digest: output.digest } },
        ranAt: "2026-01-01T00:00:00.000Z",
        durationMs: 1
      }
      yield* (yield* ActionCache).put(entry)
    }).pipe(Effect.provide(storeAt(store)))
  )
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const hexOf = (digest: string) => digest.slice("blake3:".length)
const objectFile = (digest: string) => path.join(store, "objects", hexOf(digest).slice(0, 2), hexOf(digest))

describe("pipeline fsck (process)", () => {
  it("exit 0 on a clean store; exit 1 naming a corrupt object, a missing object and an entry's missing manifest", async () => {
    const clean = await runCli(["--store", store, "fsck"])
    expect(clean.code, clean.stderr).toBe(0)
    expect(clean.stdout).toContain("ok")
    expect(clean.stdout).toContain("3 objects")

    // Damage: a flipped byte, a deleted object, a deleted manifest that an action entry names.
    const file = objectFile(corruptible.digest)
    fs.chmodSync(file, 0o644)
    const bytes = fs.readFileSync(file)
    bytes[0] ^= 0xff
    fs.writeFileSync(file, bytes)
    fs.chmodSync(file, 0o444)
    fs.rmSync(objectFile(vanishing.digest))
    fs.rmSync(path.join(store, "artifacts", `${entry.outputs.trades.artifactId}.json`))

    const damaged = await runCli(["--store", store, "fsck"])
    expect(damaged.code).toBe(1)
    const lines = damaged.stdout.split("\n")
    const lineFor = (id: string) => lines.find((line) => line.includes(id) && !line.startsWith("checked"))
    expect(lineFor(corruptible.digest)).toMatch(/^object blake3:[0-9a-f]{64}: corrupt: its bytes hash to blake3:/)
    expect(lineFor(corruptible.digest)).toContain(corruptible.artifactId)
    expect(lineFor(vanishing.artifactId)).toContain("object-missing")
    expect(lineFor(vanishing.artifactId)).toContain(vanishing.digest)
    expect(lineFor(entry.key)).toContain("output-missing")
    expect(lineFor(entry.key)).toContain(entry.outputs.trades.artifactId)
    expect(damaged.stderr).toContain("fsck: 3 problems")

    const asJson = await runCli(["--store", store, "--json", "fsck"])
    expect(asJson.code).toBe(1)
    const report = JSON.parse(asJson.stdout)
    expect(report.ok).toBe(false)
    expect(report.problems.map((p: { kind: string; problem: string; id: string }) => `${p.kind} ${p.problem} ${p.id}`)).toEqual([
      `object corrupt ${corruptible.digest}`,
      `artifact object-missing ${vanishing.artifactId}`,
      `action output-missing ${entry.key}`
    ])
  }, 120_000)
})
