#!/usr/bin/env node
// Builds the CLI bundle (dist/pipeline-<hash>.cjs, from cli/main.ts) with its launcher
// (dist/pipeline.mjs, from bin/codeCache.mjs), the sweep worker (dist/sweep-worker.mjs, beside
// it: nodes/sweep finds it relative to the bundle) and the library entry (dist/index.mjs, from
// index.ts: every package external, as a library's dependencies are).
// `npm run build` runs this; `npm ci` does through the `prepare` script. `node bin/build.mjs DIR` builds
// into another directory (tests, bench).
//
// Start-up is what this bundle is for (README, Performance): every pure-JS package (effect,
// @effect/*, seedrandom, …) is bundled, since importing effect through its package index alone
// costs ~1 s. blake3-wasm is bundled too (its JavaScript then comes from the code cache instead of
// being resolved and compiled on every hashing command: 7-20 ms of a cached rerun); its loader
// reads blake3.wasm from its own directory (`__dirname`, in the bundle the bundle's), so the build
// copies that file beside the bundle (blake3-wasm is the fallback where the native BLAKE3 binding,
// store/internal/blake3.ts, does not load). Kept external: the DuckDB packages and @napi-rs's native
// BLAKE3 (native code; the project requires them on first use, see nodes/duckdb/NodeApi.ts),
// esbuild and tsx (only used when running from the TypeScript sources), the AWS SDK (imported only
// when a command is given --remote, store/remote/RemoteStorageS3.ts). yaml, toml and ini, which
// @effect/cli imports for options read from config files (not used by `pipeline`), are replaced by
// stubs that require the real package on first use: they were ~15% of the bundle's bytes.
//
// The CLI bundle is CommonJS so that its launcher can compile it with V8's code cache
// (bin/codeCache.mjs: node 20 can hand a cache to a script, not to an ES module); compiling the
// bundle was about a third of `--help`'s CPU time. `import.meta.url` in the sources becomes the
// bundle's own file URL.
import * as esbuild from "esbuild"
import { createHash } from "node:crypto"
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

export const root = join(dirname(fileURLToPath(import.meta.url)), "..")

const external = ["@duckdb/*", "@napi-rs/*", "esbuild", "tsx", "tsx/*", "@aws-sdk/*"]

/** The WebAssembly file blake3-wasm's loader reads from its directory: copied beside the CLI bundle. */
const blake3Wasm = createRequire(import.meta.url).resolve("blake3-wasm/dist/wasm/blake3.wasm")

const importMetaUrl = "__pipelineImportMetaUrl"
const launcherName = "<pipeline launcher>"
// "use strict" first: esbuild's own directive comes after the banner, where it is no directive.
const importMetaUrlBanner = `"use strict";const ${importMetaUrl} = require("node:url").pathToFileURL(__filename).href;`

const lazyConfigParsers = {
  name: "lazy-config-file-parsers",
  setup(build) {
    build.onResolve({ filter: /^(yaml|toml|ini)$/ }, (args) => ({ path: args.path, namespace: "lazy-parser" }))
    build.onLoad({ filter: /.*/, namespace: "lazy-parser" }, (args) => ({
      contents: `export const parse = (text) => require(${JSON.stringify(args.path)}).parse(text)`,
      loader: "js",
      resolveDir: root
    }))
  }
}

/** Builds the bundles into `outdir`. */
export const build = async (outdir) => {
  const common = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning" }
  const cli = await esbuild.build({
    ...common,
    format: "cjs",
    metafile: true,
    write: false,
    entryPoints: [join(root, "cli", "main.ts")],
    outfile: join(outdir, "pipeline.cjs"),
    external,
    plugins: [lazyConfigParsers],
    define: { "import.meta.url": importMetaUrl },
    // import() of an external package becomes require(): code V8 takes from the cache has lost
    // the script's dynamic-import callback (bin/codeCache.mjs). import() of a project module (a
    // command's handler, cli/LazyHandler.ts) stays in the bundle as a module initialised on its
    // first import(), with every module only it needs: `--help` does not evaluate the store or
    // the nodes.
    supported: { "dynamic-import": false },
    banner: { js: importMetaUrlBanner },
    // Non-ASCII characters in strings and identifiers escaped (esbuild's default, stated), so the
    // launcher can read the bundle as latin1 (bin/codeCache.mjs); a comment esbuild keeps (a
    // license) may still not be ASCII: checked below.
    charset: "ascii",
    // Whitespace and syntax only: names stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true
  })
  const dynamicImports = Object.values(cli.metafile.outputs).flatMap((output) => output.imports)
    .filter((entry) => entry.kind === "dynamic-import")
  if (dynamicImports.length > 0) {
    throw new Error(`import() left in the CLI bundle: ${dynamicImports.map((entry) => entry.path).join(", ")}`)
  }
  // The bundle is named after its hash, which also names its code cache: the launcher names the
  // one bundle it was built with, so a launcher and a bundle of different builds never meet.
  const [output] = cli.outputFiles
  const ascii = output.contents.every((byte) => byte < 0x80)
  const hash = createHash("sha256").update(output.contents).digest("hex").slice(0, 16)
  const bundleName = `pipeline-${hash}.cjs`
  mkdirSync(outdir, { recursive: true })
  rmSync(join(outdir, ".cache"), { recursive: true, force: true }) // code caches of earlier builds
  for (const name of readdirSync(outdir)) {
    if (/^pipeline(-[0-9a-f]+)?\.cjs$/.test(name) && name !== bundleName) rmSync(join(outdir, name), { force: true })
  }
  copyFileSync(blake3Wasm, join(outdir, "blake3.wasm.tmp"))
  renameSync(join(outdir, "blake3.wasm.tmp"), join(outdir, "blake3.wasm"))
  writeFileSync(join(outdir, `${bundleName}.tmp`), output.contents)
  renameSync(join(outdir, `${bundleName}.tmp`), join(outdir, bundleName))
  const launcher = await esbuild.build({
    ...common,
    metafile: true,
    stdin: {
      contents: `import { fileURLToPath } from "node:url"
import { runWithCodeCache } from "./bin/codeCache.mjs"
runWithCodeCache(fileURLToPath(new URL(${JSON.stringify(`./${bundleName}`)}, import.meta.url)), ${JSON.stringify(hash)}, { ascii: ${ascii} })
`,
      resolveDir: root,
      sourcefile: launcherName
    },
    outfile: join(outdir, "pipeline.mjs")
  })
  // The repository files the bundle and its launcher were built from: bin/pipeline.js runs the
  // bundle only while none of them is newer than the launcher (written last).
  // (The launcher's own text is no file: it is left out.)
  const sources = [...Object.keys(cli.metafile.inputs), ...Object.keys(launcher.metafile.inputs)]
    .filter((input) => input !== launcherName)
    .map((input) => relative(root, join(process.cwd(), input)))
    .filter((path) => !path.startsWith("..") && !path.startsWith("node_modules") && !path.includes(":"))
    .sort()
  writeFileSync(join(outdir, "pipeline.sources.json"), `${JSON.stringify(sources, null, 1)}\n`)
  await esbuild.build({
    ...common,
    entryPoints: [join(root, "nodes", "sweep", "internal", "worker.ts")],
    outfile: join(outdir, "sweep-worker.mjs")
  })
  await esbuild.build({
    ...common,
    entryPoints: [join(root, "index.ts")],
    outfile: join(outdir, "index.mjs"),
    packages: "external"
  })
}

// `node bin/build.mjs [outdir]` (default dist/).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await build(process.argv[2] ?? join(root, "dist"))
}
