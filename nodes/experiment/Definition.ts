/**
 * The experiment definition file (docs/DESIGN.md §9): decoded with Schema, every error naming its field.
 *
 * Inputs are artifact ids, selectors (resolved against the catalog and frozen into the experiment
 * record), or `synthetic` (the seeded market generator, run as a cached node).
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { ArtifactId } from "../../store/ArtifactCatalog.js"
import { type FieldIssue, parseIssues, Strategy } from "../simulate/Strategy.js"
import { checkMarketSize, DEFAULT_INTERVAL_S, SyntheticDays, SyntheticTokens } from "../synthetic/SyntheticConfig.js"
import { SweepSpec } from "../sweep/SweepSpec.js"
import { jsonSyntaxProblem } from "./JsonSyntax.js"

const strict = { parseOptions: { onExcessProperty: "error" as const } }

/** A set of artifacts chosen by what they are rather than by id. */
export const Selector = Schema.Struct({
  type: Schema.String,
  logicalKeyPrefix: Schema.optionalWith(Schema.String, { exact: true }),
  tag: Schema.optionalWith(Schema.String, { exact: true })
}).annotations({ identifier: "Selector", ...strict })
export type Selector = typeof Selector.Type

export const InputRef = Schema.Union(ArtifactId, Selector)
export type InputRef = typeof InputRef.Type

const InputList = Schema.Array(InputRef).pipe(Schema.minItems(1))

export const CatalogInputs = Schema.Struct({
  alerts: InputList,
  ohlcv: InputList
}).annotations({ identifier: "CatalogInputs", ...strict })

export const SyntheticInputs = Schema.Struct({
  // The generator's own field schemas and size rules (one source), at the default candle interval.
  synthetic: Schema.Struct({ tokens: SyntheticTokens, days: SyntheticDays, seed: Schema.Int }).annotations({
    identifier: "Synthetic",
    ...strict
  }).pipe(Schema.filter((s) => checkMarketSize({ ...s, intervalS: DEFAULT_INTERVAL_S })))
}).annotations({ identifier: "SyntheticInputs", ...strict })

/** An ISO-8601 instant with a zone (`Z` or `±hh:mm`), kept as its canonical ISO text. */
export const Instant = Schema.String.pipe(
  Schema.filter((text) => {
    if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text)) {
      return `expected an ISO-8601 date or instant with a zone, e.g. 2024-01-01T00:00:00Z, got ${JSON.stringify(text)}`
    }
    return !Number.isNaN(Date.parse(text)) || `not a valid date: ${JSON.stringify(text)}`
  }),
  Schema.transform(Schema.String, {
    strict: true,
    decode: (text) => new Date(Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text)).toISOString(),
    encode: (iso) => iso
  })
)

export const DateRange = Schema.Struct({ from: Instant, to: Instant }).pipe(
  Schema.filter((range) => range.from < range.to || `dateRange.from (${range.from}) must be before dateRange.to (${range.to})`)
).annotations({ identifier: "DateRange", ...strict })
export type DateRange = typeof DateRange.Type

export const MetricsOptions = Schema.Struct({
  bootstrapResamples: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 100_000)), {
    default: () => 1000,
    exact: true
  })
}).annotations({ identifier: "MetricsOptions", ...strict })

export const Definition = Schema.Struct({
  name: Schema.String.pipe(
    Schema.minLength(1),
    Schema.maxLength(200),
    Schema.pattern(/^[^\u0000-\u001f]*$/, { message: () => "control characters are not allowed in a name" })
  ),
  seed: Schema.Int,
  inputs: Schema.Union(CatalogInputs, SyntheticInputs),
  dateRange: DateRange,
  strategy: Strategy,
  metrics: Schema.optionalWith(MetricsOptions, { default: () => ({ bootstrapResamples: 1000 }), exact: true }),
  /** Many variants of `strategy` over the same inputs, ranked (nodes/sweep). */
  sweep: Schema.optionalWith(SweepSpec, { exact: true })
}).annotations({ identifier: "Definition", ...strict })

export type Definition = typeof Definition.Type

export class DefinitionDecodeError extends Schema.TaggedError<DefinitionDecodeError>()("DefinitionDecodeError", {
  source: Schema.String,
  issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
}) {
  override get message() {
    const lines = this.issues.map((issue) => `  ${issue.path === "" ? "<root>" : issue.path}: ${issue.message}`)
    return `invalid experiment definition ${this.source}:\n${lines.join("\n")}`
  }
}

const decode = Schema.decodeUnknownEither(Definition, { errors: "all", onExcessProperty: "error" })

/** Decodes a parsed JSON value; `source` names where it came from (a file path) in errors. */
export const decodeDefinition = (value: unknown, source: string): Effect.Effect<Definition, DefinitionDecodeError> =>
  Either.match(decode(value), {
    onLeft: (error: ParseResult.ParseError) =>
      Effect.fail(new DefinitionDecodeError({ source, issues: simplifyUnionIssues(value, parseIssues(error)) })),
    onRight: Effect.succeed
  })

/** Parses JSON text, then decodes it. A syntax error names its line and column. */
export const parseDefinition = (text: string, source: string): Effect.Effect<Definition, DefinitionDecodeError> =>
  Effect.flatMap(
    Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) => {
        const problem = jsonSyntaxProblem(text)
        const message = problem === undefined
          ? `not valid JSON: ${(error as Error).message}`
          : `not valid JSON at line ${problem.line}, column ${problem.column}: ${problem.reason}`
        return new DefinitionDecodeError({ source, issues: [{ path: "", message }] })
      }
    }),
    (value) => decodeDefinition(value, source)
  )

/**
 * A failed union reports every branch's complaints. Keep only those of the branch the value clearly
 * meant: `inputs` with `synthetic` vs with `alerts`/`ohlcv`; an input given as a string (an artifact
 * id) vs as an object (a selector).
 */
const simplifyUnionIssues = (value: unknown, issues: ReadonlyArray<FieldIssue>): ReadonlyArray<FieldIssue> => {
  const inputs = (value as { inputs?: unknown } | null)?.inputs
  const synthetic = typeof inputs === "object" && inputs !== null && "synthetic" in inputs
  const seen = new Set<string>()
  return issues.filter((issue) => {
    if (issue.path.startsWith("inputs.")) {
      if (synthetic && !issue.path.startsWith("inputs.synthetic")) return false
      // The catalog branch's complaint about the `synthetic` key itself.
      if (synthetic && issue.path === "inputs.synthetic" && issue.message.startsWith("is unexpected")) return false
      if (!synthetic && (issue.path.startsWith("inputs.synthetic") || issue.message.includes(`expected: "synthetic"`))) {
        return false
      }
      const item = /^inputs\.(alerts|ohlcv)\[(\d+)\]$/.exec(issue.path)
      if (item !== null) {
        const given = ((inputs as Record<string, Array<unknown>>)[item[1]!] ?? [])[Number(item[2])]
        if (typeof given === "string" && issue.message.startsWith("Expected Selector")) return false
        if (typeof given !== "string" && issue.message.startsWith("expected an artifact id")) return false
      }
    }
    const id = `${issue.path}\u0000${issue.message}`
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
}

export const isSynthetic = (inputs: Definition["inputs"]): inputs is typeof SyntheticInputs.Type => "synthetic" in inputs

/** A definition with a `sweep` block. */
export const isSweep = (definition: Definition): definition is Definition & { readonly sweep: SweepSpec } =>
  definition.sweep !== undefined
