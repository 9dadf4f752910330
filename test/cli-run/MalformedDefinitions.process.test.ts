/**
 * Malformed definitions through the real CLI: each is a usage error (exit 2) whose message names
 * the field or the artifact id, and none changes anything in the store (a snapshot of the store's
 * tree — paths and sizes — is identical before and after).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectExit, smallDefinition, snapshotTree, type Workspace, workspace } from "./support.js"

const UNKNOWN_ID = `art_${"0".repeat(64)}`

type Definition = ReturnType<typeof smallDefinition> & Record<string, any>

const cases: ReadonlyArray<{
  readonly name: string
  readonly command: "run" | "verify" | "explain"
  readonly edit: (d: Definition) => unknown
  /** Every string must appear in stderr. */
  readonly expected: ReadonlyArray<string>
}> = [
  {
    name: "missing field",
    command: "run",
    edit: ({ seed: _seed, ...rest }) => rest,
    expected: ["seed: is missing"]
  },
  {
    name: "wrong type",
    command: "run",
    edit: (d) => ({ ...d, seed: "42" }),
    expected: ["seed: Expected number", `"42"`]
  },
  {
    // The value is echoed shortened (its start and its length), the field still named.
    name: "a 10,000-character name",
    command: "run",
    edit: (d) => ({ ...d, name: "a".repeat(10_000) }),
    expected: ["  name: Expected a string at most 200", `actual "${"a".repeat(40)}…" (10000 characters)`]
  },
  {
    name: "unknown field",
    command: "run",
    edit: (d) => ({ ...d, strategy: { ...d.strategy, exit: { ...d.strategy.exit, bogus: 1 } } }),
    expected: ["strategy.exit.bogus", "unexpected"]
  },
  {
    name: "bad date",
    command: "run",
    edit: (d) => ({ ...d, dateRange: { ...d.dateRange, from: "2024-13-45T00:00:00Z" } }),
    expected: ["dateRange.from", "2024-13-45T00:00:00Z"]
  },
  {
    name: "fractions over 1",
    command: "run",
    edit: (d) => ({
      ...d,
      strategy: {
        ...d.strategy,
        exit: { ...d.strategy.exit, targets: [{ multiple: 2, fraction: 0.7 }, { multiple: 4, fraction: 0.6 }] }
      }
    }),
    expected: ["strategy.exit.targets", "above 1"]
  },
  {
    name: "unknown artifact id",
    command: "run",
    edit: (d) => ({ ...d, inputs: { alerts: [UNKNOWN_ID], ohlcv: [{ type: "ohlcv_slice_v2" }] } }),
    expected: ["inputs.alerts[0]", UNKNOWN_ID]
  },
  // Numeric bounds the runtime relies on: each is refused where the definition is decoded.
  {
    name: "jitterCandles 1e15",
    command: "run",
    edit: (d) => ({ ...d, strategy: { ...d.strategy, entry: { delayCandles: 1, jitterCandles: 1e15 } } }),
    expected: ["strategy.entry.jitterCandles", "1000000000000000"]
  },
  {
    name: "delayCandles 1e15",
    command: "run",
    edit: (d) => ({ ...d, strategy: { ...d.strategy, entry: { delayCandles: 1e15 } } }),
    expected: ["strategy.entry.delayCandles"]
  },
  {
    name: "synthetic days 1e-9 (shorter than one candle)",
    command: "run",
    edit: (d) => ({ ...d, inputs: { synthetic: { tokens: 10, days: 1e-9, seed: 7 } } }),
    expected: ["inputs.synthetic.days", "one candle"]
  },
  {
    name: "the largest synthetic market the old schema allowed",
    command: "explain",
    edit: (d) => ({ ...d, inputs: { synthetic: { tokens: 100_000, days: 366, seed: 7 } } }),
    expected: ["inputs.synthetic", "candles"]
  },
  {
    name: "synthetic tokens over the generator's limit",
    command: "run",
    edit: (d) => ({ ...d, inputs: { synthetic: { tokens: 500_000, days: 0.01, seed: 7 } } }),
    expected: ["inputs.synthetic.tokens"]
  },
  {
    name: "notional 1e308",
    command: "run",
    edit: (d) => ({ ...d, strategy: { ...d.strategy, sizing: { notional: 1e308, initialCapital: 1000 } } }),
    expected: ["strategy.sizing.notional"]
  },
  {
    name: "initialCapital 1e308",
    command: "run",
    edit: (d) => ({ ...d, strategy: { ...d.strategy, sizing: { notional: 10, initialCapital: 1e308 } } }),
    expected: ["strategy.sizing.initialCapital"]
  },
  {
    name: "feeBps 1e308",
    command: "run",
    edit: (d) => ({ ...d, strategy: { ...d.strategy, costs: { feeBps: 1e308, slippageBps: 15 } } }),
    expected: ["strategy.costs.feeBps"]
  },
  {
    name: "target multiple 1e300",
    command: "run",
    edit: (d) => ({
      ...d,
      strategy: { ...d.strategy, exit: { ...d.strategy.exit, targets: [{ multiple: 1e300, fraction: 0.5 }] } }
    }),
    expected: ["strategy.exit.targets[0].multiple"]
  },
  {
    name: "maxHoldCandles 1e15",
    command: "run",
    edit: (d) => ({ ...d, strategy: { ...d.strategy, exit: { ...d.strategy.exit, maxHoldCandles: 1e15 } } }),
    expected: ["strategy.exit.maxHoldCandles"]
  },
  {
    name: "trailing activation 1e308",
    command: "run",
    edit: (d) => ({ ...d, strategy: { ...d.strategy, trailing: { activation: 1e308, pct: 0.2 } } }),
    expected: ["strategy.trailing.activation"]
  },
  {
    name: "verify: missing field",
    command: "verify",
    edit: ({ name: _name, ...rest }) => rest,
    expected: ["name: is missing"]
  },
  {
    name: "explain: unknown artifact id",
    command: "explain",
    edit: (d) => ({ ...d, inputs: { alerts: [{ type: "alerts_v1" }], ohlcv: [UNKNOWN_ID] } }),
    expected: ["inputs.ohlcv[0]", UNKNOWN_ID]
  }
]

