/**
 * The two BLAKE3 implementations behind store/Digest.ts, as incremental hashers of one shape.
 *
 * - native: @napi-rs/blake-hash (the Rust `blake3` crate through N-API, a prebuilt binary per
 *   platform, installed as an optional dependency like DuckDB's). It picks SIMD at run time
 *   (AVX-512/AVX2/SSE4.1/NEON): ~5 GB/s on one core here, where blake3-wasm peaks at ~1.8 GB/s.
 * - wasm: blake3-wasm 3.0.0, for a platform without a binary (or an install that skipped optional
 *   dependencies). A single update larger than 1 MiB silently gives a wrong digest (and throws
 *   from about 15 MiB), so updates are cut to `MAX_UPDATE_BYTES`; its hashers live in a wasm heap
 *   that cannot grow and are freed only by `dispose` (V8 collecting them is too late: a few
 *   thousand in a tight loop abort the process).
 *
 * Both compute the same function (BLAKE3, 32-byte output): the digest of a byte string does not
 * depend on which one ran (tested on lengths around every chunk and block boundary).
 */
import type * as Blake3Wasm from "blake3-wasm"
import { createRequire } from "node:module"

/** Largest single update blake3-wasm 3.0.0 hashes correctly. */
export const MAX_UPDATE_BYTES = 1024 * 1024

export type Blake3Backend = "native" | "wasm"

/** An incremental BLAKE3 hasher; single use. */
export interface RawHasher {
  readonly update: (bytes: Uint8Array) => void
  /** The 64-hex-digit digest; the hasher is freed. */
  readonly digestHex: () => string
  /** Frees the hasher without a digest; idempotent. */
  readonly dispose: () => void
}

export interface Blake3Implementation {
  readonly backend: Blake3Backend
  readonly create: () => RawHasher
}

/** The part of @napi-rs/blake-hash used here. */
interface NativeModule {
  readonly Blake3Hasher: new() => {
    update(input: Buffer): unknown
    digest(format: "hex"): string
  }
}

const requireCommonJs = createRequire(import.meta.url)

/**
 * On Linux, the glibc binary of this platform, required directly: the package's own loader probes
 * for a musl libc and for a binary beside itself (a failed require) before it requires the same
 * platform package, 7-8 ms in a fresh process against 1.6-1.9 ms directly (measured), paid by every
 * hashing process. On musl it does not load (or is not installed), and the package's loader decides.
 */
const linuxGnuBinding = (): NativeModule | undefined => {
  if (process.platform !== "linux" || (process.arch !== "x64" && process.arch !== "arm64")) return undefined
  try {
    const loaded: NativeModule = requireCommonJs(`@napi-rs/blake-hash-linux-${process.arch}-gnu`)
    return loaded
  } catch {
    return undefined
  }
}

/** The native implementation, or undefined when its binding does not load on this platform. */
export const loadNative = (): Blake3Implementation | undefined => {
  let module: NativeModule
  try {
    module = linuxGnuBinding() ?? requireCommonJs("@napi-rs/blake-hash")
  } catch {
    return undefined
  }
  const { Blake3Hasher } = module
  return {
    backend: "native",
    create: () => {
      const hasher = new Blake3Hasher()
      return {
        // A Buffer view of the same memory (N-API takes Buffers): no copy.
        update: (bytes) => void hasher.update(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
        digestHex: () => hasher.digest("hex"),
        // Native memory, freed when V8 collects the hasher.
        dispose: () => {}
      }
    }
  }
}

/** blake3-wasm, its WebAssembly module compiled and instantiated. */
export const loadWasm = async (): Promise<Blake3Implementation> => {
  const module: typeof Blake3Wasm = await import("blake3-wasm")
  await module.load()
  return {
    backend: "wasm",
    create: () => {
      const hasher = module.createHash()
      let disposed = false
      const dispose = () => {
        if (disposed) return
        disposed = true
        hasher.dispose()
      }
      return {
        update: (bytes) => {
          for (let offset = 0; offset < bytes.byteLength; offset += MAX_UPDATE_BYTES) {
            hasher.update(bytes.subarray(offset, Math.min(offset + MAX_UPDATE_BYTES, bytes.byteLength)))
          }
        },
        digestHex: () => {
          // digest("hex") returns a string although it is typed as Buffer.
          const hex = String(hasher.digest("hex"))
          dispose()
          return hex
        },
        dispose
      }
    }
  }
}

/** The native implementation where it loads, else blake3-wasm. */
export const loadBlake3 = async (): Promise<Blake3Implementation> => loadNative() ?? (await loadWasm())
