/**
 * `pipeline artifacts list|show|lineage`: the catalog. `list` filters manifests, `show` prints one
 * manifest and where its data file is, `lineage` draws what an artifact was computed from (or,
 * with `--downstream`, what was computed from it) as an indented tree; `--json` gives the graph.
 * All only read: without a store, `list` prints an empty list and `show`/`lineage` fail with
 * `no store at <dir>` (exit 2); an id that names nothing is a usage error too (exit 2).
 */
import type { Command } from "@effect/cli"
import { Console, Effect, Either, Option } from "effect"
import { formatBytes, formatInt, formatTimestamp, NO_VALUE, shortId } from "../../nodes/report/index.js"
import {
  ArtifactCatalog,
  type ArtifactManifest,
  compareStrings,
  type LineageGraph,
  ObjectStore
} from "../../store/index.js"
import { unknownIdOf, UsageError } from "../CliError.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { readableStore, requireStore } from "../ReadOnlyStore.js"
import { storeLayer } from "../StoreLayers.js"
import { renderTable } from "../Table.js"
import type { lineageArgs, listArgs, showArgs } from "../tree/Artifacts.js"

const time = (iso: string): string => {
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? iso : formatTimestamp(ms)
}

// ---------------------------------------------------------------------------------------------
// list

export const list = (args: Command.Command.ParseConfig<typeof listArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    // No store holds no artifacts (and reading must not create one).
    const exists = yield* readableStore(config.storeDir)
    const manifests = exists
      ? yield* Effect.flatMap(ArtifactCatalog, (catalog) =>
        catalog.list({
          ...(Option.isSome(args.type) ? { type: args.type.value } : {}),
          ...(Option.isSome(args.prefix) ? { logicalKeyPrefix: args.prefix.value } : {}),
          ...(Option.isSome(args.status) ? { status: args.status.value } : {}),
          ...(Option.isSome(args.tag) ? { tag: args.tag.value } : {})
        })).pipe(Effect.provide(storeLayer(config.storeDir)))
      : []
    if (config.json) return yield* printJson({ artifacts: manifests })
    if (manifests.length === 0) {
      return yield* Console.log(exists ? "no artifacts" : `no artifacts (no store at ${config.storeDir})`)
    }
    yield* Console.log(
      renderTable(
        [
          { header: "ID" },
          { header: "TYPE" },
          { header: "LOGICAL KEY", maxWidth: 60 },
          { header: "ROWS", align: "right" },
          { header: "SIZE", align: "right" },
          { header: "STATUS" },
          { header: "CREATED (UTC)" }
        ],
        manifests.map((m) => [
          shortId(m.artifactId),
          m.type,
          m.logicalKey,
          formatInt(m.rowCount),
          formatBytes(m.bytes),
          m.status,
          time(m.createdAt)
        ])
      )
    )
  })

// ---------------------------------------------------------------------------------------------
// show

const manifestLines = (m: ArtifactManifest, path: string | undefined, remote: string | undefined): Array<string> => {
  const git = m.provenance.git
  const lines = [
    `artifact ${m.artifactId}`,
    `  type        ${m.type} (schema v${m.schemaVersion})`,
    `  logical key ${m.logicalKey}`,
    `  status      ${m.status}${m.supersededBy === undefined ? "" : ` by ${m.supersededBy}`}`,
    `  digest      ${m.digest}`,
    `  size        ${formatBytes(m.bytes)} (${formatInt(m.bytes)} bytes), ${formatInt(m.rowCount)} ${m.rowCount === 1 ? "row" : "rows"}`,
    `  time range  ${m.minTs === null ? NO_VALUE : `${m.minTs} … ${m.maxTs ?? NO_VALUE}`}`,
    `  produced by ${m.producedBy.node} (key ${m.producedBy.key})`,
    `  engine      ${m.provenance.engineVersion}, DuckDB ${m.provenance.duckdbVersion}, git ${
      git.commit === null ? "unknown" : git.commit
    }${git.dirty ? " (dirty)" : ""}`,
    `  tags        ${m.tags.length === 0 ? NO_VALUE : [...m.tags].sort(compareStrings).join(", ")}`,
    `  created     ${time(m.createdAt)}`,
    `  data        ${path ?? (remote === undefined ? "missing from the object store" : `on the remote ${remote}, not downloaded`)}`
  ]
  if (m.inputs.length === 0) lines.push(`  inputs      ${NO_VALUE}`)
  m.inputs.forEach((id, i) => lines.push(`  ${(i === 0 ? "inputs" : "").padEnd(11)} ${id}`))
  if (m.metadata !== undefined) {
    lines.push("  metadata", ...JSON.stringify(m.metadata, null, 2).split("\n").map((line) => `    ${line}`))
  }
  return lines
}

