/**
 * An object replaced by a symbolic link (someone "deduplicated" the store, or planted a link to a
 * file of theirs). The store never follows it: it is not served (a cache miss that puts a real file
 * back in its place), a re-publish of the same bytes never chmods or writes the link's target, and
 * fsck names it. The target outside the store keeps its mode and its bytes throughout.
 */
import { chmodSync, copyFileSync, lstatSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseJson, pipeline, runOk, show } from "./support/cli.js"
import { definition, outputDigests, tempDir, writeDefinition } from "./support/fixtures.js"
import { expectConsistent, expectFsckCli } from "./support/fsck.js"
import { objectPath } from "./support/storeCheck.js"

const work = tempDir("symlinked-objects")
const market = { tokens: 6, days: 1, seed: 7 }
const store = NodePath.join(work.dir, "store")

let defA: string
let defB: string
let docA: any

beforeAll(async () => {
  defA = writeDefinition(work.dir, "a.json", definition("symlink-a", {}, market))
  // Another fee: new simulate and publish keys, the same diagnostics bytes (skips do not depend on fees).
  defB = writeDefinition(work.dir, "b.json", definition("symlink-b", { feeBps: 40 }, market))
  docA = await runOk(defA, store)
}, 60_000)
afterAll(() => work.cleanup())

/** Replaces `object` by a symlink to a copy of its bytes outside the store (mode 0644); returns the copy. */
const plantLink = (object: string, name: string): { target: string; bytes: Buffer } => {
  const target = NodePath.join(work.dir, name)
  copyFileSync(object, target)
  chmodSync(target, 0o644)
  rmSync(object)
  symlinkSync(target, object)
  return { target, bytes: readFileSync(target) }
}

const expectUntouched = (outside: { target: string; bytes: Buffer }) => {
  expect((statSync(outside.target).mode & 0o777).toString(8)).toBe("644")
  expect(readFileSync(outside.target).equals(outside.bytes)).toBe(true)
}

const expectRealObject = (object: string) => {
  const stats = lstatSync(object)
  expect(stats.isSymbolicLink()).toBe(false)
  expect(stats.isFile()).toBe(true)
  expect((stats.mode & 0o777).toString(8)).toBe("444")
}

describe("a symlinked object", () => {
  it("fsck names it (kind object, problem symlink, its path) and does not count it as stored", async () => {
    const object = objectPath(store, docA.outputs.diagnostics.digest)
    const outside = plantLink(object, "fsck-target.parquet")
    try {
      const result = await pipeline(["fsck", "--json", "--store", store])
      expect(result.code, show(result)).toBe(1)
      const report = parseJson(result)
      expect(report.problems).toContainEqual(
        expect.objectContaining({ kind: "object", id: docA.outputs.diagnostics.digest, path: object, problem: "symlink" })
      )
      // Not an object: the artifact whose bytes it should hold has none.
      expect(report.problems).toContainEqual(
        expect.objectContaining({ kind: "artifact", id: docA.outputs.diagnostics.artifactId, problem: "object-missing" })
      )
      const text = await pipeline(["fsck", "--store", store])
      expect(text.code).toBe(1)
      expect(text.stdout).toContain(`object ${docA.outputs.diagnostics.digest}: symlink`)
      expect(text.stdout).toContain(object)
      expectUntouched(outside)
    } finally {
      rmSync(object)
      copyFileSync(outside.target, object)
      chmodSync(object, 0o444)
    }
  }, 60_000)

  it("re-publishing its bytes replaces the link by a real file; the target's mode and bytes are unchanged", async () => {
    const object = objectPath(store, docA.outputs.diagnostics.digest)
    const outside = plantLink(object, "republish-target.parquet")
    const docB = await runOk(defB, store)
    expect(docB.outputs.diagnostics.digest).toBe(docA.outputs.diagnostics.digest) // the same bytes, re-used
    expectUntouched(outside)
    expectRealObject(object)
    await expectConsistent(store)
  }, 60_000)

  it("a run never serves it: the node misses, and the object is a real file again", async () => {
    const object = objectPath(store, docA.outputs.metrics.digest)
    const outside = plantLink(object, "run-target.parquet")
    const rerun = await runOk(defA, store)
    const publish = rerun.nodes.find((node: any) => node.name === "publish")
    expect(publish.cache, JSON.stringify(rerun.nodes)).toBe("miss")
    expect(outputDigests(rerun)).toEqual(outputDigests(docA))
    expectUntouched(outside)
    expectRealObject(object)
    await expectFsckCli(store)
  }, 60_000)
})
