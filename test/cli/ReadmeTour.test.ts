/**
 * The README's tour and "Your own data" work as written: the suggested edit of the quickstart still
 * decodes, the alerts CSV shown is the complete example file, no DuckDB CLI or document outside
 * the repository is assumed.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { decodeDefinition, experimentIdOf, isSweep } from "../../nodes/experiment/index.js"
import { expandSweep, variantIdOf } from "../../nodes/sweep/index.js"
import { repoRoot } from "../support/cli.js"

const readme = NodeFs.readFileSync(NodePath.join(repoRoot, "README.md"), "utf8")
const example = (name: string) => NodeFs.readFileSync(NodePath.join(repoRoot, "examples", name), "utf8")

describe("README", () => {
  it("the tour's suggested edit of examples/quickstart.json gives a valid definition, and explain's line names it", async () => {
    const edit = /the first target multiple in `examples\/quickstart\.json` from ([\d.]+) to ([\d.]+)/.exec(readme)
    expect(edit).not.toBeNull()
    const [, from, to] = edit!
    const quickstart = JSON.parse(example("quickstart.json"))
    expect(quickstart.strategy.exit.targets[0].multiple).toBe(Number(from))
    quickstart.strategy.exit.targets[0].multiple = Number(to)
    const exit = await Effect.runPromiseExit(decodeDefinition(quickstart, "quickstart.json (edited as the README says)"))
    expect(Exit.isSuccess(exit), JSON.stringify(exit)).toBe(true)
    expect(readme).toContain(`strategy.exit.targets[0].multiple: ${from} → ${to}`)
  })

  it("every experiment and variant id it uses is one that its example definitions give (the edited quickstart's too)", async () => {
    const edit = /the first target multiple in `examples\/quickstart\.json` from ([\d.]+) to ([\d.]+)/.exec(readme)
    const quickstart = JSON.parse(example("quickstart.json"))
    const edited = structuredClone(quickstart)
    edited.strategy.exit.targets[0].multiple = Number(edit![2])
    const sweep = JSON.parse(example("sweep.json"))
    const ids = await Effect.runPromise(Effect.gen(function*() {
      const decoded = yield* decodeDefinition(sweep, "sweep.json")
      if (!isSweep(decoded)) throw new Error("examples/sweep.json has no sweep block")
      const expanded = yield* expandSweep(sweep.strategy, decoded.sweep)
      return {
        // Synthetic inputs: an experiment's id is its definition's.
        experiments: yield* Effect.forEach([quickstart, edited, sweep], (definition) => experimentIdOf(definition, null)),
        // The sweep's variants, and the invalid one the README shows refused.
        variants: [...expanded.variants.map((variant) => variant.variantId), yield* variantIdOf({ "stopLoss.pct": 1.2 })]
      }
    }))
    const used = (pattern: RegExp) => [...new Set([...readme.matchAll(pattern)].map(([id]) => id))]
    const experiments = used(/\bexp_[0-9a-f]{4,}/g)
    const variants = used(/\bvar_[0-9a-f]{4,}/g)
    expect(experiments.length).toBeGreaterThanOrEqual(3)
    expect(variants.length).toBeGreaterThanOrEqual(3)
    for (const id of experiments) expect(ids.experiments.filter((full) => full.startsWith(id)), id).toHaveLength(1)
    for (const id of variants) expect(ids.variants.filter((full) => full.startsWith(id)), id).toHaveLength(1)
  })

  it("Your own data shows the complete alerts file it imports; examples/own-data.json decodes", async () => {
    const block = /```csv\n(alert_id,alert_ts,chain,mint,caller\n[\s\S]*?)```/.exec(readme)
    expect(block).not.toBeNull()
    expect(block![1]).toBe(example("data/alerts.csv"))
    expect(readme).toContain("npx pipeline import alerts examples/data/alerts.csv")
    const exit = await Effect.runPromiseExit(decodeDefinition(JSON.parse(example("own-data.json")), "own-data.json"))
    expect(Exit.isSuccess(exit), JSON.stringify(exit)).toBe(true)
  })

  it("assumes no DuckDB CLI and cites no document outside the repository", () => {
    expect(readme).not.toMatch(/^duckdb /m)
    expect(readme).not.toContain("duckdb -c")
    // Every document it names is a file of the repository, the design among them.
    const documents = [...readme.matchAll(/[\w./-]+\.md\b/g)].map(([name]) => name)
    expect(documents).toContain("docs/DESIGN.md")
    for (const document of documents) expect(NodeFs.existsSync(NodePath.join(repoRoot, document)), document).toBe(true)
    // The one path beside the checkout is the real test data, and the README says where it comes from.
    const beside = new Set([...readme.matchAll(/\.\.\/shared[\w./-]*/g)].map(([path]) => path))
    expect([...beside]).toEqual(["../shared/data/real-btc-2023-03"])
    expect(readme).toContain("cl8550-crypto/iaqf_analysis")
  })
})
