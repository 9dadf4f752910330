/** Small nodes for executor tests: they publish text artifacts and count their runs. */
import { Deferred, Effect, Ref, Schema } from "effect"
import { writeFileSync } from "node:fs"
import { artifactNode, type AnyNode, type ResolvedArtifact, resourceNode } from "../../pipeline/index.js"
import { ArtifactCatalog } from "../../store/ArtifactCatalog.js"
import { ObjectStore } from "../../store/ObjectStore.js"

export const ENGINE = { pipeline: "test", duckdb: "none" }

/** Publishes `text` as a one-artifact output of the node whose key is `key`. */
export const publishText = (text: string, options: { type: string; key: string; node: string; inputs?: ReadonlyArray<ResolvedArtifact> }) =>
  Effect.scoped(
    Effect.gen(function*() {
      const objects = yield* ObjectStore
      const catalog = yield* ArtifactCatalog
      const file = yield* objects.scratchPath(".txt")
      writeFileSync(file, text)
      return yield* catalog.publish({
        file,
        type: options.type,
        schemaVersion: 1,
        logicalKey: `test/${options.node}`,
        rowCount: 1,
        minTs: null,
        maxTs: null,
        inputs: (options.inputs ?? []).map((input) => input.artifactId),
        producedBy: { node: options.node, key: options.key },
        provenance: { engineVersion: "test", duckdbVersion: "none", git: { commit: null, dirty: false } }
      })
    })
  )

export const readArtifactText = (artifact: ResolvedArtifact) =>
  Effect.gen(function*() {
    const objects = yield* ObjectStore
    return new TextDecoder().decode(yield* objects.read(artifact.digest))
  })

export const TextConfig = Schema.Struct({ text: Schema.String, caseInsensitive: Schema.optional(Schema.Boolean) })

/** A source: publishes its config text. `caseInsensitive` lower-cases it (so "A" and "a" can give identical bytes). */
export const source = (runs: Ref.Ref<number>, text: string, options: { caseInsensitive?: boolean; name?: string } = {}) =>
  artifactNode({
    name: options.name ?? "source",
    version: "1",
    configSchema: TextConfig,
    config: options.caseInsensitive === undefined ? { text } : { text, caseInsensitive: options.caseInsensitive },
    inputs: {},
    outputs: ["data"],
    run: ({ config, key, name }) =>
      Effect.gen(function*() {
        yield* Ref.update(runs, (n) => n + 1)
        const data = yield* publishText(config.caseInsensitive ? config.text.toLowerCase() : config.text, {
          type: "text",
          key,
          node: name
        })
        return { data }
      })
  })

export const SuffixConfig = Schema.Struct({ suffix: Schema.String })

/** Appends a suffix to its input's text. */
export const append = <N extends AnyNode & { readonly _tag: "ArtifactNode"; readonly outputs: ReadonlyArray<"data"> }>(
  runs: Ref.Ref<number>,
  upstream: N,
  suffix: string,
  name = "append"
) =>
  artifactNode({
    name,
    version: "1",
    configSchema: SuffixConfig,
    config: { suffix },
    inputs: { upstream },
    outputs: ["data"],
    run: ({ config, inputs, key }) =>
      Effect.gen(function*() {
        yield* Ref.update(runs, (n) => n + 1)
        const upstreamData = (inputs.upstream as unknown as { data: ResolvedArtifact }).data
        const text = yield* readArtifactText(upstreamData)
        const data = yield* publishText(text + config.suffix, { type: "text", key, node: name, inputs: [upstreamData] })
        return { data }
      })
  })

export interface ResourceLog {
  readonly acquired: Ref.Ref<number>
  readonly released: Ref.Ref<number>
}

export const makeResourceLog = Effect.all({ acquired: Ref.make(0), released: Ref.make(0) })

/** A resource node that counts acquisitions and releases. */
export const countingResource = <N extends AnyNode>(log: ResourceLog, upstream: N) =>
  resourceNode({
    name: "resource",
    version: "1",
    configSchema: Schema.Struct({}),
    config: {},
    inputs: { upstream },
    acquire: () =>
      Effect.acquireRelease(
        Effect.as(Ref.update(log.acquired, (n) => n + 1), { handle: "resource-value" }),
        () => Ref.update(log.released, (n) => n + 1)
      )
  })

/** An artifact node on `resource` that signals `entered` once running, then never finishes (for interruption). */
export const hangingConsumer = <N extends AnyNode>(resource: N, entered: Deferred.Deferred<void>) =>
  artifactNode({
    name: "hanging",
    version: "1",
    configSchema: Schema.Struct({}),
    config: {},
    inputs: { resource },
    outputs: ["data"],
    run: () => Effect.zipRight(Deferred.succeed(entered, undefined), Effect.never)
  })
