/**
 * Preloaded into a spawned CLI (`node --import <this file> …`) to record which modules it loads:
 * every module resolved through the ES loader, and at exit every CommonJS module in require's
 * cache (native packages such as DuckDB's are CommonJS, whether imported or required). One path
 * or URL per line, appended to the file named by PIPELINE_TEST_LOADED_MODULES. Also every
 * WebAssembly file read through fs.readFileSync, as emscripten loaders read theirs (blake3-wasm's
 * reads blake3.wasm: its JavaScript is inside the CLI bundle, so no module load shows it).
 */
import fs, { appendFileSync } from "node:fs"
import { createRequire, register } from "node:module"

const out = process.env.PIPELINE_TEST_LOADED_MODULES
if (out) {
  register(new URL("./loadedModulesHooks.mjs", import.meta.url), { data: { out } })
  const cache = createRequire(import.meta.url).cache
  process.on("exit", () => appendFileSync(out, Object.keys(cache).map((path) => `${path}\n`).join("")))
  const readFileSync = fs.readFileSync
  fs.readFileSync = function (path, ...rest) {
    if (String(path).endsWith(".wasm")) appendFileSync(out, `${path}\n`)
    return readFileSync.call(this, path, ...rest)
  }
}
