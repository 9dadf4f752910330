#!/usr/bin/env node
// Entry point for `npx pipeline`. Runs the esbuild bundle of cli/main.ts when it is at least as new
// as every source file (`npm ci` builds it through the `prepare` script): start-up ~1 s instead of
// ~3.5 s through tsx. Otherwise (a source edited since the last build) it runs the TypeScript
// directly through tsx, so what runs is always the code in the tree.
import { readdirSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const bundle = join(root, "dist", "pipeline.mjs")

const newestSource = (dir) => {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

const bundleIsFresh = () => {
  try {
    const built = statSync(bundle).mtimeMs
    return ["cli", "nodes", "pipeline", "store"].every((dir) => newestSource(join(root, dir)) <= built)
  } catch {
    return false
  }
}

if (bundleIsFresh()) {
  await import(pathToFileURL(bundle).href)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import(pathToFileURL(join(root, "cli", "main.ts")).href)
}
