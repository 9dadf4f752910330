/**
 * `explainExperiment`: key material per node, hit/miss, and the exact fields that changed since the
 * last run of the same node identity; it reads the store and writes nothing.
 */
import { it } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import { describe, expect } from "vitest"
import type { KeyMaterial } from "../../pipeline/index.js"
import {
  decodeDefinition,
  displayChanges,
  explainExperiment,
  runExperiment
} from "../../nodes/experiment/index.js"
import { STORE_MARKER } from "../../store/index.js"
import { smallDefinition, snapshotTree } from "../cli-run/support.js"
import { storeLayer } from "../experiment/support.js"
import { tempDir } from "../store/suites/support.js"

const material = (inputs: KeyMaterial["inputs"]): KeyMaterial => ({
  node: "publish",
  nodeVersion: "1",
  engine: { pipeline: "0.1.0" },
  config: {},
  seed: 1,
  inputs
})

describe("displayChanges", () => {
  it("strips the leading config. of material paths and keeps the others", () => {
    expect(
      displayChanges(
        [
          { path: "config.strategy.exit.targets[0].multiple", before: 2, after: 3 },
          { path: "inputs.projection.resource", before: "blake3:aa", after: "blake3:bb" },
          { path: "seed", before: 1, after: 2 }
        ],
        material({ projection: { resource: "blake3:bb" as any } })
      )
    ).toEqual([
      { path: "strategy.exit.targets[0].multiple", before: 2, after: 3 },
      { path: "inputs.projection.resource", before: "blake3:aa", after: "blake3:bb" },
      { path: "seed", before: 1, after: 2 }
    ])
  })

  it("collapses an input whose upstream would rerun into one change", () => {
    const changes = displayChanges(
      [
        { path: "inputs.simulated.outputs", before: { trades: "blake3:t" }, after: undefined },
        { path: "inputs.simulated.pending", before: undefined, after: "blake3:k" },
        { path: "inputs.ohlcv[1].outputs.data", before: "blake3:a", after: "blake3:b" }
      ],
      material({
        simulated: { pending: "blake3:k" as any },
        ohlcv: [{ outputs: { data: "blake3:a" as any } }, { outputs: { data: "blake3:b" as any } }]
      })
    )
    expect(changes.map((c) => c.path)).toEqual(["inputs.simulated", "inputs.ohlcv[1].outputs.data"])
    expect(changes[0]).toMatchObject({ before: { outputs: { trades: "blake3:t" } }, after: { pending: "blake3:k" } })
    expect(changes[0]!.note).toContain("blake3:k")
  })
})

describe("explainExperiment", () => {
  it.scoped("catalog inputs: hit/miss per node, the changed fields, and nothing written", () =>
    Effect.gen(function*() {
      const root = path.join(yield* tempDir("explain-lib-"), "store")
      const layer = storeLayer(root)
      // The synthetic experiment provides catalog artifacts to select.
      const synthetic = smallDefinition({ name: "source", tokens: 5 })
      const source = yield* runExperiment(yield* decodeDefinition(synthetic, "t"), synthetic).pipe(Effect.provide(layer))

      const catalogEncoded = {
        ...smallDefinition({ name: "catalog", tokens: 5 }),
        inputs: { alerts: [...source.inputs.alerts], ohlcv: [{ type: "ohlcv_slice_v2", logicalKeyPrefix: "chain=synthetic/" }] }
      }
      const catalogDefinition = yield* decodeDefinition(catalogEncoded, "t")

      let before = snapshotTree(root)
      const fresh = yield* explainExperiment(catalogDefinition, catalogEncoded).pipe(Effect.provide(layer))
      expect(snapshotTree(root)).toEqual(before)
      expect(fresh.pendingReason).toBeUndefined()
      expect(fresh.nodes.map((n) => `${n.name}:${n.cache}:${n.status}`)).toEqual([
        // Same inputs, config and seed as the source experiment: the same keys, so cache hits,
        // though this identity ("catalog/…") never ran.
        "validate:hit:new",
        "project:resource:untracked",
        "simulate:hit:new",
        "publish:hit:new"
      ])
      expect(fresh.nodes.map((n) => n.key)).toEqual(source.nodes.slice(1).map((n) => n.key))
      const ran = yield* runExperiment(catalogDefinition, catalogEncoded).pipe(Effect.provide(layer))
      expect(fresh.experimentId).toBe(ran.experimentId)

      // Change the seed and the stop: validate is unseeded, so only simulate and publish change.
      const changedEncoded = {
        ...catalogEncoded,
        seed: 43,
        strategy: { ...catalogEncoded.strategy, stopLoss: { pct: 0.3 } }
      }
      before = snapshotTree(root)
      const changed = yield* explainExperiment(yield* decodeDefinition(changedEncoded, "t"), changedEncoded).pipe(
        Effect.provide(layer)
      )
      expect(snapshotTree(root)).toEqual(before)
      const byName = Object.fromEntries(changed.nodes.map((n) => [n.name, n]))
      expect(byName.validate).toMatchObject({ cache: "hit", status: "unchanged", changes: [] })
      expect(byName.simulate).toMatchObject({ cache: "miss", status: "changed", previousKey: ran.nodes[2]!.key })
      expect(byName.simulate!.missReason).toBe("not in the action cache")
      expect(byName.simulate!.changes).toEqual([
        { path: "strategy.stopLoss.pct", before: 0.25, after: 0.3 },
        { path: "seed", before: 42, after: 43 }
      ])
      expect(byName.simulate!.material.seed).toBe(43)
      expect(byName.publish!.changes.map((c) => c.path)).toEqual(["inputs.simulated", "seed"])
    }), 120_000)

  it.scoped("synthetic inputs not generated yet: only the generator is explained", () =>
    Effect.gen(function*() {
      const root = path.join(yield* tempDir("explain-lib-"), "store")
      const encoded = smallDefinition({ name: "never", tokens: 3 })
      const explanation = yield* explainExperiment(yield* decodeDefinition(encoded, "t"), encoded).pipe(
        Effect.provide(storeLayer(root))
      )
      expect(explanation.nodes.map((n) => `${n.name}:${n.cache}:${n.status}`)).toEqual(["synthetic:miss:new"])
      expect(explanation.pendingReason).toContain("synthetic generator would run first")
      expect(explanation.nodes[0]!.material.config).toMatchObject({ tokens: 3, days: 1, seed: 7 })
      // Opening the store layer creates the store (its marker file, empty directories). Explaining
      // may memoise derived values under cache/ (the DuckDB version); it records nothing else.
      expect(Object.keys(snapshotTree(root)).filter((file) => !file.startsWith("cache/"))).toEqual([STORE_MARKER])
    }))
})
