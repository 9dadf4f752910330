/**
 * One variant of a sweep as a single experiment: the sweep's definition with the variant's strategy
 * and without the `sweep` block, over the inputs the sweep's run froze. Its nodes' keys are the
 * ones the sweep's materialisation of the best variants used, so showing one of those is a cache
 * hit; any other variant runs (simulate → publish) once and is cached from then on.
 */
import { Effect, Schema } from "effect"
import { decodeDefinition, isSweep } from "../experiment/Definition.js"
import type { ResolvedInputs } from "../experiment/ExperimentDag.js"
import { Strategy } from "../simulate/index.js"
import { strategyAsWritten } from "./ExecuteSweep.js"
import { NotASweep, VariantNotFound } from "./SweepError.js"
import { expandSweep, type Variant } from "./Variants.js"

/**
 * The definition (decoded and as written) of the variant of `sweepEncoded` whose id is
 * `variantId` or starts with it. `frozenInputs` (the inputs the sweep's record resolved) replace
 * catalog selectors, so the variant sees exactly the sweep's artifacts.
 */
export const variantDefinition = (
  sweepEncoded: unknown,
  variantId: string,
  options: { readonly experiment: string; readonly frozenInputs?: ResolvedInputs }
) =>
  Effect.gen(function*() {
    const sweepDefinition = yield* decodeDefinition(sweepEncoded, options.experiment)
    if (!isSweep(sweepDefinition)) return yield* new NotASweep({ experiment: options.experiment })
    const { variants } = yield* expandSweep(strategyAsWritten(sweepEncoded), sweepDefinition.sweep)
    const wanted = variantId.trim().toLowerCase()
    const matches = variants.filter((variant) => variant.variantId === wanted || variant.variantId.startsWith(wanted))
    const exact = matches.find((variant) => variant.variantId === wanted)
    if (exact === undefined && matches.length !== 1) {
      return yield* new VariantNotFound({
        variantId,
        experiment: options.experiment,
        candidates: matches.map((variant) => variant.variantId)
      })
    }
    const variant: Variant = exact ?? matches[0]!
    const base = typeof sweepEncoded === "object" && sweepEncoded !== null ? { ...sweepEncoded } : {}
    delete (base as { sweep?: unknown }).sweep
    const encoded: Record<string, unknown> = {
      ...base,
      name: `${sweepDefinition.name}/${variant.variantId}`,
      strategy: yield* Schema.encode(Strategy)(variant.strategy)
    }
    if (options.frozenInputs !== undefined && !("synthetic" in sweepDefinition.inputs)) {
      encoded.inputs = { alerts: [...options.frozenInputs.alerts], ohlcv: [...options.frozenInputs.ohlcv] }
    }
    const definition = yield* decodeDefinition(encoded, `${options.experiment} ${variant.variantId}`)
    return { variant, definition, encoded }
  })
