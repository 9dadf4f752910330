/**
 * Benchmark child: file hashing speed. Writes a file of random bytes (256 MiB by default) under
 * the OS temp directory, then hashes it with store/Digest.ts `hashFile` (BLAKE3), with node's
 * crypto sha256 streamed in 1 MiB reads and, when `b3sum` is on the PATH, with `b3sum --num-threads 1` (the native single-threaded BLAKE3; its time includes its
 * process start, ~1 ms), interleaved, `repeats` times each after a warm-up of each. The file is in
 * the page cache for all of them. The digests of hashFile and b3sum must agree. The result names the
 * BLAKE3 implementation hashFile ran on (native where its binding loads, else blake3-wasm).
 */
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { createReadStream, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type Blake3Backend, blake3Backend, hashFile } from "../store/index.js"
import { childMain, median, removeDir, round, tempDir } from "./support.js"

export interface HashArgs {
  readonly mib: number
  readonly repeats: number
}

export interface HashResult {
  readonly bytes: number
  /** hashFile; `backend`: the BLAKE3 implementation it ran on (store/internal/blake3.ts). */
  readonly blake3: { readonly ms: number; readonly gbPerSecond: number; readonly backend: Blake3Backend }
  readonly sha256: { readonly ms: number; readonly gbPerSecond: number }
  /** blake3 GB/s ÷ sha256 GB/s. */
  readonly ratio: number
  /** `b3sum --num-threads 1` on the same file in the same run; null when b3sum is not installed. */
  readonly b3sum: { readonly ms: number; readonly gbPerSecond: number; readonly version: string } | null
  /** hashFile GB/s ÷ b3sum GB/s (target ≥ 0.5); null without b3sum. */
  readonly ratioToB3sum: number | null
}

const b3sumVersion = (): string | null => {
  try {
    return execFileSync("b3sum", ["--version"], { encoding: "utf8" }).trim()
  } catch {
    return null
  }
}

const b3sumFile = (path: string) =>
  execFileSync("b3sum", ["--num-threads", "1", "--no-names", path], { encoding: "utf8" }).trim()

const sha256File = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const hash = createHash("sha256")
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024 })
    stream.on("data", (chunk) => hash.update(chunk))
    stream.on("error", reject)
    stream.on("end", () => resolve(hash.digest("hex")))
  })

export const runHashBench = async (args: HashArgs): Promise<HashResult> => {
  const dir = tempDir("bench-hash-")
  try {
    const path = join(dir, "data.bin")
    const bytes = args.mib * 1024 * 1024
    const block = randomBytes(16 * 1024 * 1024)
    const parts: Array<Buffer> = []
    for (let written = 0; written < bytes; written += block.length) {
      const part = Buffer.from(block.subarray(0, Math.min(block.length, bytes - written)))
      part.writeUInt32LE(written >>> 0, 0) // no two blocks alike
      parts.push(part)
    }
    writeFileSync(path, Buffer.concat(parts))
    parts.length = 0
    const blake = () => Effect.runPromise(hashFile(path))
    const version = b3sumVersion()
    const digest = await blake()
    await sha256File(path)
    if (version !== null && `blake3:${b3sumFile(path)}` !== digest) {
      throw new Error(`hashFile and b3sum disagree on ${path}: ${digest} vs ${b3sumFile(path)}`)
    }
    const b: Array<number> = []
    const s: Array<number> = []
    const n: Array<number> = []
    for (let r = 0; r < args.repeats; r++) {
      let start = performance.now()
      await blake()
      b.push(performance.now() - start)
      start = performance.now()
      await sha256File(path)
      s.push(performance.now() - start)
      if (version !== null) {
        start = performance.now()
        b3sumFile(path)
        n.push(performance.now() - start)
      }
    }
    const bMs = median(b)
    const sMs = median(s)
    const nMs = version === null ? null : median(n)
    const rate = (ms: number) => round(bytes / 1e9 / (ms / 1000), 2)
    return {
      bytes,
      blake3: { ms: round(bMs), gbPerSecond: rate(bMs), backend: await Effect.runPromise(blake3Backend) },
      sha256: { ms: round(sMs), gbPerSecond: rate(sMs) },
      ratio: round(sMs / bMs, 2),
      b3sum: nMs === null || version === null ? null : { ms: round(nMs), gbPerSecond: rate(nMs), version },
      ratioToB3sum: nMs === null ? null : round(nMs / bMs, 2)
    }
  } finally {
    removeDir(dir)
  }
}

if (process.argv[1]?.endsWith("hash.ts")) await childMain(runHashBench)
