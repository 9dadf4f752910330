/**
 * An fsck written for the fault tests, independent of the store's own code: every object is
 * re-hashed with @noble/hashes' BLAKE3 (not the store's hasher) and compared with its name; every
 * manifest, action entry and tracker record must be complete JSON naming things that exist with
 * the recorded digests and sizes. A file cut short by a killed writer, an object whose bytes do not
 * match its name, or a record pointing at nothing is reported. tmp/ (scratch, swept by gc) is not
 * looked at; neither are the empty index markers (a superset of the manifests by design).
 */
import { blake3 } from "@noble/hashes/blake3"
import { bytesToHex } from "@noble/hashes/utils"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import * as NodePath from "node:path"

export interface Problem {
  readonly path: string
  readonly problem: string
}

const HEX64 = /^[0-9a-f]{64}$/
const ARTIFACT_FILE = /^art_[0-9a-f]{64}\.json$/
const DIGEST = /^blake3:[0-9a-f]{64}$/

const list = (dir: string): Array<string> => (existsSync(dir) ? readdirSync(dir).sort() : [])

const readJson = (path: string, problems: Array<Problem>): any => {
  const text = readFileSync(path, "utf8")
  try {
    return JSON.parse(text)
  } catch (error) {
    problems.push({ path, problem: `not complete JSON (${text.length} chars): ${String(error)}` })
    return undefined
  }
}

export const objectPath = (root: string, digest: string): string => {
  const hex = digest.replace(/^blake3:/, "")
  return NodePath.join(root, "objects", hex.slice(0, 2), hex)
}

/** Every problem found in the store at `root`; `[]` when it is consistent. */
export const checkStore = (root: string): Array<Problem> => {
  const problems: Array<Problem> = []
  const objectsDir = NodePath.join(root, "objects")
  const objectSizes = new Map<string, number>()

  // Objects: objects/<2 hex>/<64 hex>, whose bytes hash to the name.
  for (const fan of list(objectsDir)) {
    const fanPath = NodePath.join(objectsDir, fan)
    if (!/^[0-9a-f]{2}$/.test(fan) || !statSync(fanPath).isDirectory()) {
      problems.push({ path: fanPath, problem: "unexpected entry in objects/" })
      continue
    }
    for (const name of list(fanPath)) {
      const path = NodePath.join(fanPath, name)
      if (!HEX64.test(name) || !name.startsWith(fan) || !statSync(path).isFile()) {
        problems.push({ path, problem: "unexpected entry (not a <digest> file in its fan-out directory)" })
        continue
      }
      const bytes = readFileSync(path)
      const actual = bytesToHex(blake3(bytes))
      if (actual !== name) problems.push({ path, problem: `bytes hash to ${actual} (${bytes.length} bytes)` })
      objectSizes.set(`blake3:${name}`, bytes.length)
    }
  }

  // Manifests: artifacts/<id>.json, complete, naming an existing object of the recorded size.
  const artifactsDir = NodePath.join(root, "artifacts")
  const manifests = new Map<string, any>()
  for (const name of list(artifactsDir)) {
    const path = NodePath.join(artifactsDir, name)
    if (statSync(path).isDirectory()) continue // status/, by-type/, by-input/
    if (!ARTIFACT_FILE.test(name)) {
      problems.push({ path, problem: "unexpected file in artifacts/" })
      continue
    }
    const manifest = readJson(path, problems)
    if (manifest === undefined) continue
    const id = name.slice(0, -".json".length)
    manifests.set(id, manifest)
    if (manifest.artifactId !== id) problems.push({ path, problem: `holds artifactId ${manifest.artifactId}` })
    if (typeof manifest.digest !== "string" || !DIGEST.test(manifest.digest)) {
      problems.push({ path, problem: `bad digest ${manifest.digest}` })
      continue
    }
    const size = objectSizes.get(manifest.digest)
    if (size === undefined) problems.push({ path, problem: `object ${manifest.digest} is missing` })
    else if (size !== manifest.bytes) problems.push({ path, problem: `object has ${size} bytes, manifest says ${manifest.bytes}` })
  }
  for (const [id, manifest] of manifests) {
    for (const input of manifest.inputs ?? []) {
      if (!manifests.has(input)) problems.push({ path: NodePath.join(artifactsDir, `${id}.json`), problem: `input ${input} has no manifest` })
    }
  }
  for (const name of list(NodePath.join(artifactsDir, "status"))) {
    readJson(NodePath.join(artifactsDir, "status", name), problems)
  }

  // Outputs named by action entries and runs: a manifest with the recorded digest.
  const checkOutputs = (path: string, outputs: Record<string, { artifactId: string; digest: string }>) => {
    for (const [name, output] of Object.entries(outputs ?? {})) {
      const manifest = manifests.get(output.artifactId)
      if (manifest === undefined) problems.push({ path, problem: `output ${name}: ${output.artifactId} has no manifest` })
      else if (manifest.digest !== output.digest) {
        problems.push({ path, problem: `output ${name}: digest ${output.digest} ≠ manifest's ${manifest.digest}` })
      }
    }
  }

  // Action entries: actions/<key hex>.json filed under their key; identity pointers complete.
  const actionsDir = NodePath.join(root, "actions")
  for (const name of list(actionsDir)) {
    const path = NodePath.join(actionsDir, name)
    if (statSync(path).isDirectory()) continue
    const entry = readJson(path, problems)
    if (entry === undefined) continue
    if (entry.key !== `blake3:${name.slice(0, -".json".length)}`) problems.push({ path, problem: `filed under another key (${entry.key})` })
    checkOutputs(path, entry.outputs)
  }
  for (const name of list(NodePath.join(actionsDir, "identity"))) readJson(NodePath.join(actionsDir, "identity", name), problems)

  // Tracker: experiment records and runs complete; a completed run's outputs exist.
  const experimentsDir = NodePath.join(root, "experiments")
  for (const id of list(experimentsDir)) {
    const recordPath = NodePath.join(experimentsDir, id, "experiment.json")
    if (existsSync(recordPath)) {
      const record = readJson(recordPath, problems)
      if (record !== undefined) {
        if (record.experimentId !== id) problems.push({ path: recordPath, problem: `holds ${record.experimentId}` })
        for (const ids of Object.values(record.inputs ?? {}) as Array<Array<string>>) {
          for (const input of ids) if (!manifests.has(input)) problems.push({ path: recordPath, problem: `input ${input} has no manifest` })
        }
      }
    }
    for (const runName of list(NodePath.join(experimentsDir, id, "runs"))) {
      const path = NodePath.join(experimentsDir, id, "runs", runName)
      const run = readJson(path, problems)
      if (run === undefined) continue
      if (run.status === "completed") checkOutputs(path, run.outputs)
    }
  }

  // The stat cache (not durable, but replaced atomically: never partial).
  for (const name of list(NodePath.join(root, "cache", "stat"))) readJson(NodePath.join(root, "cache", "stat", name), problems)
  return problems
}

/** Runs recorded in the store: `{experimentId, runId, status, pid, path}` for every run file. */
export const storedRuns = (root: string) => {
  const experimentsDir = NodePath.join(root, "experiments")
  return list(experimentsDir).flatMap((id) =>
    list(NodePath.join(experimentsDir, id, "runs")).map((name) => {
      const path = NodePath.join(experimentsDir, id, "runs", name)
      const run = JSON.parse(readFileSync(path, "utf8"))
      return { experimentId: id, runId: run.runId as string, status: run.status as string, pid: run.owner.pid as number, path }
    })
  )
}

/** Whether a local process exists (signal 0). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}
