/**
 * The synthetic market model: pure, synchronous, seeded. No IO, no Effect.
 *
 * Per token `i` independent seedrandom streams, seeded with a string derived from the config seed
 * and the token index, so a token's data never depends on other tokens, on the number of tokens
 * or on the order of generation. The algorithm is seedrandom's Alea (`seedrandom.alea(key)`): ~50M
 * draws/s here against ~14M/s for the default ARC4 (candles need ~5 draws each), and its string
 * hashing separates keys that differ in one character. (Not xorshift7: its string seeding maps
 * "42/token/3" and "43/token/3" to the same stream.)
 *
 * - `${seed}/token/${i}`   token parameters and the regime plan (when pumps, dumps, dead periods
 *                          start and how long they last, pump multiples, dump depths);
 * - `${seed}/candles/${i}` per-candle noise (returns, wicks, volume, missing candles);
 * - `${seed}/alerts/${i}`  which pumps get an alert, alert offsets and callers;
 * - `${seed}/false-alarms/${i}` false alarm times and callers;
 * - `${seed}/mint/${i}`    the token's mint address.
 *
 * Changing `falseAlarmRate` therefore leaves the candles untouched, and making `days` longer keeps
 * every earlier candle and alert (the plan is generated front to back).
 */
import seedrandom from "seedrandom"
import type { AlertsV1, ContractRow } from "../../contracts/index.js"

/** Regime kinds. */
export const NORMAL = 0
export const DEAD = 1
export const PUMP = 2
export const DUMP = 3
export type RegimeKind = typeof NORMAL | typeof DEAD | typeof PUMP | typeof DUMP

export const regimeName = (kind: RegimeKind): "normal" | "dead" | "pump" | "dump" =>
  kind === NORMAL ? "normal" : kind === DEAD ? "dead" : kind === PUMP ? "pump" : "dump"

/** What the model needs from the config (a decoded `SyntheticConfig` has all of it). */
export interface MarketParams {
  readonly seed: number
  readonly days: number
  readonly startTs: string
  readonly intervalS: number
  readonly pumpsPerDay: number
  readonly alertedPumpRate: number
  readonly falseAlarmRate: number
  readonly alertLeadS: number
  readonly alertLagS: number
}

/** One stretch of a token's timeline. `length` is planned: the last regime may run past the window. */
export interface Regime {
  readonly kind: RegimeKind
  /** First slot (candle index from the window start). */
  readonly start: number
  readonly length: number
  /** PUMP / DUMP: total log return over the full planned length. */
  readonly target: number
  /** NORMAL: volatility multiplier of this stretch. */
  readonly volScale: number
}

/** A pump: its first candle is at slot `startSlot`; over `length` candles price goes ×`multiple`. */
export interface Pump {
  readonly startSlot: number
  readonly length: number
  readonly multiple: number
}

export interface TokenPlan {
  readonly index: number
  readonly startPrice: number
  /** Per-candle log-return scale. */
  readonly sigma: number
  /** Probability that a NORMAL candle has no trade (missing candle). */
  readonly thin: number
  /** Probability that a DEAD minute shows a flat zero-volume candle instead of nothing. */
  readonly flatShare: number
  /** Typical traded volume per candle (arbitrary units). */
  readonly baseVolume: number
  readonly regimes: ReadonlyArray<Regime>
  readonly pumps: ReadonlyArray<Pump>
}

/** A token's candles in typed arrays; reused from token to token (capacity = slots per token). */
export interface CandleBuffers {
  readonly capacity: number
  /** Slot index of each candle: ts = start + slot × interval. Strictly increasing. */
  readonly slot: Int32Array
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  readonly volume: Float64Array
  /** Scratch for bridged (pump / dump) paths. */
  readonly bridge: Float64Array
}

/**
 * One generated alert: its `alerts_v1` row but the chain (the config's, added where rows are
 * written); `alert_ts` is epoch ms in whole seconds, and a synthetic alert always has a caller.
 */