export const show = (args: Command.Command.ParseConfig<typeof showArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    yield* requireStore(config.storeDir)
    const { manifest, path, remote } = yield* Effect.gen(function*() {
      const catalog = yield* ArtifactCatalog
      const objects = yield* ObjectStore
      const manifest = yield* catalog.resolve(args.artifactId).pipe(unknownIdOf("artifact", args.artifactId, config.storeDir))
      // The path without re-hashing the file (fsck verifies); absent when the object is gone or
      // remote-backed (never downloaded just to be shown).
      if (!(yield* objects.has(manifest.digest))) return { manifest, path: undefined, remote: yield* objects.promisedBy(manifest.digest) }
      const path = yield* Effect.either(objects.path(manifest.digest))
      return { manifest, path: Either.isRight(path) ? path.right : undefined, remote: undefined }
    }).pipe(Effect.provide(storeLayer(config.storeDir)))
    if (config.json) return yield* printJson({ artifact: manifest, path: path ?? null, ...(remote === undefined ? {} : { remote }) })
    yield* Console.log(manifestLines(manifest, path, remote).join("\n"))
  })

// ---------------------------------------------------------------------------------------------
// lineage

/**
 * The graph as an indented tree from its root. An artifact reached a second time is printed again
 * but not expanded (`(see above)`), so shared inputs do not repeat whole subtrees.
 */
export const lineageTree = (graph: LineageGraph): string => {
  const byId = new Map(graph.nodes.map((m) => [m.artifactId as string, m]))
  const children = new Map<string, Array<string>>()
  for (const edge of graph.edges) {
    const list = children.get(edge.from) ?? []
    if (!list.includes(edge.to)) list.push(edge.to)
    children.set(edge.from, list)
  }
  const order = (a: string, b: string) => {
    const ma = byId.get(a)
    const mb = byId.get(b)
    if (ma === undefined || mb === undefined) return compareStrings(a, b)
    return compareStrings(ma.type, mb.type) || compareStrings(ma.logicalKey, mb.logicalKey) || compareStrings(a, b)
  }
  const label = (id: string) => {
    const m = byId.get(id)
    return m === undefined ? `${shortId(id)}  (manifest missing)` : `${shortId(id)}  ${m.type}  ${m.logicalKey}`
  }
  const lines: Array<string> = []
  const expanded = new Set<string>()
  const visit = (id: string, prefix: string, isLast: boolean, isRoot: boolean) => {
    const kids = [...(children.get(id) ?? [])].sort(order)
    const repeated = expanded.has(id) && kids.length > 0
    lines.push(
      `${isRoot ? "" : `${prefix}${isLast ? "└── " : "├── "}`}${label(id)}${repeated ? "  (see above)" : ""}`
    )
    if (repeated) return
    expanded.add(id)
    const childPrefix = isRoot ? "" : `${prefix}${isLast ? "    " : "│   "}`
    kids.forEach((kid, i) => visit(kid, childPrefix, i === kids.length - 1, false))
  }
  visit(graph.root, "", true, true)
  return lines.join("\n")
}

export const lineage = (args: Command.Command.ParseConfig<typeof lineageArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    if (Option.isSome(args.depth) && args.depth.value < 0) {
      return yield* new UsageError({ reason: `--depth: expected a number ≥ 0, got ${args.depth.value}` })
    }
    const depth = Option.getOrUndefined(args.depth)
    yield* requireStore(config.storeDir)
    const graph = yield* Effect.gen(function*() {
      const catalog = yield* ArtifactCatalog
      const root = yield* catalog.resolve(args.artifactId).pipe(unknownIdOf("artifact", args.artifactId, config.storeDir))
      const options = depth === undefined ? undefined : { depth }
      return yield* (args.downstream
        ? catalog.downstream(root.artifactId, options)
        : catalog.lineage(root.artifactId, options))
    }).pipe(Effect.provide(storeLayer(config.storeDir)))
    if (config.json) {
      return yield* printJson({
        root: graph.root,
        direction: args.downstream ? "downstream" : "upstream",
        depth: depth ?? null,
        nodes: [...graph.nodes].sort((a, b) => compareStrings(a.artifactId, b.artifactId)),
        edges: [...graph.edges].sort((a, b) => compareStrings(a.from, b.from) || compareStrings(a.to, b.to))
      })
    }
    yield* Console.log(lineageTree(graph))
  })
