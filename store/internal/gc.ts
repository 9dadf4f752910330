/**
 * The body of `gc` (rules in ../Gc.ts): plan from one snapshot of the store, then remove in the
 * reverse of the write order. Imported by ../Gc.ts; only types are taken from it.
 */
import { Clock, Effect, Option, Schema } from "effect"
import * as nodePath from "node:path"
import { ActionCache, type ActionEntry, IdentityPointer } from "../ActionCache.js"
import { ArtifactCatalog, type ArtifactId, type ArtifactManifest } from "../ArtifactCatalog.js"
import type { Digest } from "../Digest.js"
import { ExperimentTracker, type ExperimentDetail, ProcessLiveness } from "../ExperimentTracker.js"
import type { GcItem, GcKind, GcLeftAlone, GcReport, GcSummaryRow } from "../Gc.js"
import { ObjectStore } from "../ObjectStore.js"
import { layoutOf } from "../StoreLayout.js"
import { parseTempName } from "../TempName.js"
import { readDir, readText, removeRecursive, unlinkIfExists } from "./fsOps.js"
import { pruneGcLogs, writeGcLog } from "./gcLog.js"
import { ACTION_NAME, fileInfo, listManifestIds, listMarkers, removeDirIfEmpty, treeInfo } from "./gcFiles.js"

/** The kinds gc removes, in removal order (the reverse of the write order). */
export const GC_KINDS = ["identity", "action", "experiment", "artifact", "marker", "object", "tmp"] as const
const KINDS: ReadonlyArray<GcKind> = GC_KINDS

export interface GcPlanOptions {
  readonly dryRun: boolean
  readonly keepLast: number | undefined
  readonly graceMs: number
  readonly tmpMaxAgeMs: number
}

const countRows = (items: ReadonlyArray<GcItem>): ReadonlyArray<GcSummaryRow> =>
  KINDS.map((kind) => {
    const ofKind = items.filter((item) => item.kind === kind)
    return { kind, count: ofKind.length, bytes: ofKind.reduce((sum, item) => sum + item.bytes, 0) }
  })

/** Ids reachable from `roots` through manifest inputs (ids without a manifest are not included). */
const closure = (roots: Iterable<string>, byId: ReadonlyMap<string, ArtifactManifest>): Set<string> => {
  const reached = new Set<string>()
  const stack = [...roots]
  while (stack.length > 0) {
    const id = stack.pop()!
    if (reached.has(id)) continue
    const manifest = byId.get(id)
    if (manifest === undefined) continue
    reached.add(id)
    for (const input of manifest.inputs) if (!reached.has(input)) stack.push(input)
  }
  return reached
}

/**
 * `manifests` ordered so that every artifact comes before the artifacts among them it was derived
 * from (its inputs, transitively): the reverse of a depth-first post-order over inputs
 * (deterministic for a given order of `manifests`).
 */
export const dependentsFirst = (manifests: ReadonlyArray<ArtifactManifest>): Array<ArtifactManifest> => {
  const byId = new Map<string, ArtifactManifest>(manifests.map((m) => [m.artifactId, m]))
  const done = new Set<string>()
  const inputsFirst: Array<ArtifactManifest> = []
  for (const start of manifests) {
    if (done.has(start.artifactId)) continue
    done.add(start.artifactId)
    // Iterative DFS: [manifest, index of the next input to visit].
    const stack: Array<[ArtifactManifest, number]> = [[start, 0]]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const [manifest, next] = top
      if (next < manifest.inputs.length) {
        top[1] = next + 1
        const input = byId.get(manifest.inputs[next]!)
        if (input !== undefined && !done.has(input.artifactId)) {
          done.add(input.artifactId)
          stack.push([input, 0])
        }
      } else {
        stack.pop()
        inputsFirst.push(manifest)
      }
    }
  }
  return inputsFirst.reverse()
}

const LINK = "a symbolic link: gc does not follow links"

const decodePointer = Schema.decodeUnknownOption(Schema.parseJson(IdentityPointer))

