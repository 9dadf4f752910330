/** The text rendering of `pipeline explain` (cli/commands/Explain.ts). */
import { describe, expect, it } from "vitest"
import { explainLines, explainSummaryLines } from "../../cli/commands/Explain.js"
import type { ExperimentExplanation } from "../../nodes/experiment/index.js"

const d = (c: string) => `blake3:${c.repeat(64)}` as any

const explanation: ExperimentExplanation = {
  experimentId: "exp_1234",
  name: "demo",
  pendingReason: undefined,
  nodes: [
    {
      name: "simulate",
      identity: "demo/simulate",
      kind: "artifact",
      key: d("a"),
      cache: "miss",
      missReason: "not in the action cache",
      status: "changed",
      previousKey: d("b"),
      changes: [
        { path: "strategy.exit.targets[0].multiple", before: 2, after: 3 },
        { path: "inputs.projection.resource", before: d("c"), after: d("e") }
      ],
      material: {
        node: "simulate",
        nodeVersion: "1",
        engine: { pipeline: "0.1.0", duckdb: "v1.5.6" },
        config: { strategy: { exit: { targets: [{ multiple: 3 }] } } },
        seed: 42,
        inputs: { projection: { resource: d("e") } }
      }
    }
  ]
}

describe("explain rendering", () => {
  it("names each changed field with before → after, digests shortened", () => {
    const text = explainLines(explanation).join("\n")
    expect(text).toContain("simulate  blake3:aaaaaaaaaaaa…  would run (not in the action cache); key changed since the last run (was blake3:bbbbbbbbbbbb…)")
    expect(text).toContain("    strategy.exit.targets[0].multiple: 2 → 3")
    expect(text).toContain("    inputs.projection.resource: blake3:cccccccccccc… → blake3:eeeeeeeeeeee…")
    expect(text).toContain("    input projection ← resource blake3:eeeeeeeeeeee…")
    expect(text).toContain("seed 42")
  })

  it("the short answer: one line per node that would run and why; hits and the projection after", () => {
    const base = explanation.nodes[0]!
    const nodes: ExperimentExplanation["nodes"] = [
      { ...base, name: "validate", cache: "hit", status: "unchanged", changes: [], material: { ...base.material, inputs: {} } },
      { ...base, name: "project", kind: "resource", cache: "resource", status: "untracked", key: d("e"), changes: [] },
      base,
      { ...base, name: "publish", status: "new", changes: [], material: { ...base.material, inputs: {} } },
      { ...base, name: "report", status: "unchanged", missReason: "output trades: object 1234 missing", changes: [], material: { ...base.material, inputs: {} } }
    ]
    expect(explainSummaryLines({ ...explanation, nodes })).toEqual([
      "experiment exp_1234 (demo): 1 hit, 4 miss",
      "  simulate  key changed: strategy.exit.targets[0].multiple: 2 → 3; inputs.projection.resource: blake3:cccccccccccc… → blake3:eeeeeeeeeeee…",
      "  publish   never ran (no previous run of this node)",
      "  report    key unchanged, but output trades: object 1234 missing",
      "  hit: validate · project built for them, never cached"
    ])
    // Nothing would run: the projection is not needed, so it is a hit too.
    expect(explainSummaryLines({ ...explanation, nodes: [nodes[0]!, nodes[1]!] })).toEqual([
      "experiment exp_1234 (demo): 2 hit, nothing would run"
    ])
  })
})
