/**
 * bin/codeCache.mjs, which dist/pipeline.mjs launches the CLI bundle with: a first run writes V8's
 * code cache beside the bundle, the next takes it; a cache named for another bundle is not read,
 * one V8 rejects is rewritten, and a cache folder that cannot be written costs only the cache.
 * Each run is its own node process, as the CLI's are.
 */
import { spawn } from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { pathToFileURL } from "node:url"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { repoRoot, waitForExit } from "../support/cli.js"

const codeCache = pathToFileURL(NodePath.join(repoRoot, "bin", "codeCache.mjs")).href

let dir: string
let bundle: string

/** Runs `bundle` through runWithCodeCache in a new node; its stdout and whether the cache was taken. */
const runBundle = async (hash: string, options: { readonly ascii?: boolean } = {}) => {
  const script = `import(${JSON.stringify(codeCache)}).then((m) => {
    const cached = m.runWithCodeCache(${JSON.stringify(bundle)}, ${JSON.stringify(hash)}, ${JSON.stringify(options)})
    console.log("cached=" + cached)
  })`
  const result = await waitForExit(spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] }))
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

const cacheFiles = () => NodeFs.readdirSync(NodePath.join(dir, ".cache")).filter((name) => name.endsWith(".v8"))

describe("the CLI bundle's code cache", () => {
  beforeEach(() => {
    dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "pipeline-code-cache-"))
    bundle = NodePath.join(dir, "bundle.cjs")
    // CommonJS as node runs it: require, module, __filename.
    NodeFs.writeFileSync(bundle, `"use strict"
const path = require("node:path")
const square = (x) => x * x
console.log("ran " + path.basename(__filename) + " " + square(7) + " " + (typeof module.exports))
`)
  })
  afterEach(() => NodeFs.rmSync(dir, { recursive: true, force: true }))

  it("reads a bundle the build found ASCII as latin1 (the same text), any other as UTF-8", async () => {
    expect(await runBundle("aaaa", { ascii: true })).toBe("ran bundle.cjs 49 object\ncached=false\n")
    // A comment esbuild keeps (a license) may hold UTF-8: such a bundle is not marked ASCII.
    NodeFs.writeFileSync(bundle, `// \u00a9 a licence comment\nconsole.log("\u2192 " + "\u00e9".length)\n`)
    expect(await runBundle("bbbb")).toBe("\u2192 1\ncached=false\n")
    // Read as latin1 instead, its UTF-8 bytes would be other characters.
    expect(await runBundle("cccc", { ascii: true })).not.toContain("\u2192")
  })

  it("is written by a first run and taken by the next", async () => {
    const first = await runBundle("aaaa")
    expect(first).toBe("ran bundle.cjs 49 object\ncached=false\n")
    expect(cacheFiles()).toEqual([`bundle.cjs-aaaa-${process.version}-${process.arch}.v8`])
    const second = await runBundle("aaaa")
    expect(second).toBe("ran bundle.cjs 49 object\ncached=true\n")
  })

  it("is not read for another hash, and a cache V8 rejects is rewritten", async () => {
    await runBundle("aaaa")
    expect(await runBundle("bbbb")).toContain("cached=false")
    expect(cacheFiles().sort()).toEqual([
      `bundle.cjs-aaaa-${process.version}-${process.arch}.v8`,
      `bundle.cjs-bbbb-${process.version}-${process.arch}.v8`
    ])
    const file = NodePath.join(dir, ".cache", `bundle.cjs-aaaa-${process.version}-${process.arch}.v8`)
    NodeFs.writeFileSync(file, Buffer.alloc(NodeFs.statSync(file).size, 1))
    expect(await runBundle("aaaa")).toBe("ran bundle.cjs 49 object\ncached=false\n")
    expect(await runBundle("aaaa")).toContain("cached=true")
    expect(NodeFs.readdirSync(NodePath.join(dir, ".cache")).filter((name) => name.endsWith(".tmp"))).toEqual([])
  })

  it("runs without a cache where none can be written", async () => {
    NodeFs.writeFileSync(NodePath.join(dir, ".cache"), "a file where the cache folder would be")
    expect(await runBundle("aaaa")).toBe("ran bundle.cjs 49 object\ncached=false\n")
    expect(await runBundle("aaaa")).toContain("cached=false")
  })
})
