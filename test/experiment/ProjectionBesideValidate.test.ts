/**
 * The projection is built beside validate (validate is an order-only input of project,
 * docs/DESIGN.md §3): when validate fails while the projection is being built, the run fails with
 * validate's error, the projection's database is gone, and nothing downstream ran or was recorded.
 *
 * validate here is the real node, started only once the projection's database exists under the
 * store's tmp/, so the failure lands while the projection is being built, whatever the machine's load.
 */
import { it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Schedule } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { decodeDefinition } from "../../nodes/experiment/index.js"
import { projectNode } from "../../nodes/project/index.js"
import { engineVersions } from "../../nodes/runtime/index.js"
import { simulateNode } from "../../nodes/simulate/SimulateNode.js"
import { syntheticNode } from "../../nodes/synthetic/SyntheticNode.js"
import { makeSyntheticConfig } from "../../nodes/synthetic/index.js"
import { InputArtifactsInvalid, ValidateConfig, validateNode } from "../../nodes/validate/index.js"
import { artifactNode, execute, type ExecutorEvent } from "../../pipeline/index.js"
import { ActionCache, ArtifactCatalog } from "../../store/index.js"
import { smallDefinition } from "../cli-run/support.js"
import { tempDir } from "../store/suites/support.js"
import { storeLayer } from "./support.js"

const projectionFiles = (tmp: string): Array<string> =>
  fs.existsSync(tmp) ? fs.readdirSync(tmp, { recursive: true }).map(String).filter((name) => name.includes("-projection.duckdb")) : []

/** Polls until the store's tmp/ holds a projection database (at most 60 s). */
const projectionBuilding = (tmp: string) =>
  Effect.suspend(() => (projectionFiles(tmp).length > 0 ? Effect.void : Effect.fail("not yet" as const))).pipe(
    Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 3000 }),
    Effect.orDie
  )

describe("projection beside validate", () => {
  it.live("validate fails while the projection is being built: validate's error, no projection file, nothing downstream", () =>
    Effect.gen(function*() {
      const root = path.join(yield* tempDir("beside-validate-"), "store")
      const tmp = path.join(root, "tmp")
      return yield* Effect.gen(function*() {
        const engine = yield* engineVersions
        const catalog = yield* ArtifactCatalog
        const encoded = smallDefinition({ name: "beside", tokens: 40, days: 2 })
        const definition = yield* decodeDefinition(encoded, "beside.json")
        const synthetic = syntheticNode(makeSyntheticConfig({ tokens: 40, days: 2, seed: 7 }))
        const generated = (yield* execute([synthetic], { engine })).of(synthetic).outputs!
        const alerts = generated.alerts!.artifactId
        const ohlcv = generated.ohlcv!.artifactId
        // A superseded input: validate refuses it; the projection can still read its object.
        yield* catalog.supersede(ohlcv)

        const scope = { alerts: [alerts], ohlcv: [ohlcv], dateRange: definition.dateRange }
        const realValidate = validateNode(scope)
        const validate = artifactNode({
          name: realValidate.name,
          version: realValidate.version,
          configSchema: ValidateConfig,
          config: scope,
          inputs: {},
          outputs: ["coverage"],
          run: (context) => Effect.zipRight(projectionBuilding(tmp), realValidate.runBody({ ...context, inputs: {} }))
        })
        const project = projectNode(scope, validate)
        const simulate = simulateNode({ strategy: definition.strategy, dateRange: definition.dateRange, inputs: [alerts, ohlcv] }, project)
        const events: Array<ExecutorEvent> = []
        const exit = yield* Effect.exit(
          execute([simulate], { engine, seed: definition.seed, onEvent: (event) => Effect.sync(() => void events.push(event)) })
        )

        expect(Exit.isFailure(exit)).toBe(true)
        const failures = Exit.isFailure(exit) ? [...new Set(Chunk.toReadonlyArray(Cause.failures(exit.cause)))] : []
        expect(failures).toHaveLength(1)
        expect(failures[0]).toBeInstanceOf(InputArtifactsInvalid)
        expect(String((failures[0] as InputArtifactsInvalid).message)).toContain("status is superseded, not active")
        expect(projectionFiles(tmp)).toEqual([])
        // Nothing downstream ran: no simulate event but its miss, no acquisition handed over.
        expect(events.filter((e) => e._tag === "Started").map((e) => "node" in e && e.node.name)).toEqual(["validate"])
        expect(events.some((e) => e._tag === "ResourceAcquired")).toBe(false)
        const cache = yield* ActionCache
        expect((yield* cache.list()).map((entry) => entry.node)).toEqual(["synthetic"])
        expect((yield* catalog.list()).map((manifest) => manifest.type).sort()).toEqual(["alerts_v1", "ohlcv_slice_v2"])
      }).pipe(Effect.provide(storeLayer(root)))
    }).pipe(Effect.scoped), 120_000)
})
