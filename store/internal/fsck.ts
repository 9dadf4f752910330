/**
 * The body of `fsck` (checks listed in ../Fsck.ts). Records are listed from the directories (so a
 * malformed one is seen, not skipped) and decoded through the store services.
 */
import { Effect, Either, Schema } from "effect"
import * as nodePath from "node:path"
import { ActionCache, IdentityPointer } from "../ActionCache.js"
import { canonicalDigest } from "../Canonical.js"
import { ArtifactCatalog, type ArtifactId, type ArtifactManifest } from "../ArtifactCatalog.js"
import { digestFromHex, type Digest } from "../Digest.js"
import { type ExperimentId, ExperimentTracker } from "../ExperimentTracker.js"
import type { FsckKind, FsckOptions, FsckProblem, FsckReport } from "../Fsck.js"
import { ObjectStore } from "../ObjectStore.js"
import { layoutOf } from "../StoreLayout.js"
import { artifactIdOf } from "./artifactCatalog.js"
import { lstatBig, readDir, readLink, readText } from "./fsOps.js"
import { ACTION_NAME, listManifestIds } from "./gcFiles.js"
import { parseDetail } from "./parseDetail.js"

const KIND_ORDER: ReadonlyArray<FsckKind> = ["object", "artifact", "action", "experiment", "identity"]
const EXPERIMENT_NAME = /^exp_[0-9a-f]+$/

const pointerJson = Schema.parseJson(IdentityPointer)

