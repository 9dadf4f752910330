/**
 * gc as a library, on a real filesystem store: reachability from kept experiments and imports,
 * action entries and identity pointers, tmp/ sweeping by owner pid and age, dry run, grace period.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import {
  ActionCache,
  ArtifactCatalog,
  type ArtifactId,
  ExperimentTracker,
  fsck,
  gc,
  makeLayout,
  ObjectStore
} from "../../store/index.js"
import { age, definitionJson, runDefinition, snapshot, storeAt, tempDir } from "./support.js"

/** A clock `offsetMs` ahead of the real one (to step past the grace period without waiting). */
const clockAhead = (offsetMs: number) =>
  Effect.map(Effect.clock, (base): Clock.Clock => ({
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis() + offsetMs,
    currentTimeMillis: Effect.sync(() => base.unsafeCurrentTimeMillis() + offsetMs),
    unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos() + BigInt(offsetMs) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => base.unsafeCurrentTimeNanos() + BigInt(offsetMs) * 1_000_000n),
    sleep: (duration) => base.sleep(duration)
  }))

/** Ids of the artifacts reachable from `ids` through inputs (the ids included). */
const lineageOf = (ids: ReadonlyArray<ArtifactId>) =>
  Effect.gen(function* () {
    const catalog = yield* ArtifactCatalog
    const all = new Set<string>()
    for (const id of ids) for (const node of (yield* catalog.lineage(id)).nodes) all.add(node.artifactId)
    return all
  })

const outputIds = (outputs: { readonly [k: string]: { readonly artifactId: ArtifactId } } | undefined) =>
  Object.values(outputs ?? {}).map((output) => output.artifactId)

const withStore = <A, E>(body: (root: string) => Effect.Effect<A, E, any>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const root = path.join(yield* tempDir("gc-test-"), "store")
      return yield* (body(root).pipe(Effect.provide(storeAt(root))) as Effect.Effect<A, E, never>)
    })
  )

