/**
 * The simulation kernel: one alert on its mint's candles, exactly as docs/DESIGN.md §7 specifies.
 *
 * Per candle from the entry candle on (k = entry index):
 *  1. (not on the entry candle) open ≤ stop: the rest fills at the open; else every pending target
 *     with level ≤ open fills at the open;
 *  2. low ≤ stop and high ≥ the next pending target: `stop-first` sells the rest at the stop;
 *     `target-first` fills the targets with level ≤ high at their levels, then the rest at the stop;
 *  3. else low ≤ stop: the rest at the stop; else targets with level ≤ high at their levels;
 *  4. trailing: once the highest high (this candle included) reached entry × (1 + activation),
 *     stop = max(stop, highest high × (1 − pct)), effective from the next candle;
 *  5. candle k + maxHoldCandles: the rest at its close (`time`).
 * Quantity left after the last candle fills at its close (`end_of_data`).
 *
 * Randomness (fixed draw order, one stream per alert, `seedrandom(`${seed}/${alert_id}`)`):
 * draw 1 = entry jitter (integer ⌊u × (jitterCandles + 1)⌋), draw 2 = entry slippage, then one draw
 * per sell fill in fill order. The draws are ALWAYS taken in this order whenever the stream is used,
 * even for a jitter that is 0, so that turning one jitter on never shifts another's draws. When every
 * jitter is 0 each draw is multiplied by 0, so the stream is not even created (the result is the
 * same as drawing): the seed then changes nothing.
 *
 * The hot loop touches only typed arrays and local numbers; objects are created per fill and per
 * trade, never per candle. A "quiet" candle (low > stop and high < next target) cannot fill anything
 * (open lies in [low, high]), so it costs two comparisons plus the running high/low and trailing update.
 */
import seedrandom from "seedrandom"
import type { CandleSeries } from "./CandleSeries.js"
import { lowerBoundOf } from "./CandleSeries.js"
import type { DiagnosticRow } from "./Diagnostic.js"
import { makeDiagnostic } from "./Diagnostic.js"
import { isoMs } from "./internal/order.js"
import type { SimAlert } from "./SimAlert.js"
import type { Strategy } from "./Strategy.js"
import { FRACTION_TOLERANCE } from "./Strategy.js"
import type { ExitReason, Fill, Trade } from "./Trade.js"

/** The experiment seed; streams are `seedrandom(`${seed}/${alert_id}`)`. */
export type Seed = number | string

/** A Strategy flattened into the numbers the kernel reads (build once with {@link compileStrategy}). */
export interface CompiledStrategy {
  readonly strategy: Strategy
  readonly delayCandles: number
  readonly jitterCandles: number
  readonly targetMultiples: Float64Array
  readonly targetFractions: Float64Array
  /** The fractions sum to 1 (within tolerance): the last target sells everything left. */
  readonly ladderSellsAll: boolean
  /** 0 when unset. */
  readonly maxHoldCandles: number
  readonly hasStop: boolean
  readonly stopPct: number
  readonly hasTrailing: boolean
  readonly trailingActivation: number
  readonly trailingPct: number
  readonly targetFirst: boolean
  readonly feeBps: number
  readonly slippageBps: number
  readonly slippageJitterBps: number
  readonly notional: number
  /** Some jitter is non-zero, so the alert's random stream is needed. */
  readonly randomized: boolean
}

const compiled = new WeakMap<Strategy, CompiledStrategy>()

/** Flattens (and memoizes per strategy object) a Strategy for the kernel. */
export const compileStrategy = (strategy: Strategy): CompiledStrategy => {
  const cached = compiled.get(strategy)
  if (cached !== undefined) return cached
  const targets = strategy.exit.targets
  let fractionSum = 0
  for (const t of targets) fractionSum += t.fraction
  const plan: CompiledStrategy = {
    strategy,
    delayCandles: strategy.entry.delayCandles,
    jitterCandles: strategy.entry.jitterCandles,
    targetMultiples: Float64Array.from(targets, (t) => t.multiple),
    targetFractions: Float64Array.from(targets, (t) => t.fraction),
    ladderSellsAll: targets.length > 0 && fractionSum >= 1 - FRACTION_TOLERANCE,
    maxHoldCandles: strategy.exit.maxHoldCandles ?? 0,
    hasStop: strategy.stopLoss !== undefined,
    stopPct: strategy.stopLoss?.pct ?? 0,
    hasTrailing: strategy.trailing !== undefined,
    trailingActivation: strategy.trailing?.activation ?? 0,
    trailingPct: strategy.trailing?.pct ?? 0,
    targetFirst: strategy.intrabar === "target-first",
    feeBps: strategy.costs.feeBps,
    slippageBps: strategy.costs.slippageBps,
    slippageJitterBps: strategy.costs.slippageJitterBps,
    notional: strategy.sizing.notional,
    randomized: strategy.entry.jitterCandles > 0 || strategy.costs.slippageJitterBps > 0
  }
  compiled.set(strategy, plan)
  return plan
}