export interface SyntheticAlert extends Omit<ContractRow<typeof AlertsV1>, "chain" | "caller"> {
  readonly caller: string
  /** Open time (epoch ms) of the first candle of the pump this alert announces; null: false alarm. */
  readonly pumpStartMs: number | null
}

const MS_PER_DAY = 86_400_000

// ---------------------------------------------------------------------------------------------
// Model constants (minutes are converted to candles with the interval).

/** Pumps go ×2 … ×20 (log-uniform) over 5 … 60 minutes. */
const PUMP_MULTIPLE = [2, 20] as const
const PUMP_MINUTES = [5, 60] as const
/** Dumps lose 50 % … 95 % (uniform) over 5 … 120 minutes. */
const DUMP_DEPTH = [0.5, 0.95] as const
const DUMP_MINUTES = [5, 120] as const
/** Dead periods last 20 minutes … 8 hours (log-uniform). */
const DEAD_MINUTES = [20, 480] as const
/** Normal stretches: exponential, mean 90 minutes, at least 5. */
const NORMAL_MEAN_MINUTES = 90
const NORMAL_MIN_MINUTES = 5
/** No pump starts in the first 15 minutes (room for alerts that come early). */
const FIRST_PUMP_MINUTES = 15
/** Normal-regime prices revert toward the token's start price over ~3 days. */
const REVERSION_MINUTES = 3 * 1440
/** Student-t(2) draws are clipped to ±this (heavy tails, but finite). */
const T_CLIP = 30

/** Callers: true alerts and false alarms come from the same names with different weights. */
export const CALLERS = ["alpha_hunter", "degen_signals", "whale_tracker", "moon_radar", "late_larry"] as const
const TRUE_CALLER_CDF = cumulative([0.3, 0.25, 0.2, 0.15, 0.1])
const FALSE_CALLER_CDF = cumulative([0.05, 0.15, 0.2, 0.25, 0.35])

function cumulative(weights: ReadonlyArray<number>): Float64Array {
  const out = new Float64Array(weights.length)
  let sum = 0
  for (let i = 0; i < weights.length; i++) out[i] = sum += weights[i]
  for (let i = 0; i < out.length; i++) out[i] /= sum
  return out
}

const pick = (cdf: Float64Array, u: number): string => {
  for (let i = 0; i < cdf.length - 1; i++) if (u < cdf[i]) return CALLERS[i]
  return CALLERS[cdf.length - 1]
}

// ---------------------------------------------------------------------------------------------
// Draws

type Rng = () => number

const stream = (key: string): Rng => seedrandom.alea(key)

/** Exponential(1) from a uniform in [0, 1). */
const expo = (u: number): number => -Math.log(1 - u)

const logUniform = (u: number, lo: number, hi: number): number => Math.exp(Math.log(lo) + u * Math.log(hi / lo))

/** Student-t with 2 degrees of freedom (closed-form quantile), clipped: heavy-tailed returns. */
const t2 = (u: number): number => {
  const v = u < 1e-9 ? 1e-9 : u > 1 - 1e-9 ? 1 - 1e-9 : u
  const t = (2 * v - 1) / Math.sqrt(2 * v * (1 - v))
  return t > T_CLIP ? T_CLIP : t < -T_CLIP ? -T_CLIP : t
}

// ---------------------------------------------------------------------------------------------
// Time

export const startMsOf = (p: Pick<MarketParams, "startTs">): number => Date.parse(p.startTs)

export const slotCount = (p: Pick<MarketParams, "days" | "intervalS">): number =>
  Math.floor((p.days * MS_PER_DAY) / (p.intervalS * 1000))

const candlesFor = (minutes: number, intervalS: number): number => Math.max(1, Math.round((minutes * 60) / intervalS))

// ---------------------------------------------------------------------------------------------
// Mints

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
const MINT_LENGTH = 44

