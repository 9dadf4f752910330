/**
 * The synthetic market generator's configuration (docs/DESIGN.md §9 `inputs.synthetic`).
 *
 * Every field but `tokens`, `days` and `seed` has a default, so `{ tokens, days, seed }` is a full
 * config. The decoded value (defaults filled in) is what enters a node's key material.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { SyntheticConfigError } from "./SyntheticError.js"

const MS_PER_DAY = 86_400_000

/** Largest number of candle slots one token may span (~8 years of 1-minute candles; the reused
 * per-token buffers take 48 bytes a slot). */
export const MAX_SLOTS_PER_TOKEN = 2 ** 22

/** Largest number of tokens one config may ask for (a definition's `inputs.synthetic` too). */
export const MAX_TOKENS = 100_000

/**
 * Largest market one config may ask for: tokens × candle slots per token (50 M: five times the
 * 10 M-candle benchmark; the projection holds every present candle of the alerted mints in memory,
 * 40 bytes each). Past it the generator and the run would go on for hours.
 */
export const MAX_MARKET_SLOTS = 50_000_000

/** The default candle interval, in seconds (what a definition's `inputs.synthetic` gets). */
export const DEFAULT_INTERVAL_S = 60

const Probability = (name: string) =>
  Schema.Number.pipe(
    Schema.finite(),
    Schema.greaterThanOrEqualTo(0, { message: () => `${name} must be ≥ 0` }),
    Schema.lessThan(1, { message: () => `${name} must be < 1` })
  )

const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())

const IsoUtc = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/, {
    message: () => "expected an ISO-8601 UTC timestamp such as 2024-01-01T00:00:00Z"
  }),
  Schema.filter((s) => Number.isFinite(Date.parse(s)) || "not a valid calendar date")
)

/** Number of tokens (mints) to generate: 1 … MAX_TOKENS. */
export const SyntheticTokens = Schema.Int.pipe(
  Schema.positive({ message: () => "tokens must be a positive integer" }),
  Schema.lessThanOrEqualTo(MAX_TOKENS, { message: (issue) => `tokens must be at most ${MAX_TOKENS}, got ${String(issue.actual)}` })
)

/** Length of the window, in days (fractions allowed: 3.5 days); see `checkMarketSize` for its bounds. */
export const SyntheticDays = Schema.Number.pipe(Schema.finite(), Schema.positive({ message: () => "days must be > 0" }))

/**
 * The size rules of a market, shared by this config and a definition's `inputs.synthetic` (one
 * source): at least one candle slot per token, at most MAX_SLOTS_PER_TOKEN, at most
 * MAX_MARKET_SLOTS in all. `true`, or the issue with the field it is about.
 */
export const checkMarketSize = (
  c: { readonly tokens: number; readonly days: number; readonly intervalS: number }
): true | { readonly path: ReadonlyArray<string>; readonly message: string } => {
  const slots = slotsPerToken(c)
  if (slots < 1) return { path: ["days"], message: `days ${c.days} is shorter than one candle interval (${c.intervalS} s)` }
  if (slots > MAX_SLOTS_PER_TOKEN) {
    return { path: ["days"], message: `days ${c.days} spans more than ${MAX_SLOTS_PER_TOKEN} candles per token` }
  }
  if (c.tokens * slots > MAX_MARKET_SLOTS) {
    return {
      path: [],
      message: `tokens × days is ${c.tokens} × ${slots} = ${c.tokens * slots} candles of ${c.intervalS} s, ` +
        `above the limit of ${MAX_MARKET_SLOTS}`
    }
  }
  return true
}

const Fields = Schema.Struct({
  tokens: SyntheticTokens,
  days: SyntheticDays,
  /** The seed every random stream is derived from. */
  seed: Schema.Int,
  /** Chain name written in both files. */
  chain: Schema.optionalWith(Schema.NonEmptyString, { default: () => "synthetic" }),
  /** Open time of the first candle slot; must be a multiple of `intervalS` since the epoch. */
  startTs: Schema.optionalWith(IsoUtc, { default: () => "2024-01-01T00:00:00Z" }),
  /** Candle interval in seconds. */
  intervalS: Schema.optionalWith(Schema.Int.pipe(Schema.positive(), Schema.lessThanOrEqualTo(86_400)), {
    default: () => DEFAULT_INTERVAL_S
  }),
  /** Expected pumps per token per day. */
  pumpsPerDay: Schema.optionalWith(Schema.Number.pipe(Schema.finite(), Schema.positive()), { default: () => 1 }),
  /** Share of pumps that get an alert. */
  alertedPumpRate: Schema.optionalWith(
    Schema.Number.pipe(Schema.finite(), Schema.between(0, 1)),
    { default: () => 0.9 }
  ),
  /** Expected share of all alerts that are false alarms (random times, no pump). */
  falseAlarmRate: Schema.optionalWith(Probability("falseAlarmRate"), { default: () => 0.3 }),
  /** A pump's alert comes up to this many seconds before the pump's first candle… */
  alertLeadS: Schema.optionalWith(NonNegativeInt, { default: () => 180 }),
  /** …or up to this many seconds after it. */
  alertLagS: Schema.optionalWith(NonNegativeInt, { default: () => 300 })
})

/** The decoded configuration (defaults filled in). */
export const SyntheticConfig = Fields.pipe(
  Schema.filter((c) => {
    const startMs = Date.parse(c.startTs)
    if (startMs % (c.intervalS * 1000) !== 0) {
      return { path: ["startTs"], message: `startTs must be aligned to intervalS (${c.intervalS} s)` }
    }
    return checkMarketSize(c)
  })
)
export type SyntheticConfig = typeof SyntheticConfig.Type
export type SyntheticConfigEncoded = typeof SyntheticConfig.Encoded

/** Number of candle slots (present or missing) each token spans: ⌊days × 86,400 / intervalS⌋. */
export const slotsPerToken = (c: { readonly days: number; readonly intervalS: number }): number =>
  Math.floor((c.days * MS_PER_DAY) / (c.intervalS * 1000))

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((k) => (typeof k === "number" ? `[${k}]` : String(k))).join(".")

const decodeEither = Schema.decodeUnknownEither(SyntheticConfig, { errors: "all", onExcessProperty: "error" })

/** Decodes an unknown value; the error names the offending field(s). */
export const decodeSyntheticConfigEither = (input: unknown): Either.Either<SyntheticConfig, SyntheticConfigError> =>
  Either.mapLeft(decodeEither(input), (error) => {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
      field: formatPath(issue.path),
      message: issue.message
    }))
    return new SyntheticConfigError({ field: issues[0]?.field ?? "", issues })
  })

/** Effect form of {@link decodeSyntheticConfigEither}. */
export const decodeSyntheticConfig = (input: unknown): Effect.Effect<SyntheticConfig, SyntheticConfigError> =>
  decodeSyntheticConfigEither(input)

/** Builds a config from its encoded form, throwing on invalid input (tests, examples, benches). */
export const makeSyntheticConfig = (input: SyntheticConfigEncoded): SyntheticConfig =>
  Either.getOrThrowWith(decodeSyntheticConfigEither(input), (e) => e)