/** The outcome of one alert: a trade, or a diagnostic saying why there is none. */
export type AlertOutcome =
  | { readonly _tag: "Trade"; readonly trade: Trade }
  | { readonly _tag: "Skip"; readonly diagnostic: DiagnosticRow }

/** Mutable accumulators of one position; touched only when a fill happens. */
interface Position {
  readonly plan: CompiledStrategy
  readonly rng: (() => number) | null
  readonly quantity: number
  remaining: number
  proceeds: number
  soldQuantity: number
  sellFees: number
  basisSold: number
  readonly fills: Array<Fill>
}

/** Sells `quantity` at `level` × (1 − s) in the candle opening at `ts`; `last` closes the position. */
const sell = (
  p: Position,
  ts: number,
  level: number,
  quantity: number,
  reason: ExitReason,
  last: boolean
): void => {
  const plan = p.plan
  const u = p.rng === null ? 0 : p.rng()
  const s = (plan.slippageBps + u * plan.slippageJitterBps) / 10_000
  const price = level * (1 - s)
  const value = quantity * price
  const fee = value * plan.feeBps / 10_000
  const basis = last ? plan.notional - p.basisSold : plan.notional * quantity / p.quantity
  p.basisSold += basis
  p.proceeds += value
  p.soldQuantity += quantity
  p.sellFees += fee
  p.remaining = last ? 0 : p.remaining - quantity
  p.fills.push({ seq: p.fills.length, side: "sell", ts, price, quantity, fee, pnl: value - fee - basis, reason })
}

/**
 * Simulates one alert on its mint's candles. The alert must belong to this series (same chain and
 * mint); date-range and duplicate checks are the caller's (see Engine).
 */
