/**
 * `verifyExperiment` in process: recomputation happens in scratch space (the real store gains no
 * object, manifest or action entry), and every output is compared with its record.
 */
import { it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { decodeDefinition, runExperiment, verificationFailure, verifyExperiment } from "../../nodes/experiment/index.js"
import { smallDefinition, snapshotTree } from "../cli-run/support.js"
import { storeLayer } from "../experiment/support.js"
import { tempDir } from "../store/suites/support.js"

const DURABLE = ["objects", "artifacts", "actions", "experiments"]

describe("verifyExperiment", () => {
  it.scoped("before any run: everything recomputes into scratch, nothing is recorded, the store stays empty", () =>
    Effect.gen(function*() {
      const root = path.join(yield* tempDir("verify-lib-"), "store")
      const encoded = smallDefinition({ name: "unrun", tokens: 5 })
      const definition = yield* decodeDefinition(encoded, "test")
      const events: Array<string> = []
      const report = yield* verifyExperiment(definition, encoded, {
        onEvent: (event) => Effect.sync(() => void events.push(event._tag))
      }).pipe(Effect.provide(storeLayer(root)))

      expect(report.ok).toBe(false)
      expect(report.rows.length).toBe(9)
      expect(report.rows.every((row) => row.identical === null && row.recorded === undefined)).toBe(true)
      expect(report.unrecorded).toBe(9)
      expect(report.divergences).toEqual([])
      expect(events.filter((tag) => tag === "Verified")).toHaveLength(4)
      expect(verificationFailure(report).message).toContain("run the experiment first")
      // A whole experiment was computed, and none of it is in the store.
      expect(snapshotTree(root, DURABLE)).toEqual({})
      expect(fs.readdirSync(path.join(root, "tmp"))).toEqual([])
    }), 120_000)

  it.scoped("after a run: every output identical; the recorded paths are the store's files", () =>
    Effect.gen(function*() {
      const root = path.join(yield* tempDir("verify-lib-"), "store")
      const encoded = smallDefinition({ name: "ran", tokens: 5, slippageJitterBps: 20 })
      const definition = yield* decodeDefinition(encoded, "test")
      const result = yield* runExperiment(definition, encoded).pipe(Effect.provide(storeLayer(root)))
      const before = snapshotTree(root, DURABLE)

      const report = yield* verifyExperiment(definition, encoded).pipe(Effect.provide(storeLayer(root)))
      expect(report.experimentId).toBe(result.experimentId)
      expect(report.ok).toBe(true)
      expect(report.rows.map((row) => row.identical)).toEqual(Array(9).fill(true))
      const trades = report.rows.find((row) => row.node === "simulate" && row.output === "trades")!
      expect(trades.recorded).toBe(result.outputs!.trades.digest)
      expect(trades.recordedPath).toBe(result.outputs!.trades.path)
      // The recomputed copy lived in scratch space under tmp/, now removed.
      expect(trades.recomputedPath?.startsWith(path.join(root, "tmp") + path.sep)).toBe(true)
      expect(fs.existsSync(trades.recomputedPath!)).toBe(false)
      expect(snapshotTree(root, DURABLE)).toEqual(before)
    }), 120_000)
})
