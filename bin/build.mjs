#!/usr/bin/env node
// Builds the CLI bundle (dist/pipeline.mjs, from cli/main.ts), the sweep worker
// (dist/sweep-worker.mjs, beside it: nodes/sweep finds it relative to the bundle) and the library
// entry (dist/index.mjs, from index.ts: every package external, as a library's dependencies are).
// `npm run build` runs this; `npm ci` does through the `prepare` script. `node bin/build.mjs DIR` builds
// into another directory (tests, bench).
//
// Start-up is what this bundle is for (README, Performance): every pure-JS package (effect,
// @effect/*, seedrandom, …) is bundled, since importing effect through its package index alone
// costs ~1 s. Kept external: the DuckDB packages (native code; the project requires them on first
// use, see nodes/duckdb/NodeApi.ts), blake3-wasm (it reads its .wasm file beside its own module),
// esbuild and tsx (only used when running from the TypeScript sources), the AWS SDK (imported only
// when a command is given --remote, store/remote/RemoteStorageS3.ts). yaml, toml and ini, which
// @effect/cli imports for options read from config files (not used by `pipeline`), are replaced by
// stubs that require the real package on first use: they were ~15% of the bundle's bytes.
import * as esbuild from "esbuild"
import { writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

export const root = join(dirname(fileURLToPath(import.meta.url)), "..")

const external = ["@duckdb/*", "blake3-wasm", "esbuild", "tsx", "tsx/*", "@aws-sdk/*"]

// Bundled CommonJS packages call require() for node's built-ins: give the ES module one.
const requireBanner =
  "import { createRequire as __pipelineCreateRequire } from 'node:module'; const require = __pipelineCreateRequire(import.meta.url);"

const lazyConfigParsers = {
  name: "lazy-config-file-parsers",
  setup(build) {
    build.onResolve({ filter: /^(yaml|toml|ini)$/ }, (args) => ({ path: args.path, namespace: "lazy-parser" }))
    build.onLoad({ filter: /.*/, namespace: "lazy-parser" }, (args) => ({
      contents: `import { createRequire } from "node:module"
export const parse = (text) => createRequire(import.meta.url)(${JSON.stringify(args.path)}).parse(text)`,
      loader: "js",
      resolveDir: root
    }))
  }
}

/** Builds the three bundles into `outdir`. */
export const build = async (outdir) => {
  const common = { bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "warning" }
  const cli = await esbuild.build({
    ...common,
    metafile: true,
    entryPoints: [join(root, "cli", "main.ts")],
    outfile: join(outdir, "pipeline.mjs"),
    external,
    plugins: [lazyConfigParsers],
    banner: { js: requireBanner },
    // Whitespace and syntax only: names stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true
  })
  // The repository files the bundle was built from: bin/pipeline.js runs the bundle only while
  // none of them is newer than it.
  const sources = Object.keys(cli.metafile.inputs)
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
