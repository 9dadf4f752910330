import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Schema } from "effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll } from "vitest"
import {
  Digest,
  digestFromHex,
  FILE_READ_BYTES,
  FileReadError,
  hashBytes,
  hashFile,
  hashString,
  hexOf,
  makeHasher,
  makeScopedHasher
} from "../../store/Digest.js"
import { MAX_UPDATE_BYTES } from "../../store/internal/blake3.js"
import vectors from "./fixtures/blake3-vectors.json" with { type: "json" }
import { makeTempDir, MiB, nobleHex, pseudoRandomBytes, removeDir, vectorInput } from "./support.js"

const EMPTY = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"

let dir: string
beforeAll(() => {
  dir = makeTempDir("pipeline-digest-")
})
afterAll(() => removeDir(dir))

describe("Digest schema", () => {
  it("accepts blake3:<64 lowercase hex> and nothing else", () => {
    const is = Schema.is(Digest)
    expect(is(`blake3:${EMPTY}`)).toBe(true)
    expect(is(EMPTY)).toBe(false)
    expect(is(`blake3:${EMPTY.toUpperCase()}`)).toBe(false)
    expect(is(`blake3:${EMPTY}0`)).toBe(false)
    expect(is(`sha256:${EMPTY}`)).toBe(false)
    expect(hexOf(digestFromHex(EMPTY))).toBe(EMPTY)
  })
})

describe("official BLAKE3 test vectors", () => {
  expect(vectors.cases.length).toBe(22)
  for (const { hash, inputLen } of vectors.cases) {
    it.effect(`hashBytes, ${inputLen} bytes`, () =>
      Effect.gen(function*() {
        expect(yield* hashBytes(vectorInput(inputLen))).toBe(`blake3:${hash}`)
      }))
  }

  it.effect("streaming in odd-sized updates (1, 63, 1000, 4099 bytes) gives the same digests", () =>
    Effect.gen(function*() {
      for (const step of [1, 63, 1000, 4099]) {
        for (const { hash, inputLen } of vectors.cases) {
          const input = vectorInput(inputLen)
          const hasher = yield* makeHasher
          for (let offset = 0; offset < inputLen; offset += step) hasher.update(input.subarray(offset, offset + step))
          expect(hasher.digest(), `step ${step}, length ${inputLen}`).toBe(`blake3:${hash}`)
        }
      }
    }))

  it.live("hashFile on the vector inputs written to disk", () =>
    Effect.gen(function*() {
      for (const { hash, inputLen } of vectors.cases) {
        const path = NodePath.join(dir, `vector-${inputLen}`)
        NodeFs.writeFileSync(path, vectorInput(inputLen))
        expect(yield* hashFile(path)).toBe(`blake3:${hash}`)
      }
    }))
})

describe("agreement with @noble/hashes blake3", () => {
  // Sizes around the 1 MiB update limit of blake3-wasm 3.0.0, around hashFile's read size (its
  // two buffers alternate), and far past the 16 MiB wasm heap.
  const sizes = [0, 1, MiB - 1, MiB, MiB + 1, FILE_READ_BYTES - 1, FILE_READ_BYTES, FILE_READ_BYTES + 1, 3_000_000, 64 * MiB]
  const big = pseudoRandomBytes(64 * MiB)

  for (const size of sizes) {
    it.live(`hashBytes and hashFile, ${size} bytes`, () =>
      Effect.gen(function*() {
        const input = big.subarray(0, size)
        const expected = `blake3:${nobleHex(input)}`
        expect(yield* hashBytes(input)).toBe(expected)
        const path = NodePath.join(dir, `noble-${size}`)
        NodeFs.writeFileSync(path, input)
        try {
          expect(yield* hashFile(path)).toBe(expected)
        } finally {
          NodeFs.rmSync(path)
        }
      }))
  }

  it.effect("one update larger than 1 MiB (20 MiB) is split, not mis-hashed", () =>
    Effect.gen(function*() {
      const input = big.subarray(0, 20 * MiB)
      expect(input.byteLength).toBeGreaterThan(MAX_UPDATE_BYTES)
      const hasher = yield* makeHasher
      hasher.update(input)
      expect(hasher.digest()).toBe(`blake3:${nobleHex(input)}`)
    }))

  it.effect("hashString hashes the UTF-8 bytes", () =>
    Effect.gen(function*() {
      const text = "ladder-baseline · 💹 · \u00e9"
      expect(yield* hashString(text)).toBe(`blake3:${nobleHex(new TextEncoder().encode(text))}`)
      expect(yield* hashString("")).toBe(`blake3:${EMPTY}`)
    }))
})

describe("hasher lifetime", () => {
  // blake3-wasm frees a hasher only on garbage collection and its wasm heap cannot grow: before
  // Digest.ts freed hashers itself, ~6,000 hashes in a loop aborted the process (OOM).
  it.effect("20,000 hashes in a row do not exhaust the wasm heap", () =>
    Effect.gen(function*() {
      let last = ""
      for (let i = 0; i < 20_000; i++) last = yield* hashString(`key-${i}`)
      expect(last).toBe(`blake3:${nobleHex(new TextEncoder().encode("key-19999"))}`)
    }))

  it.effect("a hasher is single use: update after digest throws", () =>
    Effect.gen(function*() {
      const hasher = yield* makeHasher
      hasher.update(new Uint8Array([1]))
      hasher.digest()
      expect(() => hasher.update(new Uint8Array([2]))).toThrow()
      hasher.dispose() // idempotent
    }))

  it.scoped("makeScopedHasher frees the hasher when its scope closes", () =>
    Effect.gen(function*() {
      const hasher = yield* Effect.scoped(
        Effect.tap(makeScopedHasher, (h) => Effect.sync(() => h.update(new Uint8Array([1]))))
      )
      expect(() => hasher.update(new Uint8Array([2]))).toThrow()
    }))

  it.live("8,000 failed hashFile calls do not exhaust the wasm heap either", () =>
    Effect.gen(function*() {
      const missing = NodePath.join(dir, "missing")
      for (let i = 0; i < 8_000; i++) yield* Effect.either(hashFile(missing))
      expect(yield* hashString("after")).toBe(`blake3:${nobleHex(new TextEncoder().encode("after"))}`)
    }))
})

describe("hashFile failures", () => {
  it.live("a missing file fails with FileReadError naming it (ENOENT)", () =>
    Effect.gen(function*() {
      const path = NodePath.join(dir, "does-not-exist")
      const error = yield* Effect.flip(hashFile(path))
      expect(error).toBeInstanceOf(FileReadError)
      expect(error).toMatchObject({ _tag: "FileReadError", path, reason: "ENOENT" })
      expect(error.message).toContain(path)
    }))

  it.live("a directory fails with EISDIR", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(hashFile(dir))
      expect(error).toMatchObject({ _tag: "FileReadError", path: dir, reason: "EISDIR" })
    }))

  it.live("interrupting a hash of a large file stops it; hashing still works afterwards", () =>
    Effect.gen(function*() {
      const path = NodePath.join(dir, "large")
      NodeFs.writeFileSync(path, pseudoRandomBytes(48 * MiB, 7))
      const fiber = yield* Effect.fork(hashFile(path))
      yield* Effect.yieldNow()
      const exit = yield* Fiber.interrupt(fiber)
      // Either it was interrupted, or (on a fast machine) it had already finished correctly.
      if (Exit.isSuccess(exit)) expect(exit.value).toMatch(/^blake3:[0-9a-f]{64}$/)
      else expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* hashBytes(new Uint8Array())).toBe(`blake3:${EMPTY}`)
      NodeFs.rmSync(path)
    }))
})
