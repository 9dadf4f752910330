/**
 * Both BLAKE3 implementations (store/internal/blake3.ts) against the official vectors and the
 * @noble/hashes oracle, each called directly: the process hashes with one of them (the native one
 * where its binding loads), and a digest must never depend on which.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { blake3Backend } from "../../store/Digest.js"
import { type Blake3Implementation, loadNative, loadWasm, MAX_UPDATE_BYTES } from "../../store/internal/blake3.js"
import vectors from "./fixtures/blake3-vectors.json" with { type: "json" }
import { MiB, nobleHex, pseudoRandomBytes, vectorInput } from "./support.js"

const hashIn = (implementation: Blake3Implementation, input: Uint8Array, step = input.byteLength) => {
  const hasher = implementation.create()
  for (let offset = 0; offset < input.byteLength; offset += Math.max(1, step)) {
    hasher.update(input.subarray(offset, offset + Math.max(1, step)))
  }
  return hasher.digestHex()
}

/** Platforms @napi-rs/blake-hash 1.3.4 ships a binary for (its optional dependencies). */
const PREBUILT = ["android-arm64", "darwin-arm64", "darwin-x64", "freebsd-x64", "linux-arm64", "linux-x64", "win32-arm64", "win32-ia32", "win32-x64"]

const prebuilt = PREBUILT.includes(`${process.platform}-${process.arch}`)

describe("the BLAKE3 implementation in use", () => {
  it("is the native one where a prebuilt binding exists (linux-x64 here, as in CI), else blake3-wasm", async () => {
    expect(loadNative() !== undefined).toBe(prebuilt)
    expect(await Effect.runPromise(blake3Backend)).toBe(prebuilt ? "native" : "wasm")
  })
})

const loadNativeOrFail = async (): Promise<Blake3Implementation> => {
  const native = loadNative()
  if (native === undefined) throw new Error("no native BLAKE3 binding on this platform")
  return native
}

// Both where both exist (a platform without the binary has only blake3-wasm to test).
const implementations: ReadonlyArray<[string, () => Promise<Blake3Implementation>]> = [
  ...(prebuilt ? [["native", loadNativeOrFail] as [string, () => Promise<Blake3Implementation>]] : []),
  ["wasm", loadWasm]
]

describe.each(implementations)("%s BLAKE3", (backend, load) => {
  it("names itself", async () => {
    expect((await load()).backend).toBe(backend)
  })

  it("the official test vectors, whole and in odd-sized updates (1, 63, 1000, 4099 bytes)", async () => {
    const implementation = await load()
    for (const { hash, inputLen } of vectors.cases) {
      const input = vectorInput(inputLen)
      for (const step of [inputLen, 1, 63, 1000, 4099]) {
        expect(hashIn(implementation, input, step), `length ${inputLen}, step ${step}`).toBe(hash)
      }
    }
  })

  it("agrees with @noble/hashes around 1 MiB and on one 20 MiB update", async () => {
    const implementation = await load()
    const big = pseudoRandomBytes(20 * MiB)
    for (const size of [MiB - 1, MiB, MiB + 1, 3_000_001]) {
      const input = big.subarray(0, size)
      expect(hashIn(implementation, input), `${size} bytes`).toBe(nobleHex(input))
    }
    expect(big.byteLength).toBeGreaterThan(MAX_UPDATE_BYTES)
    expect(hashIn(implementation, big)).toBe(nobleHex(big))
  })

  it("20,000 hashers, each finished, in a row (the wasm heap cannot grow)", async () => {
    const implementation = await load()
    let last = ""
    for (let i = 0; i < 20_000; i++) last = hashIn(implementation, new TextEncoder().encode(`key-${i}`))
    expect(last).toBe(nobleHex(new TextEncoder().encode("key-19999")))
  })

  it("a hasher disposed unfinished, twice, harms nothing", async () => {
    const implementation = await load()
    for (let i = 0; i < 10_000; i++) {
      const hasher = implementation.create()
      hasher.update(new Uint8Array([i & 0xff]))
      hasher.dispose()
      hasher.dispose()
    }
    expect(hashIn(implementation, new Uint8Array(0))).toBe(nobleHex(new Uint8Array(0)))
  })
})
