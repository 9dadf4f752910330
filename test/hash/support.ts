/** Shared helpers for the hashing tests: deterministic inputs, the @noble/hashes oracle, temp dirs. */
import { blake3 } from "@noble/hashes/blake3"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"

export const MiB = 1024 * 1024

/** The official test-vector input: byte i is i % 251. */
export const vectorInput = (length: number): Uint8Array => {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = i % 251
  return bytes
}

/** Deterministic pseudo-random bytes (xorshift32), so no two chunks of the input look alike. */
export const pseudoRandomBytes = (length: number, seed = 0x9e3779b9): Uint8Array => {
  const bytes = new Uint8Array(length)
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(length / 4))
  let x = seed >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[i] = x >>> 0
  }
  for (let i = words.length * 4; i < length; i++) bytes[i] = (i * 31 + 7) & 0xff
  return bytes
}

/** BLAKE3 by @noble/hashes (pure JS, independent of blake3-wasm), as 64 lowercase hex. */
export const nobleHex = (bytes: Uint8Array): string => Buffer.from(blake3(bytes)).toString("hex")

export const makeTempDir = (prefix: string): string => NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), prefix))
export const removeDir = (dir: string): void => NodeFs.rmSync(dir, { recursive: true, force: true })
