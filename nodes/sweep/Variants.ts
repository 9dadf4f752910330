/**
 * Expanding a sweep into its variants.
 *
 * A variant is a set of overrides (path → value) on the base strategy. Its id is derived from the
 * canonical encoding of those overrides — never from its position — so adding values to a grid or
 * more random draws never renames an existing variant. Random draws are seeded per draw index
 * (`seedrandom(`${seed}/${i}`)`, paths in sorted order), so draw i is the same whatever `count` is.
 */
import { Effect, Either } from "effect"
import seedrandom from "seedrandom"
import { canonicalize, type CanonicalEncodingError, compareStrings, type Digest, hashString, hexOf } from "../../store/index.js"
import { decodeStrategyEither, type Strategy } from "../simulate/Strategy.js"
import { parsePath, readPath, writePath } from "./StrategyPath.js"
import { SweepVariantInvalid, TooManyVariants } from "./SweepError.js"
import type { OverrideValue, SweepSpec } from "./SweepSpec.js"

export interface Variant {
  /** `var_` + 16 hex digits of blake3(canonical(overrides)). */
  readonly variantId: string
  /** Path → value, keys sorted. */
  readonly overrides: { readonly [path: string]: OverrideValue }
  /** The decoded strategy: the base with the overrides applied, defaults filled in. */
  readonly strategy: Strategy
}

export interface ExpandedSweep {
  /** Sorted by variant id. */
  readonly variants: ReadonlyArray<Variant>
  /** Every path any variant overrides, sorted (code point order): the leaderboard's parameter columns. */
  readonly paths: ReadonlyArray<string>
}


/** How many variants the spec declares, before duplicates are merged. */
export const declaredCount = (spec: SweepSpec): { count: number; detail: string } => {
  const parts: Array<string> = []
  let count = 0
  if (spec.grid !== undefined) {
    const sizes = Object.keys(spec.grid).sort(compareStrings).map((path) => spec.grid![path]!.length)
    const product = sizes.reduce((a, b) => a * b, 1)
    count += product
    parts.push(`grid ${sizes.join(" × ")} = ${product}`)
  }
  if (spec.random !== undefined) {
    count += spec.random.count
    parts.push(`random ${spec.random.count}`)
  }
  if (spec.variants !== undefined) {
    count += spec.variants.length
    parts.push(`listed ${spec.variants.length}`)
  }
  return { count, detail: parts.join(", ") }
}

const sortedOverrides = (overrides: Record<string, OverrideValue>): Record<string, OverrideValue> => {
  const out: Record<string, OverrideValue> = {}
  for (const path of Object.keys(overrides).sort(compareStrings)) out[path] = overrides[path]!
  return out
}

/** Every override set the spec declares, in declaration order (duplicates included). */
const declaredOverrides = (spec: SweepSpec): Array<Record<string, OverrideValue>> => {
  const all: Array<Record<string, OverrideValue>> = []
  if (spec.grid !== undefined) {
    const paths = Object.keys(spec.grid).sort(compareStrings)
    let partial: Array<Record<string, OverrideValue>> = [{}]
    for (const path of paths) {
      const next: Array<Record<string, OverrideValue>> = []
      for (const base of partial) for (const value of spec.grid[path]!) next.push({ ...base, [path]: value })
      partial = next
    }
    all.push(...partial)
  }
  if (spec.random !== undefined) {
    const { count, ranges, seed } = spec.random
    const paths = Object.keys(ranges).sort(compareStrings)
    for (let i = 0; i < count; i++) {
      const rng = seedrandom(`${seed}/${i}`)
      const overrides: Record<string, OverrideValue> = {}
      for (const path of paths) {
        const { integer, max, min } = ranges[path]!
        const u = rng()
        overrides[path] = integer ? Math.min(max, min + Math.floor(u * (max - min + 1))) : min + u * (max - min)
      }
      all.push(overrides)
    }
  }
  if (spec.variants !== undefined) all.push(...spec.variants.map((overrides) => ({ ...overrides })))
  return all
}

const idOfDigest = (digest: Digest) => `var_${hexOf(digest).slice(0, 16)}`

/** The variant id of a set of overrides. */
export const variantIdOf = (overrides: Record<string, OverrideValue>): Effect.Effect<string, CanonicalEncodingError> =>
  Effect.map(Effect.flatMap(canonicalize(sortedOverrides(overrides)), hashString), idOfDigest)

/**
 * Expands the sweep over `baseStrategy` (the definition's `strategy` as written, JSON). Fails on
 * the first invalid variant (in variant id order, so the error is the same on every run) and when
 * the declared count is above `spec.maxVariants` (checked before anything is built).
 */
export const expandSweep = (
  baseStrategy: unknown,
  spec: SweepSpec
): Effect.Effect<ExpandedSweep, SweepVariantInvalid | TooManyVariants | CanonicalEncodingError> =>
  Effect.gen(function*() {
    const declared = declaredCount(spec)
    if (declared.count > spec.maxVariants) {
      return yield* new TooManyVariants({ declared: declared.count, limit: spec.maxVariants, detail: declared.detail })
    }
    const unique = new Map<string, Record<string, OverrideValue>>()
    for (const overrides of declaredOverrides(spec)) {
      const sorted = sortedOverrides(overrides)
      const text = yield* canonicalize(sorted)
      if (!unique.has(text)) unique.set(text, sorted)
    }
    // The canonical text is what variantIdOf hashes: hashed here rather than encoded again.
    const identified = yield* Effect.forEach(
      [...unique],
      ([text, overrides]) => Effect.map(hashString(text), (digest) => ({ variantId: idOfDigest(digest), overrides }))
    )
    identified.sort((a, b) => compareStrings(a.variantId, b.variantId))
    const base = baseStrategy === undefined ? {} : baseStrategy
    const variants: Array<Variant> = []
    const paths = new Set<string>()
    for (const { overrides, variantId } of identified) {
      let encoded: unknown = base
      const issues: Array<{ path: string; message: string }> = []
      for (const path of Object.keys(overrides)) {
        paths.add(path)
        const segments = parsePath(path)
        if (segments === undefined) {
          issues.push({ path: `strategy.${path}`, message: "not a strategy path" })
          continue
        }
        const written = writePath(encoded, segments, overrides[path])
        if (written.ok) encoded = written.value
        else issues.push({ path: `strategy.${path}`, message: written.message })
      }
      const decoded = issues.length === 0 ? decodeStrategyEither(encoded) : undefined
      if (decoded !== undefined && Either.isLeft(decoded)) {
        for (const issue of decoded.left.issues) {
          issues.push({ path: issue.path === "" ? "strategy" : `strategy.${issue.path}`, message: issue.message })
        }
      }
      if (issues.length > 0 || decoded === undefined || Either.isLeft(decoded)) {
        return yield* new SweepVariantInvalid({ variantId, overrides: JSON.stringify(overrides), issues })
      }
      variants.push({ variantId, overrides, strategy: decoded.right })
    }
    return { variants, paths: [...paths].sort(compareStrings) }
  })

/** The value a variant's strategy has at `path` (after defaults), or null where there is none. */
export const effectiveValue = (variant: Variant, path: string): OverrideValue | null => {
  const segments = parsePath(path)
  const value = segments === undefined ? undefined : readPath(variant.strategy, segments)
  return typeof value === "number" || typeof value === "string" || typeof value === "boolean" ? value : null
}
