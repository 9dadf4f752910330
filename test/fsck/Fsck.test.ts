/**
 * fsck as a library: a clean store has no problems; each kind of damage is found and named (digest,
 * artifact id, action key, experiment id) with its file.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import {
  ActionCache,
  type ActionEntry,
  ArtifactCatalog,
  type ArtifactId,
  canonicalDigest,
  type ExperimentId,
  ExperimentTracker,
  fsck,
  hashString,
  makeLayout,
  ObjectStore,
  type PublishRequest
} from "../../store/index.js"
import { artifactIdOf } from "../../store/internal/artifactCatalog.js"
import { storeAt, tempDir } from "../gc/support.js"
import { flipFirstByte } from "../store/suites/support.js"

const provenance = { engineVersion: "test", duckdbVersion: "test", git: { commit: null, dirty: false } }

const publishText = (content: string, logicalKey: string, inputs: ReadonlyArray<ArtifactId> = []) =>
  Effect.gen(function* () {
    const objects = yield* ObjectStore
    const catalog = yield* ArtifactCatalog
    const file = yield* objects.scratchPath(".bin")
    yield* Effect.promise(() => fs.writeFile(file, content))
    const request: PublishRequest = {
      file,
      type: "test_rows",
      schemaVersion: 1,
      logicalKey,
      rowCount: 1,
      minTs: null,
      maxTs: null,
      inputs,
      producedBy: { node: "test", key: "blake3:test" },
      provenance
    }
    return yield* catalog.publish(request)
  })

/** An action entry whose outputs are freshly published artifacts. */
const putEntry = (node: string, outputs: Record<string, string>) =>
  Effect.gen(function* () {
    const cache = yield* ActionCache
    const key = yield* canonicalDigest({ node, outputs })
    const refs: Record<string, { artifactId: ArtifactId; digest: any }> = {}
    for (const [name, content] of Object.entries(outputs)) {
      const manifest = yield* publishText(content, `${node}/${name}`)
      refs[name] = { artifactId: manifest.artifactId, digest: manifest.digest }
    }
    const entry: ActionEntry = { key, node, material: { node, outputs }, outputs: refs, ranAt: "2026-01-01T00:00:00.000Z", durationMs: 1 }
    yield* cache.put(entry)
    return entry
  })

const withStore = <A, E>(body: (root: string) => Effect.Effect<A, E, any>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const root = path.join(yield* tempDir("fsck-test-"), "store")
      return yield* (body(root).pipe(Effect.provide(storeAt(root))) as Effect.Effect<A, E, never>)
    })
  )

/** A store with an artifact chain, an action entry and an experiment whose run completed. */
const populate = Effect.gen(function* () {
  const tracker = yield* ExperimentTracker
  const raw = yield* publishText("raw rows\n", "raw")
  const derived = yield* publishText("derived rows\n", "derived", [raw.artifactId])
  const entry = yield* putEntry("simulate", { trades: "trade rows\n", equity: "equity rows\n" })
  const experimentId = "exp_00112233" as ExperimentId
  yield* tracker.create({ experimentId, name: "fsck", definition: {}, inputs: { ohlcv: [raw.artifactId] }, seed: 1 })
  const run = yield* tracker.startRun(experimentId, { owner: { pid: process.pid, host: "test" }, provenance })
  yield* tracker.transition(experimentId, run.runId, "running")
  yield* tracker.transition(experimentId, run.runId, "completed", {
    outputs: { trades: entry.outputs.trades, derived: { artifactId: derived.artifactId, digest: derived.digest } }
  })
  return { raw, derived, entry, experimentId, runId: run.runId }
})