/**
 * A deterministic base58 pseudo-address (44 characters, like a Solana mint; 60 % end in "pump"
 * as pump.fun mints do). `attempt` > 0 re-derives after a (never observed) collision.
 */
export const mintFor = (seed: number, index: number, attempt = 0): string => {
  const rng = stream(attempt === 0 ? `${seed}/mint/${index}` : `${seed}/mint/${index}/${attempt}`)
  const chars = new Array<string>(MINT_LENGTH)
  for (let i = 0; i < MINT_LENGTH; i += 4) {
    // One draw gives four base58 digits (58⁴ < 2³²; Alea draws have 32 random bits).
    let x = Math.floor(rng() * 11_316_496) // 58⁴
    for (let j = 0; j < 4; j++) {
      chars[i + j] = BASE58[x % 58]
      x = Math.floor(x / 58)
    }
  }
  if (rng() < 0.6) chars.splice(MINT_LENGTH - 4, 4, "pump")
  return chars.join("")
}

/**
 * Every token's mint (`mints[i]` for token i, unique) and the generation order: token indices
 * sorted by mint, which is the canonical `chain, mint, ts` order of the candle file.
 */
export const mintsAndOrder = (seed: number, tokens: number): { mints: Array<string>; order: Int32Array } => {
  const mints = new Array<string>(tokens)
  const seen = new Set<string>()
  for (let i = 0; i < tokens; i++) {
    let attempt = 0
    let mint = mintFor(seed, i)
    while (seen.has(mint)) mint = mintFor(seed, i, ++attempt)
    seen.add(mint)
    mints[i] = mint
  }
  // Mints are ASCII, so `<` is byte order, which is DuckDB's VARCHAR order. (A plain array:
  // TypedArray#sort with a comparator is several times slower in V8.)
  const indices = Array.from({ length: tokens }, (_, i) => i)
  indices.sort((a, b) => (mints[a] < mints[b] ? -1 : mints[a] > mints[b] ? 1 : 0))
  return { mints, order: Int32Array.from(indices) }
}

// ---------------------------------------------------------------------------------------------
// Plan

/** The token's parameters and regime timeline, from `${seed}/token/${i}`. */
export const planToken = (p: MarketParams, index: number): TokenPlan => {
  const rng = stream(`${p.seed}/token/${index}`)
  const slots = slotCount(p)
  const candleMinutes = p.intervalS / 60
  const startPrice = logUniform(rng(), 1e-7, 1e-2)
  const sigma = logUniform(rng(), 0.004, 0.03) * Math.sqrt(candleMinutes)
  const thinDraw = rng()
  const thin = 0.3 * thinDraw * thinDraw
  const flatShare = rng() < 0.5 ? 0 : 0.2 + 0.8 * rng()
  const baseVolume = logUniform(rng(), 50, 50_000) * candleMinutes
  const meanPumpGap = (1440 * 60) / (p.pumpsPerDay * p.intervalS)

  const regimes: Array<Regime> = []
  const pumps: Array<Pump> = []
  let nextPump = candlesFor(FIRST_PUMP_MINUTES, p.intervalS) + Math.round(expo(rng()) * meanPumpGap)
  let kind: RegimeKind = NORMAL
  let k = 0
  while (k < slots) {
    let length: number
    let target = 0
    let volScale = 1
    let multiple = 1
    switch (kind) {
      case PUMP:
        length = candlesFor(logUniform(rng(), PUMP_MINUTES[0], PUMP_MINUTES[1]), p.intervalS)
        multiple = logUniform(rng(), PUMP_MULTIPLE[0], PUMP_MULTIPLE[1])
        target = Math.log(multiple)
        break
      case DUMP:
        length = candlesFor(logUniform(rng(), DUMP_MINUTES[0], DUMP_MINUTES[1]), p.intervalS)
        target = Math.log(1 - (DUMP_DEPTH[0] + rng() * (DUMP_DEPTH[1] - DUMP_DEPTH[0])))
        break
      case DEAD:
        length = candlesFor(logUniform(rng(), DEAD_MINUTES[0], DEAD_MINUTES[1]), p.intervalS)
        break
      default:
        length = candlesFor(NORMAL_MIN_MINUTES + expo(rng()) * NORMAL_MEAN_MINUTES, p.intervalS)
        volScale = Math.exp(rng() - 0.5)
    }
    if (kind !== PUMP && k + length > nextPump) {
      // A scheduled pump cuts the current stretch short (dead tokens get revived, dumps bounce).
      const cut = nextPump - k
      if (kind === DUMP) target *= cut / length
      length = cut
    }
    regimes.push({ kind, start: k, length, target, volScale })
    if (kind === PUMP) {
      pumps.push({ startSlot: k, length, multiple })
      nextPump = k + length + Math.max(1, Math.round(expo(rng()) * meanPumpGap))
    }
    k += length
    if (k >= nextPump) {
      kind = PUMP
    } else {
      const u = rng()
      switch (kind) {
        case PUMP:
          kind = u < 0.6 ? DUMP : NORMAL
          break
        case DUMP:
          kind = u < 0.4 ? DEAD : NORMAL
          break
        case DEAD:
          kind = NORMAL
          break
        default:
          kind = u < 0.12 ? DEAD : u < 0.17 ? DUMP : NORMAL
      }
    }
  }
  return { index, startPrice, sigma, thin, flatShare, baseVolume, regimes, pumps }
}

