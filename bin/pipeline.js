#!/usr/bin/env node
// Entry point for `npx pipeline`. Runs the esbuild bundle of cli/main.ts (bin/build.mjs; `npm ci`
// builds it through the `prepare` script; dist/pipeline.mjs launches it with V8's code cache) when
// none of the files it was built from (dist/pipeline.sources.json) is newer than it. Otherwise (a
// source edited since the last build, or no bundle) it runs the TypeScript directly through tsx, so
// what runs is always the code in the tree — at the cost of start-up (tsx compiles every module:
// several times the bundle's; README, Performance). `npm run build` brings the bundle up to date.
import { readFileSync, statSync } from "node:fs"
import * as NodeModule from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const bundle = join(root, "dist", "pipeline.mjs")

const bundleIsFresh = () => {
  try {
    const built = statSync(bundle).mtimeMs
    const sources = JSON.parse(readFileSync(join(root, "dist", "pipeline.sources.json"), "utf8"))
    return sources.length > 0 && sources.every((path) => statSync(join(root, path)).mtimeMs <= built)
  } catch {
    return false // no bundle, no list, or a source gone: run the sources
  }
}

// node ≥ 22.1 keeps its own cache of compiled modules (tsx's, the launcher's); node 20 has none.
NodeModule.enableCompileCache?.()

if (bundleIsFresh()) {
  await import(pathToFileURL(bundle).href)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import(pathToFileURL(join(root, "cli", "main.ts")).href)
}
