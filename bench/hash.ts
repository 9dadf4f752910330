/**
 * Benchmark child: file hashing speed. Writes a file of random bytes (256 MiB by default) under
 * the OS temp directory, then hashes it with store/Digest.ts `hashFile` (BLAKE3, blake3-wasm in
 * 1 MiB chunks) and with node's crypto sha256 streamed the same way (1 MiB reads), interleaved,
 * `repeats` times each after a warm-up of both. The file is in the page cache for both.
 */
import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { createReadStream, writeFileSync } from "node:fs"
import { join } from "node:path"
import { hashFile } from "../store/index.js"
import { childMain, median, removeDir, round, tempDir } from "./support.js"

export interface HashArgs {
  readonly mib: number
  readonly repeats: number
}

export interface HashResult {
  readonly bytes: number
  readonly blake3: { readonly ms: number; readonly gbPerSecond: number }
  readonly sha256: { readonly ms: number; readonly gbPerSecond: number }
  /** blake3 GB/s ÷ sha256 GB/s. */
  readonly ratio: number
}

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
    await blake()
    await sha256File(path)
    const b: Array<number> = []
    const s: Array<number> = []
    for (let r = 0; r < args.repeats; r++) {
      let start = performance.now()
      await blake()
      b.push(performance.now() - start)
      start = performance.now()
      await sha256File(path)
      s.push(performance.now() - start)
    }
    const bMs = median(b)
    const sMs = median(s)
    return {
      bytes,
      blake3: { ms: round(bMs), gbPerSecond: round(bytes / 1e9 / (bMs / 1000), 2) },
      sha256: { ms: round(sMs), gbPerSecond: round(bytes / 1e9 / (sMs / 1000), 2) },
      ratio: round(sMs / bMs, 2)
    }
  } finally {
    removeDir(dir)
  }
}

if (process.argv[1]?.endsWith("hash.ts")) await childMain(runHashBench)
