/**
 * The strategy config of an experiment (docs/DESIGN.md §7, §9 `strategy`), as an Effect Schema with
 * defaults. The decoded value has every default filled in, so two definitions that differ only by
 * writing a default explicitly decode (and therefore hash) alike.
 *
 * Strictness: every struct carries the `parseOptions: { onExcessProperty: "error" }` annotation, so an
 * unknown field is an error whatever parse options the caller passes (a definition schema embedding
 * `Strategy` inherits this for the `strategy` subtree). Decode with {@link decodeStrategy} to get the
 * issues as `{ path, message }` pairs.
 *
 * Choices made where the design left room:
 * - `exit.targets[i].multiple` must be > 1: a target at or below the entry fill would sell at a price
 *   the entry candle may never have traded at. Multiples must be strictly increasing (the ladder
 *   order is the price order, so "the next pending target" is well defined).
 * - `exit.targets[i].fraction` is in (0, 1]; the fractions may sum to at most 1 (a tolerance of 1e-9
 *   absorbs decimal rounding such as 0.1 + 0.2 + 0.7). When they sum to 1, the last target sells
 *   whatever quantity is left, so no dust position remains.
 * - `stopLoss.pct` is in (0, 1): 0 would stop out on the entry candle's open, ≥ 1 is no stop.
 * - `costs.slippageBps + costs.slippageJitterBps` must be below 10,000 (a sell price must stay > 0).
 * - Every number is finite and bounded (`LIMITS`) so that nothing the kernel computes overflows or
 *   leaves the timestamp range: candle counts (delay, jitter, max hold) ≤ 10,000,000; target
 *   multiples and 1 + trailing activation ≤ 1,000,000; feeBps ≤ 10,000 (100% of a fill);
 *   notional in [1e-6, 1e12] and initialCapital in [1e-6, 1e15] (notional × multiple × a price ratio,
 *   summed over every trade, stays far below 1e308; a quantity never rounds to 0).
 */
import { Either, Effect, ParseResult, Schema } from "effect"

const strict = { parseOptions: { onExcessProperty: "error" as const } }

const FiniteNumber = Schema.Number.pipe(Schema.finite())
const NonNegative = FiniteNumber.pipe(Schema.nonNegative())
const PositiveInt = Schema.Int.pipe(Schema.positive())

/** The bounds of the strategy's numbers (see the module comment). */
export const LIMITS = {
  candles: 10_000_000,
  multiple: 1_000_000,
  feeBps: 10_000,
  notional: { min: 1e-6, max: 1e12 },
  initialCapital: { min: 1e-6, max: 1e15 }
} as const

const most = (max: number) => ({ message: (issue: ParseResult.ParseIssue) => `must be at most ${max}, got ${String(issue.actual)}` })
const least = (min: number) => ({ message: (issue: ParseResult.ParseIssue) => `must be at least ${min}, got ${String(issue.actual)}` })
const CandleCount = Schema.Int.pipe(Schema.nonNegative(), Schema.lessThanOrEqualTo(LIMITS.candles, most(LIMITS.candles)))
const MaxHoldCandles = PositiveInt.pipe(Schema.lessThanOrEqualTo(LIMITS.candles, most(LIMITS.candles)))
const Multiple = FiniteNumber.pipe(Schema.greaterThan(1), Schema.lessThanOrEqualTo(LIMITS.multiple, most(LIMITS.multiple)))
const Activation = NonNegative.pipe(Schema.lessThanOrEqualTo(LIMITS.multiple - 1, most(LIMITS.multiple - 1)))
const FeeBps = NonNegative.pipe(Schema.lessThanOrEqualTo(LIMITS.feeBps, most(LIMITS.feeBps)))
const between = (range: { readonly min: number; readonly max: number }) =>
  FiniteNumber.pipe(
    Schema.greaterThanOrEqualTo(range.min, least(range.min)),
    Schema.lessThanOrEqualTo(range.max, most(range.max))
  )
const Notional = between(LIMITS.notional)
const InitialCapital = between(LIMITS.initialCapital)

/** Tolerance on the sum of target fractions (and on "the ladder sells everything"). */
export const FRACTION_TOLERANCE = 1e-9

/** When to enter: `delayCandles` (+ a seeded jitter in 0..`jitterCandles`) candle intervals after the alert. */
export const Entry = Schema.Struct({
  delayCandles: Schema.optionalWith(CandleCount, { default: () => 0, exact: true }),
  jitterCandles: Schema.optionalWith(CandleCount, { default: () => 0, exact: true })
}).annotations({ identifier: "Entry", ...strict })

/** One rung of the take-profit ladder: sell `fraction` of the initial quantity at `multiple` × entry fill. */
export const Target = Schema.Struct({
  multiple: Multiple,
  fraction: FiniteNumber.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1))
}).annotations({ identifier: "Target", ...strict })

const Targets = Schema.Array(Target).pipe(
  Schema.filter((targets) => {
    let sum = 0
    for (const t of targets) sum += t.fraction
    if (sum > 1 + FRACTION_TOLERANCE) return `target fractions sum to ${sum}, above 1`
    for (let i = 1; i < targets.length; i++) {
      if (!(targets[i].multiple > targets[i - 1].multiple)) {
        return `target multiples must be strictly increasing (targets[${i}].multiple = ${targets[i].multiple} ` +
          `follows ${targets[i - 1].multiple})`
      }
    }
    return true
  })
)