// ---------------------------------------------------------------------------------------------
// Candles

export const makeCandleBuffers = (p: Pick<MarketParams, "days" | "intervalS">): CandleBuffers => {
  const capacity = slotCount(p)
  return {
    capacity,
    slot: new Int32Array(capacity),
    open: new Float64Array(capacity),
    high: new Float64Array(capacity),
    low: new Float64Array(capacity),
    close: new Float64Array(capacity),
    volume: new Float64Array(capacity),
    bridge: new Float64Array(Math.max(candlesFor(PUMP_MINUTES[1], p.intervalS), candlesFor(DUMP_MINUTES[1], p.intervalS)))
  }
}

/**
 * Writes the token's candles into `buf` (from index 0) and returns how many there are.
 * Slot 0 always has a candle (the window opens on a normal stretch with a forced first trade).
 *
 * Prices follow a latent log price that moves every slot; a candle exists when someone traded:
 * its open is the latent price before the step (so after a gap the open jumps), its close the
 * price after; wicks are exponential excursions beyond open/close. Pumps and dumps are
 * Brownian-bridge-like: heavy-tailed steps re-centred so the stretch ends exactly on its target.
 */
export const generateCandles = (p: MarketParams, plan: TokenPlan, buf: CandleBuffers): number => {
  const rng = stream(`${p.seed}/candles/${plan.index}`)
  const slots = slotCount(p)
  const { slot, open, high, low, close, volume, bridge } = buf
  const anchor = Math.log(plan.startPrice)
  const kappa = p.intervalS / 60 / REVERSION_MINUTES
  const sigma = plan.sigma
  const thin = plan.thin
  const flatShare = plan.flatShare
  const baseVolume = plan.baseVolume
  let logP = anchor
  let price = plan.startPrice
  let n = 0
  for (const regime of plan.regimes) {
    const kind = regime.kind
    const end = Math.min(regime.start + regime.length, slots)
    const bridged = kind === PUMP || kind === DUMP
    if (bridged) {
      // Steps for the full planned length (independent of where the window ends).
      const len = regime.length
      const scale = sigma * (kind === PUMP ? 1.5 : 1.2)
      let sum = 0
      for (let j = 0; j < len; j++) sum += bridge[j] = scale * t2(rng())
      const shift = regime.target / len - sum / len
      for (let j = 0; j < len; j++) bridge[j] += shift
    }
    const stepScale = sigma * regime.volScale * 0.6
    const wick = sigma * (kind === PUMP ? 1 : kind === DUMP ? 0.75 : 0.5)
    const volMult = kind === PUMP ? 8 : kind === DUMP ? 4 : 1
    for (let k = regime.start; k < end; k++) {
      let ret: number
      let traded: boolean
      if (kind === NORMAL) {
        ret = -kappa * (logP - anchor) + stepScale * t2(rng())
        traded = k === 0 || rng() >= thin
      } else if (kind === DEAD) {
        ret = 0
        if (rng() < flatShare) {
          // A zero-volume flat candle: some feeds fill idle minutes this way.
          slot[n] = k
          open[n] = high[n] = low[n] = close[n] = price
          volume[n] = 0
          n++
        }
        continue
      } else {
        ret = bridge[k - regime.start]
        traded = true
      }
      const o = price
      logP += ret
      price = Math.exp(logP)
      if (!traded) continue
      const c = price
      slot[n] = k
      open[n] = o
      close[n] = c
      high[n] = (o > c ? o : c) * Math.exp(wick * expo(rng()))
      low[n] = (o < c ? o : c) * Math.exp(-wick * expo(rng()))
      volume[n] = baseVolume * volMult * (0.1 + expo(rng())) * (1 + Math.abs(ret) / sigma)
      n++
    }
  }
  return n
}

