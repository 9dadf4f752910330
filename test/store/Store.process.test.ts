/**
 * Process-level store tests: real Node processes publishing into one store at once, and a publisher
 * SIGKILLed in the middle of writing a large object.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ActionCache } from "../../store/ActionCache.js"
import { ArtifactCatalog } from "../../store/ArtifactCatalog.js"
import { type Digest } from "../../store/Digest.js"
import { ObjectStore } from "../../store/ObjectStore.js"
import { StoreLive } from "../../store/StoreLive.js"
import { makeLayout } from "../../store/StoreLayout.js"
import { ownerPidOf } from "../../store/internal/fsOps.js"
import { tempDir } from "./suites/support.js"

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

interface Child {
  readonly child: ChildProcess
  readonly ready: Promise<void>
  readonly done: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stdout: string; readonly stderr: string }>
}

const start = (script: string, args: ReadonlyArray<string>): Child => {
  const child = spawn(process.execPath, ["--import", "tsx", fixture(script), ...args], {
    stdio: ["pipe", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  child.stdout!.on("data", (chunk) => {
    stdout += chunk
    if (stdout.includes("ready\n")) onReady()
  })
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }))
  )
  return { child, ready, done }
}

interface Published {
  readonly published: ReadonlyArray<{ artifactId: string; digest: Digest; createdAt: string }>
  readonly actionKey: Digest
}

describe("store shared by several processes", () => {
  it.live("4 processes publishing the same and different artifacts at once", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const root = path.join(yield* tempDir("store-proc-"), "store")
        const MiB = 1024 * 1024
        const shared = [
          { content: "shared-0 ", repeat: Math.floor((2 * MiB) / 9), type: "candles", logicalKey: "shared/0" },
          { content: "shared-1 ", repeat: Math.floor(MiB / 9), type: "candles", logicalKey: "shared/1" },
          { content: "shared-2 ", repeat: 1000, type: "trades", logicalKey: "shared/2" }
        ]
        const PROCESSES = 4
        const specs = Array.from({ length: PROCESSES }, (_, p) => ({
          name: `p${p}`,
          actionKey: "shared-action",
          artifacts: [
            ...(p % 2 === 0 ? shared : [...shared].reverse()),
            // Same bytes as everyone, own logical key: one object, distinct artifacts.
            { content: "same bytes ", repeat: Math.floor(MiB / 11), type: "trades", logicalKey: `own/${p}` },
            { content: `unique-${p}-a `, repeat: 50_000, type: "equity", logicalKey: `own/${p}/a` },
            { content: `unique-${p}-b `, repeat: 10, type: "equity", logicalKey: `own/${p}/b` }
          ]
        }))
        const children = specs.map((spec) => start("publisher.ts", [root, JSON.stringify(spec)]))
        yield* Effect.promise(() => Promise.all(children.map((c) => c.ready)))
        for (const c of children) c.child.stdin!.end("go\n")
        const exits = yield* Effect.promise(() => Promise.all(children.map((c) => c.done)))

        for (const exit of exits) expect(exit, exit.stderr).toMatchObject({ code: 0 })
        const results = exits.map(
          (exit) => JSON.parse(exit.stdout.split("\n").find((line) => line.startsWith("result "))!.slice(7)) as Published
        )

        // Every process got the same manifest for a shared artifact (the first writer's createdAt).
        const byId = new Map<string, Set<string>>()
        for (const result of results) {
          for (const p of result.published) byId.set(p.artifactId, (byId.get(p.artifactId) ?? new Set()).add(p.createdAt))
        }
        for (const createdAts of byId.values()) expect(createdAts.size).toBe(1)
        expect(byId.size).toBe(3 + PROCESSES * 3)
        expect(new Set(results.map((r) => r.actionKey)).size).toBe(1)

        const layout = makeLayout(root)
        expect(yield* Effect.promise(() => fs.readdir(layout.tmp))).toEqual([])
        const manifestFiles = (yield* Effect.promise(() => fs.readdir(layout.artifacts))).filter((n) => n.endsWith(".json"))
        expect(manifestFiles.sort()).toEqual([...byId.keys()].map((id) => `${id}.json`).sort())

        yield* Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const objects = yield* ObjectStore
          const cache = yield* ActionCache
          const listed = yield* catalog.list()
          expect(listed.map((m) => m.artifactId).sort()).toEqual([...byId.keys()].sort())
          const stored = yield* objects.list()
          // 3 shared contents + "same bytes" + 2 unique per process.
          expect(stored).toHaveLength(3 + 1 + PROCESSES * 2)
          for (const object of stored) {
            expect(yield* objects.verify(object.digest, { trustStatCache: false })).toEqual({
              _tag: "Intact",
              digest: object.digest
            })
          }
          expect((yield* cache.lookup(results[0].actionKey))._tag).toBe("Hit")
        }).pipe(Effect.provide(StoreLive.layer(root)))
      })
    )
  )

  it.live("a publisher SIGKILLed while writing a 200 MB object leaves no object and no manifest", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const dir = yield* tempDir("store-crash-")
        const root = path.join(dir, "store")
        const layout = makeLayout(root)
        const source = path.join(dir, "large.bin")
        const MiB = 1024 * 1024
        yield* Effect.promise(async () => {
          const block = randomBytes(MiB)
          const handle = await fs.open(source, "w")
          for (let i = 0; i < 200; i++) {
            block.writeUInt32LE(i, 0)
            await handle.write(block)
          }
          await handle.close()
        })

        const publisher = start("publish-file.ts", [root, source])
        // Kill once the temp file in tmp/ has some bytes but not all of them.
        const partial = yield* Effect.promise(async () => {
          for (;;) {
            const names = await fs.readdir(layout.tmp).catch(() => [] as Array<string>)
            for (const name of names.filter((n) => n.startsWith("put-"))) {
              const size = await fs.stat(path.join(layout.tmp, name)).then((s) => s.size, () => 0)
              if (size > 8 * MiB && size < 150 * MiB) {
                publisher.child.kill("SIGKILL")
                return { name, size }
              }
            }
            if (publisher.child.exitCode !== null) return undefined
            await new Promise((resolve) => setTimeout(resolve, 2))
          }
        })
        const exit = yield* Effect.promise(() => publisher.done)
        expect(partial, `publisher finished before it could be killed: ${exit.stdout}${exit.stderr}`).toBeDefined()
        expect(exit.signal).toBe("SIGKILL")

        // The debris is in tmp/ only, named after the dead writer (so gc can sweep it).
        const debris = yield* Effect.promise(() => fs.readdir(layout.tmp))
        expect(debris).toContain(partial!.name)
        expect(ownerPidOf(partial!.name)).toBe(publisher.child.pid)

        yield* Effect.gen(function* () {
          const catalog = yield* ArtifactCatalog
          const objects = yield* ObjectStore
          expect(yield* catalog.list()).toEqual([])
          // The object was never committed: objects/ holds nothing (and anything it held would verify).
          const present = yield* objects.list()
          for (const object of present) expect((yield* objects.verify(object.digest))._tag).toBe("Intact")
          expect(present).toEqual([])
          // The next publish of the same file succeeds and its object is intact.
          const manifest = yield* catalog.publish({
            file: source,
            type: "candles",
            schemaVersion: 1,
            logicalKey: "large",
            rowCount: 0,
            minTs: null,
            maxTs: null,
            inputs: [],
            producedBy: { node: "publish-file", key: "k" },
            provenance: { engineVersion: "test", duckdbVersion: "test", git: { commit: null, dirty: false } }
          })
          expect(manifest.bytes).toBe(200 * MiB)
          expect(yield* objects.verify(manifest.digest)).toEqual({ _tag: "Intact", digest: manifest.digest })
          expect((yield* catalog.list()).map((m) => m.artifactId)).toEqual([manifest.artifactId])
        }).pipe(Effect.provide(StoreLive.layer(root)))
      })
    )
  )
})