export const runFsck = <R>(options: FsckOptions<R> & { readonly concurrency: number }) =>
  Effect.gen(function* () {
    const layout = yield* layoutOf
    const objects = yield* ObjectStore
    const catalog = yield* ArtifactCatalog
    const actions = yield* ActionCache
    const tracker = yield* ExperimentTracker
    const problems: Array<FsckProblem> = []

    // Object paths holding something else than a regular file: never followed, never counted as stored.
    for (const fan of yield* readDir(layout.objects)) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue
      for (const name of yield* readDir(nodePath.join(layout.objects, fan))) {
        if (!/^[0-9a-f]{64}$/.test(name) || !name.startsWith(fan)) continue
        const path = nodePath.join(layout.objects, fan, name)
        const stats = yield* lstatBig(path)
        if (stats === undefined || stats.isFile()) continue
        const link = stats.isSymbolicLink()
        problems.push({
          kind: "object",
          id: digestFromHex(name),
          path,
          problem: link ? "symlink" : "not-a-file",
          detail: link
            ? `a symbolic link to ${(yield* readLink(path)) ?? "(gone)"}, not an object (never followed); a run that produces these bytes replaces it`
            : `${stats.isDirectory() ? "a directory" : "a special file"}, not an object (never read)`
        })
      }
    }

    // Objects: full re-hash.
    const stored = yield* objects.list()
    const sizes = new Map<string, number>(stored.map((object) => [object.digest, object.bytes]))
    const verified = yield* Effect.forEach(stored, (object) => objects.verify(object.digest, { trustStatCache: false }), {
      concurrency: options.concurrency
    })
    const corrupt = new Map<string, string>()
    for (const result of verified) {
      if (result._tag === "Corrupt") corrupt.set(result.digest, result.actual)
      if (result._tag === "Missing") sizes.delete(result.digest) // removed while we looked
    }

    // Remote-backed objects: named by a manifest here, held by a remote.
    const promised = new Map<string, string>((yield* objects.listPromised()).map((object) => [object.digest, object.location]))
    const remoteBacked = new Map<string, number>()

    // Manifests.
    const manifestIds = yield* listManifestIds(layout)
    const present = new Set<string>(manifestIds)
    const manifests = new Map<string, ArtifactManifest>()
    const usedBy = new Map<string, Array<string>>()
    for (const id of manifestIds) {
      const path = layout.manifestPath(id)
      // As recorded: the catalog's readers treat a manifest that does not hash to its id as absent.
      const read = yield* Effect.either(catalog.recorded(id as ArtifactId))
      if (Either.isLeft(read)) {
        const error = read.left
        if (error._tag === "RecordDecodeError") {
          problems.push({ kind: "artifact", id, path: error.path, problem: "malformed", detail: error.detail })
        } else if (error._tag === "StoreIOError") {
          return yield* error
        }
        continue
      }
      const manifest = read.right
      if (manifest === undefined) continue // removed while we looked
      manifests.set(id, manifest)
      if (manifest.artifactId !== id) {
        problems.push({
          kind: "artifact",
          id,
          path,
          problem: "id-mismatch",
          detail: `the file of ${id} holds the manifest of ${manifest.artifactId}`
        })
      } else {
        const expected = yield* Effect.either(artifactIdOf({ ...manifest, inputs: manifest.inputs }))
        if (Either.isLeft(expected) || expected.right !== id) {
          problems.push({
            kind: "artifact",
            id,
            path,
            problem: "id-mismatch",
            detail: Either.isLeft(expected)
              ? `its fields cannot be hashed: ${expected.left.message}`
              : `its fields (digest, type, schemaVersion, logicalKey, inputs) hash to ${expected.right}`
          })
        }
      }
      const size = sizes.get(manifest.digest)
      const location = promised.get(manifest.digest)
      if (size === undefined && location !== undefined) {
        remoteBacked.set(location, (remoteBacked.get(location) ?? 0) + 1)
      } else if (size === undefined) {
        problems.push({
          kind: "artifact",
          id,
          path,
          problem: "object-missing",
          detail: `object ${manifest.digest} (${manifest.type} ${manifest.logicalKey}) is not in the store`
        })
      } else if (size !== manifest.bytes) {
        problems.push({
          kind: "artifact",
          id,
          path,
          problem: "size-mismatch",
          detail: `object ${manifest.digest} has ${size} bytes, the manifest records ${manifest.bytes}`
        })
      } else if (options.checkObject !== undefined && !corrupt.has(manifest.digest)) {
        for (const found of yield* options.checkObject(manifest, layout.objectPath(manifest.digest))) {
          problems.push({ kind: "artifact", id, path, problem: found.problem, detail: found.detail })
        }
      }
      const users = usedBy.get(manifest.digest) ?? []
      users.push(id)
      usedBy.set(manifest.digest, users)
    }
    for (const manifest of manifests.values()) {
      for (const input of manifest.inputs) {
        if (!present.has(input)) {
          problems.push({
            kind: "artifact",
            id: manifest.artifactId,
            path: layout.manifestPath(manifest.artifactId),
            problem: "input-missing",
            detail: `input ${input} has no manifest`
          })
        }
      }
    }
    for (const [digest, actual] of corrupt) {
      const users = usedBy.get(digest) ?? []
      problems.push({
        kind: "object",
        id: digest,
        path: layout.objectPath(digest as Digest),
        problem: "corrupt",
        detail: `its bytes hash to ${actual}${users.length > 0 ? `; used by ${users.join(", ")}` : ""}`
      })
    }

    /** An output reference (action entry or run) against the manifests. */
    const checkOutput = (
      kind: FsckKind,
      id: string,
      path: string,
      output: string,
      ref: { readonly artifactId: string; readonly digest: string }
    ) => {
      if (!present.has(ref.artifactId)) {
        problems.push({ kind, id, path, problem: "output-missing", detail: `output ${output}: ${ref.artifactId} has no manifest` })
        return
      }
      const manifest = manifests.get(ref.artifactId)
      if (manifest !== undefined && manifest.digest !== ref.digest) {
        problems.push({
          kind,
          id,
          path,
          problem: "digest-mismatch",
          detail: `output ${output}: recorded digest ${ref.digest}, but ${ref.artifactId} has ${manifest.digest}`
        })
      }
    }

    // Action entries.
    const actionNames = (yield* readDir(layout.actions)).filter((name) => ACTION_NAME.test(name))
    let actionCount = 0
    for (const name of actionNames) {
      const key = digestFromHex(name.slice(0, 64))
      const path = layout.actionPath(key)
      const read = yield* Effect.either(actions.get(key))
      if (Either.isLeft(read)) {
        const error = read.left
        if (error._tag === "StoreIOError") return yield* error
        problems.push({ kind: "action", id: key, path, problem: "malformed", detail: error.detail })
        continue
      }
      const entry = read.right
      if (entry === undefined) continue
      actionCount++
      if (entry.key !== key) {
        problems.push({ kind: "action", id: key, path, problem: "key-mismatch", detail: `the entry records key ${entry.key}` })
      }
      const derived = yield* Effect.either(canonicalDigest(entry.material))
      if (Either.isLeft(derived) || derived.right !== entry.key) {
        problems.push({
          kind: "action",
          id: key,
          path,
          problem: "material-mismatch",
          detail: Either.isLeft(derived)
            ? `its material cannot be encoded: ${derived.left.message}`
            : `its material hashes to ${derived.right}, not to the key ${entry.key}`
        })
      }
      for (const output of Object.keys(entry.outputs).sort()) checkOutput("action", key, path, output, entry.outputs[output])
    }

    // Experiments and runs.
    let experimentCount = 0
    let runCount = 0
    for (const name of yield* readDir(layout.experiments)) {
      if (!EXPERIMENT_NAME.test(name)) continue
      const read = yield* Effect.either(tracker.get(name as ExperimentId))
      if (Either.isLeft(read)) {
        const error = read.left
        if (error._tag === "StoreIOError") return yield* error
        if (error._tag === "RecordDecodeError") {
          problems.push({ kind: "experiment", id: name, path: error.path, problem: "malformed", detail: error.detail })
        }
        continue // ExperimentNotFound: a directory without a record yet (a create in progress)
      }
      experimentCount++
      const { experiment, runs, unreadable } = read.right
      for (const bad of unreadable) {
        runCount++
        problems.push({ kind: "experiment", id: `${name}/run ${bad.runId}`, path: bad.path, problem: "malformed", detail: bad.detail })
      }
      const experimentPath = nodePath.join(layout.experiments, name, "experiment.json")
      if (options.experimentIdOf !== undefined) {
        const derived = yield* Effect.either(options.experimentIdOf(experiment))
        if (Either.isLeft(derived) || derived.right !== experiment.experimentId) {
          problems.push({
            kind: "experiment",
            id: name,
            path: experimentPath,
            problem: "definition-mismatch",
            detail: Either.isLeft(derived)
              ? `no id can be derived from its definition: ${derived.left instanceof Error ? derived.left.message : String(derived.left)}`
              : `its definition and frozen inputs derive to ${derived.right}`
          })
        }
      }
      for (const [group, ids] of Object.entries(experiment.inputs)) {
        for (const input of ids) {
          if (!present.has(input)) {
            problems.push({
              kind: "experiment",
              id: name,
              path: experimentPath,
              problem: "input-missing",
              detail: `input ${group}: ${input} has no manifest`
            })
          }
        }
      }
      for (const { run } of runs) {
        runCount++
        const runPath = nodePath.join(layout.experiments, name, "runs", `${run.runId}.json`)
        for (const output of Object.keys(run.outputs).sort()) {
          checkOutput("experiment", `${name}/run ${run.runId}`, runPath, output, run.outputs[output])
        }
      }
    }

    // Identity pointers.
    let identityCount = 0
    for (const name of yield* readDir(layout.actionIdentities)) {
      if (!ACTION_NAME.test(name)) continue
      const path = nodePath.join(layout.actionIdentities, name)
      const text = yield* readText(path)
      if (text === undefined) continue
      identityCount++
      const decoded = Schema.decodeEither(pointerJson)(text)
      if (Either.isLeft(decoded)) {
        problems.push({
          kind: "identity",
          id: name.slice(0, -5),
          path,
          problem: "malformed",
          detail: parseDetail(decoded.left)
        })
      }
    }

    const order = (kind: FsckKind) => KIND_ORDER.indexOf(kind)
    problems.sort((a, b) => order(a.kind) - order(b.kind) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const report: FsckReport = {
      objects: { count: sizes.size, bytes: [...sizes.values()].reduce((sum, bytes) => sum + bytes, 0) },
      artifacts: manifestIds.length,
      actions: actionCount,
      experiments: experimentCount,
      runs: runCount,
      identities: identityCount,
      remoteBacked: [...remoteBacked].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([location, artifacts]) => ({ location, artifacts })),
      problems
    }
    return report
  })