describe("malformed definitions", () => {
  let ws: Workspace
  let before: Record<string, number>

  beforeAll(async () => {
    ws = workspace("pipeline-malformed-")
    // A store with something in it: one completed run (its synthetic inputs make selectors match).
    expectExit(await ws.cli(["run", ws.write("valid.json", smallDefinition()), "--quiet"]), 0)
    before = snapshotTree(ws.store)
    expect(Object.keys(before).length).toBeGreaterThan(10)
  }, 120_000)
  afterAll(() => ws.cleanup())

  it("each exits 2 naming the field or id, and leaves the store unchanged", async () => {
    // Two at a time (two cores).
    const results: Array<{ c: (typeof cases)[number]; result: Awaited<ReturnType<Workspace["cli"]>> }> = []
    for (let i = 0; i < cases.length; i += 2) {
      results.push(
        ...(await Promise.all(
          cases.slice(i, i + 2).map(async (c, j) => {
            const path = ws.write(`bad-${i + j}.json`, c.edit(smallDefinition() as Definition))
            return { c, result: await ws.cli([c.command, path]) }
          })
        ))
      )
    }
    for (const { c, result } of results) {
      expect(`${c.name}: exit ${result.code}`).toBe(`${c.name}: exit 2`)
      for (const text of c.expected) expect(result.stderr, c.name).toContain(text)
      expect(result.stdout, c.name).toBe("")
    }
    expect(snapshotTree(ws.store)).toEqual(before)

    // Neither a file nor an experiment id: a usage error too; an unknown id is reported by name.
    const nonsense = await ws.cli(["verify", "no-such-thing.json"])
    expectExit(nonsense, 2)
    expect(nonsense.stderr).toContain("no-such-thing.json")
    const unknown = await ws.cli(["verify", "exp_0123456789abcdef"])
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain("exp_0123456789abcdef")
    expect(snapshotTree(ws.store)).toEqual(before)
  }, 180_000)
})