describe("fsck", () => {
  it.live("a consistent store: no problems, everything counted", () =>
    withStore(() =>
      Effect.gen(function* () {
        yield* populate
        const report = yield* fsck()
        expect(report.problems).toEqual([])
        expect(report.objects.count).toBe(4)
        expect(report.objects.bytes).toBe("raw rows\n".length + "derived rows\n".length + "trade rows\n".length + "equity rows\n".length)
        expect(report.artifacts).toBe(4)
        expect(report.actions).toBe(1)
        expect(report.experiments).toBe(1)
        expect(report.runs).toBe(1)
      })
    )
  )

  it.live("finds a flipped byte, a missing object, a manifest naming an absent object, an entry naming a missing manifest, a run output missing, a malformed manifest", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const layout = makeLayout(root)
        const objects = yield* ObjectStore
        const { raw, derived, entry, experimentId, runId } = yield* populate
        // A second experiment-free artifact for the "missing object" case.
        const lonely = yield* publishText("lonely rows\n", "lonely")

        // 1. A flipped byte in an object (the stat cache must not hide it).
        const rawObject = yield* objects.path(raw.digest)
        expect((yield* objects.verify(raw.digest, { trustStatCache: true }))._tag).toBe("Intact")
        yield* flipFirstByte(rawObject)
        // 2. A missing object.
        yield* Effect.promise(() => fs.rm(layout.objectPath(lonely.digest), { force: true }))
        // 3. A manifest naming an object that was never stored (its id is right for its fields).
        const ghostDigest = yield* hashString("never stored")
        const ghostId = yield* artifactIdOf({ digest: ghostDigest, type: "test_rows", schemaVersion: 1, logicalKey: "ghost", inputs: [] })
        const ghost = { ...lonely, artifactId: ghostId, digest: ghostDigest, logicalKey: "ghost" }
        yield* Effect.promise(() => fs.writeFile(layout.manifestPath(ghostId), JSON.stringify(ghost)))
        // 4. An action entry whose output manifest is gone.
        const equity = entry.outputs.equity.artifactId
        yield* Effect.promise(() => fs.rm(layout.manifestPath(equity)))
        // 5. A run output whose manifest is gone (derived: also used by nothing else).
        yield* Effect.promise(() => fs.rm(layout.manifestPath(derived.artifactId)))
        // 6. A malformed manifest.
        const broken = yield* publishText("broken rows\n", "broken")
        yield* Effect.promise(() => fs.writeFile(layout.manifestPath(broken.artifactId), "{ not json"))

        const report = yield* fsck()
        const lines = report.problems.map((p) => `${p.kind} ${p.problem} ${p.id}`)
        expect(lines).toEqual(
          [
            `object corrupt ${raw.digest}`,
            `artifact object-missing ${lonely.artifactId}`,
            `artifact object-missing ${ghostId}`,
            `artifact malformed ${broken.artifactId}`,
            `action output-missing ${entry.key}`,
            `experiment output-missing ${experimentId}/run ${runId}`
          ].sort((a, b) => {
            const order = ["object", "artifact", "action", "experiment"]
            const [ka, , ia] = a.split(" ")
            const [kb, , ib] = b.split(" ")
            return order.indexOf(ka) - order.indexOf(kb) || (ia < ib ? -1 : ia > ib ? 1 : 0)
          })
        )
        const byId = (id: string) => report.problems.find((p) => p.id === id)!
        expect(byId(raw.digest).detail).toContain(`used by ${raw.artifactId}`)
        expect(byId(raw.digest).path).toBe(rawObject)
        expect(byId(lonely.artifactId).detail).toContain(lonely.digest)
        expect(byId(ghostId).detail).toContain(ghostDigest)
        expect(byId(broken.artifactId).path).toBe(layout.manifestPath(broken.artifactId))
        expect(byId(entry.key).detail).toContain(equity)
        expect(byId(entry.key).path).toBe(layout.actionPath(entry.key))
        expect(byId(`${experimentId}/run ${runId}`).detail).toContain(derived.artifactId)
      })
    )
  )

  it.live("a manifest whose fields do not hash to its id, a size mismatch, a digest mismatch in an entry, a missing input", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const layout = makeLayout(root)
        const { raw, derived, entry } = yield* populate
        // Edit the logical key of `derived` in place: its id no longer matches; its input is gone.
        const derivedText = yield* Effect.promise(() => fs.readFile(layout.manifestPath(derived.artifactId), "utf8"))
        yield* Effect.promise(() =>
          fs.writeFile(layout.manifestPath(derived.artifactId), JSON.stringify({ ...JSON.parse(derivedText), logicalKey: "edited", bytes: 1 }))
        )
        yield* Effect.promise(() => fs.rm(layout.manifestPath(raw.artifactId)))
        // The entry records another digest for trades than the manifest has.
        const entryPath = layout.actionPath(entry.key)
        const stored = JSON.parse(yield* Effect.promise(() => fs.readFile(entryPath, "utf8")))
        stored.outputs.trades.digest = entry.outputs.equity.digest
        yield* Effect.promise(async () => {
          await fs.rm(entryPath)
          await fs.writeFile(entryPath, JSON.stringify(stored))
        })

        const report = yield* fsck()
        const lines = report.problems.map((p) => `${p.kind} ${p.problem} ${p.id}`)
        expect(lines).toContain(`artifact id-mismatch ${derived.artifactId}`)
        expect(lines).toContain(`artifact size-mismatch ${derived.artifactId}`)
        expect(lines).toContain(`artifact input-missing ${derived.artifactId}`)
        expect(lines).toContain(`action digest-mismatch ${entry.key}`)
        expect(lines.some((line) => line.startsWith("experiment input-missing exp_00112233"))).toBe(true)
        const runDigest = report.problems.filter((p) => p.kind === "experiment" && p.problem === "digest-mismatch")
        expect(runDigest).toEqual([])
      })
    )
  )
})
