// Runs a CommonJS bundle with V8's code cache: the compiled code of a first run is kept in a
// `.cache` folder beside the bundle and handed to the next run, which then neither parses nor
// compiles the bundle's functions again (node 20 has no compile cache of its own; 22 has
// `module.enableCompileCache`, but only for modules it loads itself). bin/build.mjs bundles this
// file into dist/pipeline.mjs, the launcher of dist/pipeline-<hash>.cjs.
//
// The cache file is named after the bundle's hash (computed by the build), node's version and the
// architecture, so a rebuilt bundle or another node never reads a cache made for something else;
// V8 checks the rest (its version, its flags, the source's length) and rejects what does not fit.
// A missing or rejected cache is written at the process's exit (so it also holds the functions
// that run compiled), to a temporary file renamed into place (concurrent processes never see half
// a file). Every failure to read or write the cache is ignored: the bundle then runs as it would
// without it; where the folder cannot be written, no cache is even serialised.
//
// The bundle must not use `import()`: code V8 takes from a cache has lost the script's
// dynamic-import callback (node 20 throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING there, though the
// same call works in an uncached run), so none is given and the build lowers import() to require().
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join } from "node:path"
import { Script } from "node:vm"

// What node's CommonJS loader wraps every module in (module.wrap).
const wrap = (source) => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`

/** The cache file for `bundle` (a path) whose content hashes to `hash`. */
export const cacheFileOf = (bundle, hash) =>
  join(dirname(bundle), ".cache", `${basename(bundle)}-${hash}-${process.version}-${process.arch}.v8`)

const readOrUndefined = (path) => {
  try {
    return readFileSync(path)
  } catch {
    return undefined
  }
}

/** Writes `bytes()` to `path` through a temporary file, asking for the bytes once that file is open. */
const writeAtomically = (path, bytes) => {
  const temp = `${path}.${process.pid}.tmp`
  try {
    mkdirSync(dirname(path), { recursive: true })
    const fd = openSync(temp, "w") // fails at once where nothing can be written: no cache is made
    try {
      writeFileSync(fd, bytes())
    } finally {
      closeSync(fd)
    }
    renameSync(temp, path)
  } catch {
    // A read-only install, a full disk, …: the next run compiles the bundle again.
    try {
      rmSync(temp, { force: true })
    } catch {}
  }
}

/**
 * Runs `bundle` (the path of a CommonJS file) as node would `require` it, with the code cache
 * named after `hash`. `ascii`: the build found only ASCII bytes in it, so latin1 decodes it to the
 * same string as UTF-8 would, without validating 2.3 MB of UTF-8 first (a first read took 9-22 ms
 * as utf8, 4-5 ms as latin1). Returns whether V8 took the cached code.
 */
export const runWithCodeCache = (bundle, hash, { ascii = false } = {}) => {
  const cacheFile = cacheFileOf(bundle, hash)
  const cachedData = readOrUndefined(cacheFile)
  const script = new Script(wrap(readFileSync(bundle, ascii ? "latin1" : "utf8")), { filename: bundle, cachedData })
  const cached = cachedData !== undefined && script.cachedDataRejected === false
  if (!cached) {
    process.once("exit", () => writeAtomically(cacheFile, () => script.createCachedData()))
  }
  const module = { exports: {}, filename: bundle, id: bundle, loaded: false }
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle))
  return cached
}