export const Exit = Schema.Struct({
  targets: Schema.optionalWith(Targets, { default: () => [], exact: true }),
  /** Time exit at the close of candle entry + maxHoldCandles (candles present in the data). */
  maxHoldCandles: Schema.optionalWith(MaxHoldCandles, { exact: true })
}).annotations({ identifier: "Exit", ...strict })

export const StopLoss = Schema.Struct({
  pct: FiniteNumber.pipe(Schema.greaterThan(0), Schema.lessThan(1))
}).annotations({ identifier: "StopLoss", ...strict })

/** Once the highest high reaches entry × (1 + activation), the stop trails at highest high × (1 − pct). */
export const Trailing = Schema.Struct({
  activation: Activation,
  pct: FiniteNumber.pipe(Schema.greaterThan(0), Schema.lessThan(1))
}).annotations({ identifier: "Trailing", ...strict })

export const Intrabar = Schema.Literal("stop-first", "target-first")
export type Intrabar = typeof Intrabar.Type

export const Costs = Schema.Struct({
  feeBps: Schema.optionalWith(FeeBps, { default: () => 0, exact: true }),
  slippageBps: Schema.optionalWith(NonNegative, { default: () => 0, exact: true }),
  slippageJitterBps: Schema.optionalWith(NonNegative, { default: () => 0, exact: true })
}).pipe(
  Schema.filter((c) =>
    c.slippageBps + c.slippageJitterBps < 10_000 ||
    `slippageBps + slippageJitterBps = ${c.slippageBps + c.slippageJitterBps} must be below 10000`
  )
).annotations({ identifier: "Costs", ...strict })

export const Sizing = Schema.Struct({
  notional: Schema.optionalWith(Notional, { default: () => 1, exact: true }),
  initialCapital: Schema.optionalWith(InitialCapital, { default: () => 1000, exact: true }),
  maxOpenPositions: Schema.optionalWith(PositiveInt, { exact: true })
}).annotations({ identifier: "Sizing", ...strict })

/** The strategy config. Every section is optional in the encoded (JSON) form. */
export const Strategy = Schema.Struct({
  entry: Schema.optionalWith(Entry, { default: () => ({ delayCandles: 0, jitterCandles: 0 }), exact: true }),
  exit: Schema.optionalWith(Exit, { default: () => ({ targets: [] }), exact: true }),
  stopLoss: Schema.optionalWith(StopLoss, { exact: true }),
  trailing: Schema.optionalWith(Trailing, { exact: true }),
  intrabar: Schema.optionalWith(Intrabar, { default: () => "stop-first" as const, exact: true }),
  costs: Schema.optionalWith(Costs, {
    default: () => ({ feeBps: 0, slippageBps: 0, slippageJitterBps: 0 }),
    exact: true
  }),
  sizing: Schema.optionalWith(Sizing, { default: () => ({ notional: 1, initialCapital: 1000 }), exact: true })
}).annotations({ identifier: "Strategy", ...strict })

export type Strategy = typeof Strategy.Type
export type StrategyEncoded = typeof Strategy.Encoded

/** Parse options to use when decoding a strategy (or a definition that embeds one). */
export const strategyParseOptions = { errors: "all", onExcessProperty: "error" } as const

/** One decoding problem: `path` like `exit.targets[0].fraction` ("" for the root), and what is wrong. */
export interface FieldIssue {
  readonly path: string
  readonly message: string
}

const formatPath = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else out += out === "" ? String(key) : `.${String(key)}`
  }
  return out
}

/** Turns a ParseError into its issues, each naming the field path (`prefix` is prepended, e.g. "strategy"). */
export const parseIssues = (error: ParseResult.ParseError, prefix = ""): ReadonlyArray<FieldIssue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => {
    const path = formatPath(issue.path)
    return { path: prefix === "" ? path : path === "" ? prefix : `${prefix}.${path}`, message: issue.message }
  })

/** The strategy config did not decode; `issues` name each offending field. */
export class StrategyDecodeError extends Schema.TaggedError<StrategyDecodeError>()("StrategyDecodeError", {
  issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
}) {
  override get message() {
    return `invalid strategy: ${this.issues.map((i) => `${i.path === "" ? "<root>" : i.path}: ${i.message}`).join("; ")}`
  }
}

const decodeEither = Schema.decodeUnknownEither(Strategy, strategyParseOptions)

/** Decodes an unknown value (e.g. the `strategy` object of a definition) into a Strategy. */
export const decodeStrategyEither = (input: unknown): Either.Either<Strategy, StrategyDecodeError> =>
  Either.mapLeft(decodeEither(input), (error) => new StrategyDecodeError({ issues: parseIssues(error) }))

/** Effect form of {@link decodeStrategyEither}. */
export const decodeStrategy = (input: unknown): Effect.Effect<Strategy, StrategyDecodeError> =>
  decodeStrategyEither(input)

/** The strategy with every default, as a plain value (handy in tests and examples). */
export const defaultStrategy: Strategy = Schema.decodeUnknownSync(Strategy)({})

/** Builds a Strategy from a partial encoded form, throwing on invalid input (tests, examples). */
export const makeStrategy = (input: StrategyEncoded): Strategy =>
  Either.getOrThrowWith(decodeStrategyEither(input), (e) => e)
