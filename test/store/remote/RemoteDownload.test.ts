/**
 * Objects coming down from the remote (memory remote, memory stores): streamed in chunks to a
 * scratch file while BLAKE3-hashed, never held whole. An object over 1 MiB arrives intact; one byte
 * changed deep inside it, or a connection lost mid-object, is a miss with a warning and nothing of
 * it lands in the local store.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ActionCache } from "../../../store/ActionCache.js"
import type { Digest } from "../../../store/Digest.js"
import { ObjectStore } from "../../../store/ObjectStore.js"
import { StoreMemory } from "../../../store/StoreLive.js"
import {
  makeMemoryRemote,
  MEMORY_STREAM_CHUNK,
  objectKey,
  RemoteEvents,
  remoteStorageMemory,
  RemoteTransfer,
  type RemoteWarning,
  withRemoteTier
} from "../../../store/remote/index.js"
import { entryWithOutputs } from "../suites/actionCacheSuite.js"

/** `length` characters of deterministic noise (a xorshift over printable ASCII). */
const noise = (length: number): string => {
  const codes = new Uint8Array(length)
  let x = 0x9e3779b9
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    codes[i] = 33 + ((x >>> 0) % 94)
  }
  return new TextDecoder().decode(codes)
}

/** A memory remote holding one uploaded entry whose output `trades` is `content`; `pull` of it into fresh stores. */
const remoteWith = (content: string) =>
  Effect.gen(function* () {
    const remote = makeMemoryRemote()
    const warnings: Array<RemoteWarning> = []
    const services = Layer.merge(remoteStorageMemory(remote), RemoteEvents.layer((w) => warnings.push(w)))
    const entry = yield* Effect.gen(function* () {
      const entry = yield* entryWithOutputs("simulate", { trades: content })
      yield* (yield* ActionCache).put(entry)
      return entry
    }).pipe(Effect.scoped, Effect.provide(withRemoteTier(StoreMemory.layer, services, "read-write")))
    const digest: Digest = entry.outputs.trades.digest
    /** `pull` into a fresh, empty store: its summary, how many objects the store holds then, the object's text. */
    const pullElsewhere = Effect.gen(function* () {
      const summary = yield* (yield* RemoteTransfer).pull([entry.key])
      const objects = yield* ObjectStore
      const count = (yield* objects.list()).length
      const text = count === 0 ? undefined : new TextDecoder().decode(yield* objects.read(digest))
      return { summary, count, text }
    }).pipe(Effect.scoped, Effect.provide(withRemoteTier(StoreMemory.layer, services, "read")))
    return { remote, warnings, key: yield* objectKey(digest), pullElsewhere }
  })

describe("remote downloads", () => {
  it.effect("an object over 1 MiB comes down in chunks, BLAKE3-verified; one byte changed deep inside is a miss with a warning", () =>
    Effect.gen(function* () {
      const big = noise(3 * 1024 * 1024 + 17)
      const { key, pullElsewhere, remote, warnings } = yield* remoteWith(big)
      expect(remote.objects.get(key)!.byteLength).toBeGreaterThan(12 * MEMORY_STREAM_CHUNK)

      const pulled = yield* pullElsewhere
      expect(pulled.summary).toEqual({ fetched: 1, local: 0, missing: 0 })
      expect(pulled.text === big).toBe(true)
      expect(warnings).toEqual([])

      remote.objects.get(key)![2_500_000] ^= 0x01
      expect(yield* pullElsewhere).toEqual({ summary: { fetched: 0, local: 0, missing: 1 }, count: 0, text: undefined })
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatchObject({ kind: "corrupt", subject: key })
      expect(warnings[0].detail).toMatch(/hash to blake3:[0-9a-f]{64}, not blake3:/)
    }))

  it.effect("a download cut off mid-object is a miss with a warning; nothing of it lands locally; the next pull brings it", () =>
    Effect.gen(function* () {
      const { key, pullElsewhere, remote, warnings } = yield* remoteWith(noise(MEMORY_STREAM_CHUNK * 3))
      remote.failWhen = (operation, failing) => operation === "body" && failing === key
      expect(yield* pullElsewhere).toEqual({ summary: { fetched: 0, local: 0, missing: 1 }, count: 0, text: undefined })
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatchObject({ kind: "unavailable", subject: key })
      expect(warnings[0].detail).toMatch(/mid-body/)

      remote.failWhen = undefined
      expect((yield* pullElsewhere).summary).toEqual({ fetched: 1, local: 0, missing: 0 })
    }))
})