describe("gc", () => {
  it.live("remote-backed artifacts (object on a remote, not here): fsck counts them, not as problems; gc keeps their promises and forgets stray ones", () =>
    withStore(() =>
      Effect.gen(function* () {
        const catalog = yield* ArtifactCatalog
        const objects = yield* ObjectStore
        yield* runDefinition(definitionJson("gc-remote", 20))
        const [candles] = yield* catalog.list({ type: "ohlcv_slice_v2" })
        // As a remote hit leaves it: the manifest here, the object on the remote.
        yield* objects.promise(candles.digest, "s3://team/p")
        yield* objects.remove(candles.digest)
        const stray = `blake3:${"ab".repeat(32)}` as typeof candles.digest
        yield* objects.promise(stray, "s3://team/p")
        const check = yield* fsck()
        expect(check.problems).toEqual([])
        expect(check.remoteBacked).toEqual([{ location: "s3://team/p", artifacts: 1 }])
        yield* gc({ grace: 0 })
        expect(yield* objects.listPromised()).toEqual([{ digest: candles.digest, location: "s3://team/p" }])
        expect((yield* fsck()).problems).toEqual([])
      })
    ))

  it.live(
    "--keep-last 1 keeps what the latest experiment reaches, removes the other's own outputs; fsck is clean; reruns hit / recompute",
    () =>
      withStore((root) =>
        Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const actions = yield* ActionCache
          const tracker = yield* ExperimentTracker
          const objects = yield* ObjectStore
          const older = definitionJson("gc-older", 20)
          const newer = definitionJson("gc-newer", 60)
          const a = yield* runDefinition(older)
          const b = yield* runDefinition(newer)
          expect(a.experimentId).not.toBe(b.experimentId)

          const keptLineage = yield* lineageOf(outputIds(b.outputs))
          const aLineage = yield* lineageOf(outputIds(a.outputs))
          const shared = [...aLineage].filter((id) => keptLineage.has(id))
          const aOnly = [...aLineage].filter((id) => !keptLineage.has(id))
          // The synthetic inputs (and validation) are shared; the simulation and its products are not.
          expect(shared.length).toBeGreaterThanOrEqual(2)
          expect(aOnly.length).toBeGreaterThanOrEqual(4)
          const before = yield* catalog.list()
          const identityDir = makeLayout(root).actionIdentities
          const identitiesBefore = (yield* Effect.promise(() => fs.readdir(identityDir))).length

          const report = yield* gc({ keepLast: 1, grace: 0 })

          expect(report.keptExperiments).toEqual([b.experimentId])
          const removedArtifacts = report.removed.filter((item) => item.kind === "artifact").map((item) => item.id)
          expect(new Set(removedArtifacts)).toEqual(new Set(aOnly))
          const after = new Set<string>((yield* catalog.list()).map((m) => m.artifactId))
          expect(after).toEqual(new Set(before.map((m) => m.artifactId).filter((id) => !aOnly.includes(id))))
          for (const id of keptLineage) expect(after.has(id)).toBe(true)
          // Objects: exactly those of kept manifests remain (an object shared by content stays).
          const keptDigests = new Set((yield* catalog.list()).map((m) => m.digest))
          expect(new Set((yield* objects.list()).map((o) => o.digest))).toEqual(keptDigests)
          // The older experiment's record is gone; the newer one's stays.
          expect((yield* tracker.list()).map((s) => s.experiment.experimentId)).toEqual([b.experimentId])
          // Every remaining action entry's outputs exist; some entries (the older simulate/publish) went.
          const entries = yield* actions.list()
          for (const entry of entries) for (const o of Object.values(entry.outputs)) expect(after.has(o.artifactId)).toBe(true)
          expect(report.summary.find((row) => row.kind === "action")!.count).toBeGreaterThanOrEqual(2)
          // Identity pointers of removed entries went; the rest point at existing entries.
          const identities = yield* Effect.promise(() => fs.readdir(identityDir))
          expect(identities.length).toBeLessThan(identitiesBefore)
          const keys = new Set(entries.map((e) => e.key))
          for (const name of identities) {
            const pointer = JSON.parse(yield* Effect.promise(() => fs.readFile(path.join(identityDir, name), "utf8")))
            expect(keys.has(pointer.key)).toBe(true)
          }
          // Bytes are accounted.
          const objectRow = report.summary.find((row) => row.kind === "object")!
          expect(objectRow.count).toBeGreaterThan(0)
          expect(objectRow.bytes).toBeGreaterThan(0)

          const check = yield* fsck()
          expect(check.problems).toEqual([])

          const rerunKept = yield* runDefinition(newer)
          expect(rerunKept.cache.misses).toBe(0)
          expect(rerunKept.outputs).toEqual(b.outputs)
          const rerunRemoved = yield* runDefinition(older)
          expect(rerunRemoved.cache.misses).toBeGreaterThanOrEqual(2)
          expect(rerunRemoved.nodes.find((n) => n.node.name === "synthetic")?.cache).toBe("hit")
          expect(rerunRemoved.outputs).toEqual(a.outputs)
          expect((yield* fsck()).problems).toEqual([])
        })
      ),
    120_000
  )

  it.live("grace period: fresh unreachable things survive; past it they go. --dry-run changes nothing and lists the same", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const catalog = yield* ArtifactCatalog
        const a = yield* runDefinition(definitionJson("grace-older", 20))
        yield* runDefinition(definitionJson("grace-newer", 60))
        const manifestsBefore = (yield* catalog.list()).length

        // Everything is minutes old at most: with the default 15 minutes, nothing is removed.
        const fresh = yield* gc({ keepLast: 1 })
        expect(fresh.removed).toEqual([])
        expect(fresh.keptExperiments).toContain(a.experimentId)
        expect(fresh.sparedByGrace.find((row) => row.kind === "experiment")!.count).toBe(1)
        expect((yield* catalog.list()).length).toBe(manifestsBefore)

        // 14 minutes later: still within the grace period.
        const within = yield* Effect.withClock(gc({ keepLast: 1 }), yield* clockAhead(14 * 60_000))
        expect(within.removed).toEqual([])

        // 16 minutes later: a dry run lists the older experiment's outputs and changes nothing.
        const later = yield* clockAhead(16 * 60_000)
        const before = yield* snapshot(root)
        const planned = yield* Effect.withClock(gc({ keepLast: 1, dryRun: true }), later)
        expect(planned.dryRun).toBe(true)
        expect(planned.removed.filter((item) => item.kind === "experiment").map((item) => item.id)).toEqual([
          a.experimentId
        ])
        for (const id of outputIds(a.outputs)) expect(planned.removed.map((item) => item.id)).toContain(id)
        expect(yield* snapshot(root)).toEqual(before)

        const done = yield* Effect.withClock(gc({ keepLast: 1 }), later)
        expect(done.removed.map((item) => `${item.kind} ${item.id}`)).toEqual(
          planned.removed.map((item) => `${item.kind} ${item.id}`)
        )
        expect(done.summary).toEqual(planned.summary)
        for (const id of outputIds(a.outputs)) {
          expect((yield* Effect.either(catalog.get(id)))._tag).toBe("Left")
        }
        expect((yield* fsck()).problems).toEqual([])
      })
    ),
    120_000
  )

  it.live("without --keep-last everything an experiment reaches stays; imports stay unless tombstoned", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const catalog = yield* ArtifactCatalog
        const objects = yield* ObjectStore
        const stage = (content: string) =>
          Effect.gen(function* () {
            const file = yield* objects.scratchPath(".csv")
            yield* Effect.promise(() => fs.writeFile(file, content))
            return file
          })
        const publish = (content: string, node: string, logicalKey: string) =>
          Effect.flatMap(stage(content), (file) =>
            catalog.publish({
              file,
              type: "alerts_v1",
              schemaVersion: 1,
              logicalKey,
              rowCount: 1,
              minTs: null,
              maxTs: null,
              inputs: [],
              producedBy: { node, key: "blake3:test" },
              provenance: { engineVersion: "test", duckdbVersion: "test", git: { commit: null, dirty: false } }
            })
          )
        const kept = yield* publish("user data\n", "import", "alerts/kept")
        const tombstoned = yield* publish("retracted data\n", "import", "alerts/retracted")
        const orphan = yield* publish("nobody uses this\n", "simulate", "orphan")
        yield* catalog.tombstone(tombstoned.artifactId)
        const run = yield* runDefinition(definitionJson("all-kept", 30))
        const reachable = yield* lineageOf(outputIds(run.outputs))

        const report = yield* gc({ grace: 0 })
        expect(report.keptExperiments).toEqual([run.experimentId])
        expect(report.removed.filter((i) => i.kind === "artifact").map((i) => i.id).sort()).toEqual(
          [tombstoned.artifactId, orphan.artifactId].sort()
        )
        expect((yield* catalog.get(kept.artifactId)).artifactId).toBe(kept.artifactId)
        for (const id of reachable) expect((yield* catalog.get(id as ArtifactId)).artifactId).toBe(id)
        expect(yield* objects.has(tombstoned.digest)).toBe(false)
        expect(yield* objects.has(kept.digest)).toBe(true)
        // The by-type markers of removed manifests went with them.
        const typeDir = makeLayout(root).typeIndexDir("alerts_v1")
        const markers = yield* Effect.promise(() => fs.readdir(typeDir))
        expect(markers).not.toContain(tombstoned.artifactId)
        expect(markers).toContain(kept.artifactId)
        expect((yield* fsck()).problems).toEqual([])
      })
    ),
    120_000
  )

  it.live("index markers without a manifest go once past the grace period; an undecodable manifest stops gc", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const layout = makeLayout(root)
        const ghost = `art_${"ab".repeat(32)}`
        const typeMarker = path.join(layout.typeIndexDir("alerts_v1"), ghost)
        const inputMarker = path.join(layout.inputIndexDir(`art_${"cd".repeat(32)}`), ghost)
        for (const marker of [typeMarker, inputMarker]) {
          yield* Effect.promise(() => fs.mkdir(path.dirname(marker), { recursive: true }))
          yield* Effect.promise(() => fs.writeFile(marker, ""))
        }
        // A marker is written before its manifest: a fresh one may be a publish in progress.
        const fresh = yield* gc()
        expect(fresh.removed).toEqual([])
        expect(fresh.sparedByGrace.find((row) => row.kind === "marker")!.count).toBe(2)
        const swept = yield* gc({ grace: 0 })
        expect(swept.removed.map((item) => item.kind)).toEqual(["marker", "marker"])
        for (const marker of [typeMarker, inputMarker]) {
          expect(yield* Effect.promise(() => fs.access(marker).then(() => true, () => false))).toBe(false)
        }

        yield* Effect.promise(() => fs.writeFile(layout.manifestPath(ghost), "{ not json"))
        const refused = yield* Effect.flip(gc({ grace: 0 }))
        expect(refused._tag).toBe("RecordDecodeError")
        expect(refused.message).toContain(ghost)
      })
    )
  )

  it.live("tmp/: a dead pid's projection (and WAL) goes, a live pid's stays, its debris after 24 h; other names stay", () =>
    withStore((root) =>
      Effect.gen(function* () {
        const tmp = makeLayout(root).tmp
        // A pid that has exited (reaped by spawnSync), and a child that is alive for the test.
        const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!
        const child = yield* Effect.acquireRelease(
          Effect.sync(() => spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" })),
          (c) => Effect.sync(() => c.kill("SIGKILL"))
        )
        const livePid = child.pid!
        const name = (pid: number, n: number) => `scratch-${pid}-${n}-${"0123456789abcdef"}-projection.duckdb`
        const files = {
          deadDb: path.join(tmp, name(deadPid, 1)),
          deadWal: path.join(tmp, `${name(deadPid, 1)}.wal`),
          liveDb: path.join(tmp, name(livePid, 2)),
          oldDebris: path.join(tmp, `tracker-${livePid}-3-0123456789abcdef.json.tmp`),
          youngDebris: path.join(tmp, `tracker-${livePid}-4-0123456789abcdef.json.tmp`),
          // Not a name the store writes (store/TempName.ts): never removed, however old.
          foreign: path.join(tmp, "tracker-0f1e2d3c-aaaa-bbbb-cccc-0123456789ab.json.tmp")
        }
        for (const file of Object.values(files)) yield* Effect.promise(() => fs.writeFile(file, "x".repeat(100)))
        yield* Effect.promise(() => fs.mkdir(`${files.deadDb}.tmp`))
        yield* Effect.promise(() => fs.writeFile(path.join(`${files.deadDb}.tmp`, "spill"), "y".repeat(50)))
        yield* age(files.oldDebris, 25 * 3600_000)
        yield* age(files.foreign, 25 * 3600_000)

        const planned = yield* gc({ dryRun: true })
        expect(planned.removed.map((i) => i.id).sort()).toEqual(
          [path.basename(files.deadDb), `${path.basename(files.deadDb)}.tmp`, path.basename(files.deadWal), path.basename(files.oldDebris)].sort()
        )
        expect(planned.summary.find((r) => r.kind === "tmp")).toEqual({ kind: "tmp", count: 4, bytes: 350 })
        expect(planned.leftAlone).toEqual([{ path: files.foreign, reason: "not a name the store writes" }])
        expect((yield* Effect.promise(() => fs.readdir(tmp))).length).toBe(7)

        const report = yield* gc()
        expect(report.removed.map((i) => i.id)).toEqual(planned.removed.map((i) => i.id))
        expect(report.kept.tmp).toBe(2)
        expect((yield* Effect.promise(() => fs.readdir(tmp))).sort()).toEqual(
          [path.basename(files.liveDb), path.basename(files.youngDebris), path.basename(files.foreign)].sort()
        )
      })
    )
  )
})