// ---------------------------------------------------------------------------------------------
// Alerts

/**
 * The token's alerts, sorted by time, ids `syn-<seed>-<token>-<k>`:
 * each pump is alerted with probability `alertedPumpRate`, at its first candle's open time plus an
 * offset of −alertLeadS … +alertLagS seconds; false alarms arrive as a Poisson process at random
 * times with a rate that makes them `falseAlarmRate` of all alerts on average. Alerts outside the
 * window are dropped. Times are whole seconds.
 */
export const tokenAlerts = (p: MarketParams, plan: TokenPlan, mint: string): Array<SyntheticAlert> => {
  const rng = stream(`${p.seed}/alerts/${plan.index}`)
  const startMs = startMsOf(p)
  const intervalMs = p.intervalS * 1000
  const endMs = startMs + slotCount(p) * intervalMs
  const drafts: Array<{ ms: number; caller: string; pumpStartMs: number | null }> = []
  for (const pump of plan.pumps) {
    const uAlert = rng()
    const uOffset = rng()
    const uCaller = rng()
    if (uAlert >= p.alertedPumpRate) continue
    const pumpStartMs = startMs + pump.startSlot * intervalMs
    const offsetS = -p.alertLeadS + Math.floor(uOffset * (p.alertLeadS + p.alertLagS + 1))
    const ms = pumpStartMs + offsetS * 1000
    if (ms < startMs || ms >= endMs) continue
    drafts.push({ ms, caller: pick(TRUE_CALLER_CDF, uCaller), pumpStartMs })
  }
  const falsePerMs =
    (p.pumpsPerDay * p.alertedPumpRate * (p.falseAlarmRate / (1 - p.falseAlarmRate))) / MS_PER_DAY
  if (falsePerMs > 0) {
    const falseRng = stream(`${p.seed}/false-alarms/${plan.index}`)
    let t = startMs
    for (;;) {
      t += expo(falseRng()) / falsePerMs
      if (t >= endMs) break
      const uCaller = falseRng()
      drafts.push({ ms: Math.floor(t / 1000) * 1000, caller: pick(FALSE_CALLER_CDF, uCaller), pumpStartMs: null })
    }
  }
  // Stable sort: equal times keep pumps before false alarms, each in generation order.
  drafts.sort((a, b) => a.ms - b.ms)
  return drafts.map((d, k) => ({
    alert_id: `syn-${p.seed}-${plan.index}-${k}`,
    alert_ts: d.ms,
    mint,
    caller: d.caller,
    pumpStartMs: d.pumpStartMs
  }))
}
