/**
 * Many `pipeline run` processes on one store at once, with overlapping work: the same synthetic
 * market (generator, validation and projection shared), different strategies, and some identical
 * definitions (same experiment, same keys). No global lock: they must all succeed, agree with the
 * same definitions run one after another in another store, and leave a consistent store whose
 * shared entries are intact (a rerun is all hits).
 */
import * as NodePath from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { pipeline, runOk, show } from "./support/cli.js"
import { definition, outputDigests, outputIds, tempDir, writeDefinition } from "./support/fixtures.js"
import { expectConsistent, expectFsckCli } from "./support/fsck.js"
import { storedRuns } from "./support/storeCheck.js"

const work = tempDir("concurrent")
afterAll(() => work.cleanup())

describe("concurrent pipeline run on one store", () => {
  it("6 overlapping runs at once: all exit 0, outputs equal sequential runs, store consistent, rerun all hits", async () => {
    const market = { tokens: 10, days: 1, seed: 7 }
    const defs = {
      a: writeDefinition(work.dir, "a.json", definition("conc-a", {}, market)),
      b: writeDefinition(work.dir, "b.json", definition("conc-b", { stopLoss: 0.1 }, market)),
      c: writeDefinition(work.dir, "c.json", definition("conc-c", { firstTarget: 2, feeBps: 50 }, market)),
      // Same strategy as a under another name: another experiment, the same node keys.
      d: writeDefinition(work.dir, "d.json", definition("conc-d", {}, market))
    }
    // a and b twice (identical definitions in two files): the same experiment run twice at once.
    const a2 = writeDefinition(work.dir, "a2.json", definition("conc-a", {}, market))
    const b2 = writeDefinition(work.dir, "b2.json", definition("conc-b", { stopLoss: 0.1 }, market))
    const shared = NodePath.join(work.dir, "shared")
    const sequential = NodePath.join(work.dir, "sequential")

    const launches: Array<[keyof typeof defs, string]> = [["a", defs.a], ["b", defs.b], ["a", a2], ["c", defs.c], ["b", b2], ["d", defs.d]]
    const results = await Promise.all(launches.map(([, file]) => pipeline(["run", file, "--json", "--store", shared], { timeout: 180_000 })))
    const docs = results.map((result) => {
      expect(result.code, show(result)).toBe(0)
      return JSON.parse(result.stdout)
    })
    await expectConsistent(shared)

    // The same definitions one after another in a store of their own.
    const reference: Record<string, any> = {}
    for (const [name, file] of Object.entries(defs)) reference[name] = await runOk(file, sequential)
    launches.forEach(([name], i) => {
      expect(docs[i].experimentId).toBe(reference[name].experimentId)
      expect(outputDigests(docs[i]), `run ${i} (${name})`).toEqual(outputDigests(reference[name]))
      expect(outputIds(docs[i])).toEqual(outputIds(reference[name]))
    })
    // Strategies differ, so their trades differ; a and d (same strategy) share their outputs.
    expect(outputDigests(reference.a).trades).not.toBe(outputDigests(reference.b).trades)
    expect(outputDigests(reference.d)).toEqual(outputDigests(reference.a))
    expect(reference.d.experimentId).not.toBe(reference.a.experimentId)

    // Every node ran at least once somewhere; shared nodes (generator, validate) hold one key.
    const keysOf = (name: string) => new Set(docs.flatMap((doc) => doc.nodes.filter((n: any) => n.name === name).map((n: any) => n.key)))
    expect(keysOf("synthetic").size).toBe(1)
    expect(keysOf("validate").size).toBe(1)
    expect(keysOf("simulate").size).toBe(3)

    // Tracker: every run completed, run numbers distinct within an experiment (a and b ran twice).
    const runs = storedRuns(shared)
    expect(runs).toHaveLength(6)
    expect(runs.every((run) => run.status === "completed")).toBe(true)
    const perExperiment = new Map<string, Array<string>>()
    for (const run of runs) perExperiment.set(run.experimentId, [...(perExperiment.get(run.experimentId) ?? []), run.runId])
    expect(perExperiment.get(reference.a.experimentId)).toEqual(["000001", "000002"])
    expect(perExperiment.get(reference.b.experimentId)).toEqual(["000001", "000002"])

    // Shared entries intact: rerunning everything (at once again) is all hits, same outputs.
    const reruns = await Promise.all(Object.values(defs).map((file) => runOk(file, shared)))
    Object.keys(defs).forEach((name, i) => {
      for (const node of reruns[i].nodes) expect(node.cache, `${name}: ${node.name}`).toBe("hit")
      expect(outputDigests(reruns[i])).toEqual(outputDigests(reference[name]))
    })
    await expectConsistent(shared)
    await expectFsckCli(shared)
  }, 300_000)
})