export const runGc = (options: GcPlanOptions) =>
  Effect.gen(function* () {
    const layout = yield* layoutOf
    const objects = yield* ObjectStore
    const catalog = yield* ArtifactCatalog
    const actions = yield* ActionCache
    const tracker = yield* ExperimentTracker
    const liveness = yield* ProcessLiveness
    const now = yield* Clock.currentTimeMillis
    const fresh = (modifiedMs: number) => now - modifiedMs < options.graceMs

    const removed: Array<GcItem> = []
    const spared: Array<GcItem> = []

    // 1. Experiments: rank by latest run, keep the first N, the live and the fresh.
    const summaries = yield* tracker.list()
    const details: Array<{ readonly detail: ExperimentDetail; readonly lastRunMs: number }> = []
    for (const summary of summaries) {
      const detail = yield* tracker.get(summary.experiment.experimentId).pipe(
        Effect.map(Option.some),
        Effect.catchTag("ExperimentNotFound", () => Effect.succeed(Option.none<ExperimentDetail>()))
      )
      if (Option.isNone(detail)) continue
      const latest = summary.latestRun?.run.createdAt ?? summary.experiment.createdAt
      details.push({ detail: detail.value, lastRunMs: Date.parse(latest) })
    }
    details.sort(
      (a, b) =>
        b.lastRunMs - a.lastRunMs ||
        (a.detail.experiment.experimentId < b.detail.experiment.experimentId ? -1 : 1)
    )
    const keptExperiments: Array<ExperimentDetail> = []
    for (const [rank, { detail }] of details.entries()) {
      const id = detail.experiment.experimentId
      const dir = nodePath.join(layout.experiments, id)
      // An unreadable run may be live or reference anything: its experiment is kept, conservatively.
      const live = detail.unreadable.length > 0 ||
        detail.runs.some((view) => view.effectiveStatus === "pending" || view.effectiveStatus === "running")
      if (options.keepLast === undefined || rank < options.keepLast || live) {
        keptExperiments.push(detail)
        continue
      }
      const info = yield* treeInfo(dir)
      if (info === undefined) continue
      const item: GcItem = { kind: "experiment", id, path: dir, bytes: info.bytes, detail: detail.experiment.name }
      if (fresh(info.modifiedMs)) {
        spared.push(item)
        keptExperiments.push(detail)
      } else {
        removed.push(item)
      }
    }

    // 2. Manifests and action entries, with their files' ages.
    const manifests = yield* catalog.list()
    const byId = new Map<string, ArtifactManifest>(manifests.map((m) => [m.artifactId, m]))
    const manifestInfo = new Map<string, { bytes: number; modifiedMs: number }>()
    for (const manifest of manifests) {
      const main = yield* fileInfo(layout.manifestPath(manifest.artifactId))
      const status = yield* fileInfo(layout.statusPath(manifest.artifactId))
      manifestInfo.set(manifest.artifactId, {
        bytes: (main?.bytes ?? 0) + (status?.bytes ?? 0),
        modifiedMs: main?.modifiedMs ?? now
      })
    }
    const entries = yield* actions.list()
    const entryInfo = new Map<string, { bytes: number; modifiedMs: number }>()
    for (const entry of entries) {
      const info = yield* fileInfo(layout.actionPath(entry.key))
      entryInfo.set(entry.key, { bytes: info?.bytes ?? 0, modifiedMs: info?.modifiedMs ?? now })
    }

    // 3. Roots and reachability. `base`: without the grace rule; `kept`: with it.
    const baseRoots = new Set<string>()
    for (const { experiment, runs, unreadable } of keptExperiments) {
      for (const ids of Object.values(experiment.inputs)) for (const id of ids) baseRoots.add(id)
      for (const { run } of runs) for (const output of Object.values(run.outputs)) baseRoots.add(output.artifactId)
      for (const bad of unreadable) for (const id of bad.mentions) baseRoots.add(id)
    }
    for (const manifest of manifests) {
      if (manifest.producedBy.node === "import" && manifest.status !== "tombstoned") baseRoots.add(manifest.artifactId)
    }
    const base = closure(baseRoots, byId)
    const graceRoots = new Set<string>(base)
    for (const manifest of manifests) {
      if (fresh(manifestInfo.get(manifest.artifactId)!.modifiedMs)) graceRoots.add(manifest.artifactId)
    }
    const freshEntry = (entry: ActionEntry) => fresh(entryInfo.get(entry.key)!.modifiedMs)
    for (const entry of entries) {
      if (freshEntry(entry)) for (const output of Object.values(entry.outputs)) graceRoots.add(output.artifactId)
    }
    const kept = closure(graceRoots, byId)

    // 4. Action entries: kept when every output is kept (or when fresh).
    const outputsIn = (entry: ActionEntry, set: ReadonlySet<string>) =>
      Object.values(entry.outputs).every((output) => set.has(output.artifactId))
    const keptEntryKeys = new Set<string>()
    const removedEntries: Array<ActionEntry> = []
    for (const entry of entries) {
      const info = entryInfo.get(entry.key)!
      const item: GcItem = {
        kind: "action",
        id: entry.key,
        path: layout.actionPath(entry.key),
        bytes: info.bytes,
        detail: entry.node
      }
      if (outputsIn(entry, base)) {
        keptEntryKeys.add(entry.key)
      } else if (outputsIn(entry, kept) || freshEntry(entry)) {
        keptEntryKeys.add(entry.key)
        spared.push(item)
      } else {
        removed.push(item)
        removedEntries.push(entry)
      }
    }

    // 5. Identity pointers whose entry is gone (or unreadable ones).
    let keptIdentities = 0
    for (const name of yield* readDir(layout.actionIdentities)) {
      if (!ACTION_NAME.test(name)) continue
      const path = nodePath.join(layout.actionIdentities, name)
      const [text, info] = [yield* readText(path), yield* fileInfo(path)]
      if (text === undefined || info === undefined) continue
      const pointer = decodePointer(text)
      if (Option.isSome(pointer) && keptEntryKeys.has(pointer.value.key)) {
        keptIdentities++
        continue
      }
      const item: GcItem = {
        kind: "identity",
        id: name.slice(0, -5),
        path,
        bytes: info.bytes,
        detail: Option.isSome(pointer) ? pointer.value.identity : "unreadable pointer"
      }
      if (fresh(info.modifiedMs)) {
        keptIdentities++
        spared.push(item)
      } else {
        removed.push(item)
      }
    }

    // 6. Manifests outside `kept`.
    const removedArtifacts: Array<ArtifactManifest> = []
    for (const manifest of manifests) {
      if (kept.has(manifest.artifactId)) {
        if (!base.has(manifest.artifactId)) {
          spared.push({
            kind: "artifact",
            id: manifest.artifactId,
            path: layout.manifestPath(manifest.artifactId),
            bytes: manifestInfo.get(manifest.artifactId)!.bytes,
            detail: `${manifest.type} ${manifest.logicalKey}`
          })
        }
        continue
      }
      removedArtifacts.push(manifest)
      removed.push({
        kind: "artifact",
        id: manifest.artifactId,
        path: layout.manifestPath(manifest.artifactId),
        bytes: manifestInfo.get(manifest.artifactId)!.bytes,
        detail: `${manifest.type} ${manifest.logicalKey}`
      })
    }

    // 7. Index markers naming no manifest at all (an interrupted publish), once old enough.
    let keptMarkers = 0
    for (const marker of yield* listMarkers(layout)) {
      if (byId.has(marker.artifactId)) {
        if (kept.has(marker.artifactId)) keptMarkers++
        continue
      }
      const info = yield* fileInfo(marker.path)
      if (info === undefined) continue
      const item: GcItem = { kind: "marker", id: marker.relative, path: marker.path, bytes: info.bytes }
      if (fresh(info.modifiedMs)) {
        keptMarkers++
        spared.push(item)
      } else {
        removed.push(item)
      }
    }

    // 8. Objects no kept manifest references.
    const keptDigests = new Set<string>()
    for (const id of kept) keptDigests.add(byId.get(id)!.digest)
    const candidateObjects: Array<GcItem> = []
    let keptObjects = 0
    for (const stored of yield* objects.list()) {
      if (keptDigests.has(stored.digest)) {
        keptObjects++
        continue
      }
      const path = layout.objectPath(stored.digest)
      const info = yield* fileInfo(path)
      if (info === undefined) continue
      const item: GcItem = { kind: "object", id: stored.digest, path, bytes: stored.bytes }
      if (fresh(info.modifiedMs)) {
        keptObjects++
        spared.push(item)
      } else {
        candidateObjects.push(item)
      }
    }

    // 9. tmp/: only names of the store's temp pattern (TempName.ts), never through a link; of
    // those, dead owners' and anything older than the cap. Anything else is the user's: left alone.
    const tmpItems: Array<GcItem> = []
    const leftAlone: Array<GcLeftAlone> = []
    let keptTmp = 0
    const tmpDir = yield* fileInfo(layout.tmp)
    const tmpUsable = tmpDir !== undefined && tmpDir.isDirectory && !tmpDir.isSymbolicLink
    if (tmpDir !== undefined && !tmpUsable) {
      leftAlone.push({ path: layout.tmp, reason: tmpDir.isSymbolicLink ? LINK : "not a directory" })
    }
    const tmpNames = tmpUsable ? yield* readDir(layout.tmp) : []
    for (const name of tmpNames) {
      const path = layout.tmpPath(name)
      const entry = yield* fileInfo(path)
      if (entry === undefined) continue
      const parsed = parseTempName(name)
      if (entry.isSymbolicLink || parsed === undefined) {
        leftAlone.push({
          path,
          reason: entry.isSymbolicLink ? LINK : "not a name the store writes"
        })
        continue
      }
      const info = yield* treeInfo(path)
      if (info === undefined) continue
      const pid = parsed.pid
      const dead = pid !== liveness.self.pid && !(yield* liveness.isAlive(pid))
      // mtime: when the entry was last written (ctime moves on any chmod or rename).
      const old = now - info.mtimeMs >= options.tmpMaxAgeMs
      if (!dead && !old) {
        keptTmp++
        continue
      }
      tmpItems.push({
        kind: "tmp",
        id: name,
        path,
        bytes: info.bytes,
        detail: dead ? `owner pid ${pid} is not running` : `older than ${Math.round(options.tmpMaxAgeMs / 3_600_000)} h`
      })
    }

    // Removal, in the reverse of the write order and dependents before what they depend on, so a
    // gc killed at any point leaves a store fsck calls clean: identity pointers before their action
    // entries, entries and experiment records before the artifacts they name, a derived artifact's
    // manifest before its inputs' manifests, manifests before objects.
    if (!options.dryRun) {
      // The record first, so that a reader missing one of these can say gc removed it.
      yield* pruneGcLogs(layout, now)
      if (removedArtifacts.length > 0 || candidateObjects.length > 0) {
        yield* writeGcLog(layout, now, {
          at: new Date(now).toISOString(),
          pid: liveness.self.pid,
          graceMs: options.graceMs,
          artifacts: removedArtifacts.map((manifest) => manifest.artifactId),
          objects: candidateObjects.map((item) => item.id)
        })
      }
      for (const item of removed) if (item.kind === "identity") yield* unlinkIfExists(item.path)
      for (const entry of removedEntries) yield* actions.remove(entry.key)
      for (const item of removed) if (item.kind === "experiment") yield* removeRecursive(item.path)
      for (const manifest of dependentsFirst(removedArtifacts)) yield* catalog.remove(manifest.artifactId)
      for (const manifest of removedArtifacts) yield* removeDirIfEmpty(layout.inputIndexDir(manifest.artifactId))
      for (const item of removed) if (item.kind === "marker") yield* unlinkIfExists(item.path)
      // Manifests published while gc ran keep their objects.
      for (const id of yield* listManifestIds(layout)) {
        if (byId.has(id)) continue
        const late = yield* Effect.either(catalog.get(id as ArtifactId))
        if (late._tag === "Right") keptDigests.add(late.right.digest)
      }
    }
    const removedObjects = candidateObjects.filter((item) => !keptDigests.has(item.id))
    keptObjects += candidateObjects.length - removedObjects.length
    removed.push(...removedObjects, ...tmpItems)
    if (!options.dryRun) {
      for (const item of removedObjects) yield* objects.remove(item.id as Digest)
      for (const item of tmpItems) yield* removeRecursive(item.path)
      // A remote's promise of an object no kept manifest names says nothing any more.
      for (const promised of yield* objects.listPromised()) {
        if (!keptDigests.has(promised.digest)) yield* objects.forgetPromise(promised.digest)
      }
    }

    const order = (kind: GcKind) => KINDS.indexOf(kind)
    removed.sort((a, b) => order(a.kind) - order(b.kind))
    const report: GcReport = {
      dryRun: options.dryRun,
      graceMs: options.graceMs,
      keptExperiments: keptExperiments.map((detail) => detail.experiment.experimentId),
      removed,
      leftAlone,
      summary: countRows(removed),
      sparedByGrace: countRows(spared),
      kept: {
        experiment: keptExperiments.length,
        action: keptEntryKeys.size,
        identity: keptIdentities,
        artifact: kept.size,
        marker: keptMarkers,
        object: keptObjects,
        tmp: keptTmp
      }
    }
    return report
  })
