/**
 * The DuckDB libraries, loaded on first use rather than when a module imports them.
 *
 * Loading `@duckdb/node-api` and its native bindings costs ~0.5 s of start-up (measured), which
 * commands that never open a database (`--help`, `hash`, `experiments list`) should not pay. So the
 * modules of this project import only their types statically, and take the values from
 * `duckdbApi()` / `duckdbBindings()` where they need them: at the latest when a database is opened,
 * which every query needs first. Both packages are CommonJS, so a synchronous `require` gives the
 * same module object an `import` would (Node shares one cache between the two).
 */
import type * as NodeApi from "@duckdb/node-api"
import type * as NodeBindings from "@duckdb/node-bindings"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as nodePath from "node:path"

const requireCommonJs = createRequire(import.meta.url)

let api: typeof NodeApi | undefined
let bindings: typeof NodeBindings | undefined

/** `@duckdb/node-api`, required once per process on the first call. */
export const duckdbApi = (): typeof NodeApi => {
  if (api === undefined) {
    const loaded: typeof NodeApi = requireCommonJs("@duckdb/node-api")
    api = loaded
  }
  return api
}

/** `@duckdb/node-bindings` (the native library's C API), required once per process on the first call. */
export const duckdbBindings = (): typeof NodeBindings => {
  if (bindings === undefined) {
    const loaded: typeof NodeBindings = requireCommonJs("@duckdb/node-bindings")
    bindings = loaded
  }
  return bindings
}

/** The native library files in the directory of a platform package's `duckdb.node`. */
const NATIVE_FILE = /^(duckdb\.node|(lib)?duckdb\.(so|dylib|dll))$/

/**
 * What the native library the bindings would load is, found without loading it: for the bindings'
 * loader (`duckdb.js`) and every native file (`duckdb.node`, `libduckdb.so` / `.dylib`, `duckdb.dll`)
 * of each platform package it may choose here (on Linux glibc and musl), the resolved path with
 * device, inode, size, mtime and ctime. Installing, upgrading or replacing any of them changes it.
 * `undefined` when the files cannot be resolved or stat'ed (then only loading the bindings tells).
 */
export const nativeLibraryIdentity = (): string | undefined => {
  try {
    const loader = requireCommonJs.resolve("@duckdb/node-bindings")
    const fromBindings = createRequire(loader)
    const platformPackage = `@duckdb/node-bindings-${process.platform}-${process.arch}`
    const packages = process.platform === "linux" ? [platformPackage, `${platformPackage}-musl`] : [platformPackage]
    const files = [loader]
    for (const name of packages) {
      let addon: string
      try {
        addon = fromBindings.resolve(`${name}/duckdb.node`)
      } catch {
        continue
      }
      const dir = nodePath.dirname(addon)
      for (const file of fs.readdirSync(dir).sort()) {
        if (NATIVE_FILE.test(file)) files.push(nodePath.join(dir, file))
      }
    }
    if (files.length === 1) return undefined
    return files
      .map((file) => {
        const stats = fs.statSync(file, { bigint: true })
        return [file, stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join(" ")
      })
      .join("\n")
  } catch {
    return undefined
  }
}