export const simulateAlert = (
  series: CandleSeries,
  alert: SimAlert,
  plan: CompiledStrategy,
  seed: Seed
): AlertOutcome => {
  const n = series.length
  const rng = plan.randomized ? seedrandom(`${seed}/${alert.alert_id}`) : null
  // Draw 1: entry jitter; draw 2: entry slippage (always both, in this order, when the stream exists).
  const uJitter = rng === null ? 0 : rng()
  const uEntrySlip = rng === null ? 0 : rng()
  const jitter = Math.floor(uJitter * (plan.jitterCandles + 1))
  const earliest = alert.alert_ts + (plan.delayCandles + jitter) * series.intervalMs
  const e = lowerBoundOf(series.ts, earliest, n)
  if (e >= n) {
    return {
      _tag: "Skip",
      diagnostic: makeDiagnostic(
        alert.alert_id,
        "no_candle_after_alert",
        `no candle of ${alert.chain}/${alert.mint} opens at or after ${isoMs(earliest)} ` +
          `(alert at ${isoMs(alert.alert_ts)}, delay ${plan.delayCandles} + jitter ${jitter} candles; ` +
          (n > 0 ? `last candle opens at ${isoMs(series.ts[n - 1])})` : `the series is empty)`)
      )
    }
  }

  const tsArr = series.ts
  const openArr = series.open
  const highArr = series.high
  const lowArr = series.low
  const closeArr = series.close

  const entryTs = tsArr[e]
  const entryPrice = openArr[e] * (1 + (plan.slippageBps + uEntrySlip * plan.slippageJitterBps) / 10_000)
  const notional = plan.notional
  const quantity = notional / entryPrice
  const entryFee = notional * plan.feeBps / 10_000
  const p: Position = {
    plan,
    rng,
    quantity,
    remaining: quantity,
    proceeds: 0,
    soldQuantity: 0,
    sellFees: 0,
    basisSold: 0,
    fills: [{ seq: 0, side: "buy", ts: entryTs, price: entryPrice, quantity, fee: entryFee, pnl: -entryFee, reason: "entry" }]
  }

  const multiples = plan.targetMultiples
  const fractions = plan.targetFractions
  const nTargets = multiples.length
  const lastTarget = nTargets - 1
  const ladderSellsAll = plan.ladderSellsAll
  const targetFirst = plan.targetFirst
  let k = 0
  let target = nTargets > 0 ? entryPrice * multiples[0] : Infinity
  let stop = plan.hasStop ? entryPrice * (1 - plan.stopPct) : -Infinity
  let raised = false
  const activationLevel = plan.hasTrailing ? entryPrice * (1 + plan.trailingActivation) : Infinity
  const trailKeep = 1 - plan.trailingPct
  const timeIndex = plan.maxHoldCandles > 0 ? e + plan.maxHoldCandles : -1
  let maxHigh = -Infinity
  let minLow = Infinity
  let closed = false
  let i = e

  for (; i < n; i++) {
    const h = highArr[i]
    const l = lowArr[i]
    if (h > maxHigh) maxHigh = h
    if (l < minLow) minLow = l
    if (l <= stop || h >= target) {
      // Something may fill in this candle (steps 1–3).
      const ts = tsArr[i]
      const stopReason: ExitReason = raised ? "trailing_stop" : "stop"
      if (i > e) {
        const o = openArr[i]
        if (o <= stop) {
          sell(p, ts, o, p.remaining, stopReason, true)
          closed = true
          break
        }
        while (target <= o) {
          const all = k === lastTarget && ladderSellsAll
          sell(p, ts, o, all ? p.remaining : fractions[k] * quantity, "target", all)
          k++
          target = k < nTargets ? entryPrice * multiples[k] : Infinity
          if (all) break
        }
        if (p.remaining === 0) {
          closed = true
          break
        }
      }
      if (l <= stop) {
        if (targetFirst) {
          while (target <= h) {
            const all = k === lastTarget && ladderSellsAll
            sell(p, ts, target, all ? p.remaining : fractions[k] * quantity, "target", all)
            k++
            target = k < nTargets ? entryPrice * multiples[k] : Infinity
            if (all) break
          }
        }
        if (p.remaining !== 0) sell(p, ts, stop, p.remaining, stopReason, true)
        closed = true
        break
      }
      while (target <= h) {
        const all = k === lastTarget && ladderSellsAll
        sell(p, ts, target, all ? p.remaining : fractions[k] * quantity, "target", all)
        k++
        target = k < nTargets ? entryPrice * multiples[k] : Infinity
        if (all) break
      }
      if (p.remaining === 0) {
        closed = true
        break
      }
    }
    // Step 4: trailing, effective from the next candle.
    if (maxHigh >= activationLevel) {
      const trail = maxHigh * trailKeep
      if (trail > stop) {
        stop = trail
        raised = true
      }
    }
    // Step 5: time exit at the close.
    if (i === timeIndex) {
      sell(p, tsArr[i], closeArr[i], p.remaining, "time", true)
      closed = true
      break
    }
  }
  if (!closed) {
    i = n - 1
    sell(p, tsArr[i], closeArr[i], p.remaining, "end_of_data", true)
  }

  const fills = p.fills
  const lastFill = fills[fills.length - 1]
  const grossPnl = p.proceeds - notional
  const fees = entryFee + p.sellFees
  const netPnl = grossPnl - fees
  return {
    _tag: "Trade",
    trade: {
      trade_id: alert.alert_id,
      alert_id: alert.alert_id,
      chain: alert.chain,
      mint: alert.mint,
      caller: alert.caller,
      alert_ts: alert.alert_ts,
      entry_ts: entryTs,
      entry_price: entryPrice,
      exit_ts: lastFill.ts,
      exit_price: p.proceeds / p.soldQuantity,
      exit_reason: lastFill.reason as ExitReason,
      quantity,
      notional,
      gross_pnl: grossPnl,
      fees,
      net_pnl: netPnl,
      return: netPnl / notional,
      peak_multiple: maxHigh / entryPrice,
      max_adverse_excursion: minLow / entryPrice - 1,
      hold_candles: i - e,
      fill_count: fills.length,
      fills
    }
  }
}
