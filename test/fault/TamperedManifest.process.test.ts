/**
 * A tampered manifest (issue 14, defect 6). Manifests are write-once, so a manifest whose digest
 * was pointed at another experiment's object used to survive every republish, and the next run
 * computed its metrics from the other experiment's trades. A manifest whose fields do not hash to
 * its own artifactId must be treated as absent everywhere (listing, show, cache lookup) and be
 * replaced by the next publish of that artifact, which leaves fsck clean.
 */
import { readFileSync, writeFileSync } from "node:fs"
import * as NodePath from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { parseJson, pipeline, runOk, show } from "./support/cli.js"
import { definition, outputDigests, tempDir, writeDefinition } from "./support/fixtures.js"
import { expectFsckCli } from "./support/fsck.js"

const work = tempDir("tampered")
afterAll(() => work.cleanup())

const manifestPath = (store: string, id: string) => NodePath.join(store, "artifacts", `${id}.json`)

describe("a manifest whose digest was swapped to another experiment's object", () => {
  it("is never served: the next run recomputes from the right object, repairs the manifest, and fsck is then clean", async () => {
    const store = NodePath.join(work.dir, "store")
    const defA = writeDefinition(work.dir, "a.json", definition("tamper-a", { stopLoss: 0.2 }))
    const defB = writeDefinition(work.dir, "b.json", definition("tamper-b", { stopLoss: 0.5, firstTarget: 2 }))
    const a = await runOk(defA, store)
    const b = await runOk(defB, store)
    expect(a.outputs.trades.digest).not.toBe(b.outputs.trades.digest)
    expect(a.outputs.metrics.digest).not.toBe(b.outputs.metrics.digest)

    // Point A's trades manifest at B's trades object (size made consistent, so only the id check can tell).
    const tradesId: string = a.outputs.trades.artifactId
    const path = manifestPath(store, tradesId)
    const original = readFileSync(path, "utf8")
    const other = JSON.parse(readFileSync(manifestPath(store, b.outputs.trades.artifactId), "utf8"))
    const tampered = { ...JSON.parse(original), digest: other.digest, bytes: other.bytes }
    writeFileSync(path, `${JSON.stringify(tampered, null, 2)}\n`)

    const before = await pipeline(["fsck", "--json", "--store", store])
    expect(before.code, show(before)).toBe(1)
    expect(parseJson(before).problems).toContainEqual(
      expect.objectContaining({ kind: "artifact", id: tradesId, problem: "id-mismatch" })
    )

    // Treated as absent: not listed, and `show` says why instead of showing the other experiment's object.
    const listed = parseJson(await pipeline(["artifacts", "list", "--type", "experiment_trades", "--json", "--store", store]))
    expect(JSON.stringify(listed)).not.toContain(tradesId)
    const shown = await pipeline(["artifacts", "show", tradesId, "--store", store])
    expect(shown.code, show(shown)).toBe(1)
    expect(shown.stderr).toContain(tradesId)
    expect(shown.stderr).toContain("does not match its id")

    // The next run of A: simulate misses (its output is absent), republishes and repairs the manifest;
    // every output is A's own, byte for byte.
    const again = await runOk(defA, store)
    expect(outputDigests(again)).toEqual(outputDigests(a))
    expect(again.outputs.trades.artifactId).toBe(tradesId)
    const simulate = again.nodes.find((node: { name: string }) => node.name === "simulate")
    expect(simulate.cache).toBe("miss")
    const repaired = JSON.parse(readFileSync(path, "utf8"))
    expect(repaired.digest).toBe(a.outputs.trades.digest)
    expect(repaired.bytes).toBe(JSON.parse(original).bytes)

    // B is untouched, and the store is consistent again.
    expect(outputDigests(await runOk(defB, store))).toEqual(outputDigests(b))
    await expectFsckCli(store)
  }, 120_000)
})
