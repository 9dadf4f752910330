/**
 * The simulation driver: routes alerts to their mint's candles, one mint at a time, then applies
 * the position limit and puts everything in its output order (docs/DESIGN.md §5, §7).
 *
 * Memory does not grow with the number of mints: a mint's series is used and dropped; only trades
 * and diagnostics (proportional to alerts) are kept. Results do not depend on the order mints arrive
 * in: every alert is simulated on its own stream, and the limit and sorting run on the whole set.
 *
 * Position limit (`sizing.maxOpenPositions`), refined from §7 so it holds at every instant and
 * matches what a live trader could do: every alert is simulated independently, then candidate
 * trades are admitted in order of entry time, ties broken by (alert_ts, alert_id) — which is the
 * alert order whenever entries follow alert order (e.g. no jitter, no gaps). A candidate is skipped
 * (`position_limit`) when `maxOpenPositions` admitted positions are open at its entry time. A
 * position is open from its entry_ts through its exit_ts inclusive: a position whose last fill is in
 * the candle opening at t does NOT free its slot for an entry at t (the entry happens at the open of
 * t, the exit during or at the close of that candle — or at the same open, where the order of two
 * mints' fills is unknown, so the conservative reading is taken).
 */
import { Effect, Either, Schema, Stream } from "effect"
import { type CandleSeries, mintKeyOf, type MintSeries } from "./CandleSeries.js"
import type { DiagnosticRow } from "./Diagnostic.js"
import { compareDiagnostics, makeDiagnostic } from "./Diagnostic.js"
import { compareNumbers, compareStrings, isoMs } from "./internal/order.js"
import type { Seed } from "./Kernel.js"
import { compileStrategy, simulateAlert } from "./Kernel.js"
import type { SimAlert } from "./SimAlert.js"
import type { Strategy } from "./Strategy.js"
import type { Trade } from "./Trade.js"
import { compareTrades } from "./Trade.js"

/** Trades and skip diagnostics of a set of alerts. */
export interface SimulationOutput {
  readonly trades: ReadonlyArray<Trade>
  readonly diagnostics: ReadonlyArray<DiagnosticRow>
}

/**
 * Simulates the alerts of one mint on its series (the alerts must be of this chain and mint, in
 * range and unique). No position limit here. Trades sorted (entry_ts, trade_id), diagnostics
 * (alert_id, code, message).
 */
export const simulateMint = (
  series: CandleSeries,
  alerts: ReadonlyArray<SimAlert>,
  strategy: Strategy,
  seed: Seed
): SimulationOutput => {
  const trades: Array<Trade> = []
  const diagnostics: Array<DiagnosticRow> = []
  if (series.length === 0) {
    for (const a of alerts) diagnostics.push(noCandles(a))
  } else {
    const plan = compileStrategy(strategy)
    for (const a of alerts) {
      const outcome = simulateAlert(series, a, plan, seed)
      if (outcome._tag === "Trade") trades.push(outcome.trade)
      else diagnostics.push(outcome.diagnostic)
    }
  }
  trades.sort(compareTrades)
  diagnostics.sort(compareDiagnostics)
  return { trades, diagnostics }
}

const noCandles = (a: SimAlert): DiagnosticRow =>
  makeDiagnostic(a.alert_id, "no_candles", `no candles for ${a.chain}/${a.mint}`)

/** The same (chain, mint) series was supplied twice: a loader bug, never silently merged. */
export class DuplicateMintSeries extends Schema.TaggedError<DuplicateMintSeries>()("DuplicateMintSeries", {
  chain: Schema.String,
  mint: Schema.String
}) {
  override get message() {
    return `candle series for ${this.chain}/${this.mint} was supplied twice`
  }
}

/** The experiment-level inputs of a simulation. */
export interface SimulationConfig {
  readonly alerts: ReadonlyArray<SimAlert>
  readonly strategy: Strategy
  readonly seed: Seed
  /** Alerts are in range when from ≤ alert_ts < to (epoch ms). Absent: every alert is in range. */
  readonly dateRange?: { readonly from: number; readonly to: number }
}

/** A (chain, mint) that has alerts to simulate: what the loader must supply, in sorted order. */
export interface WantedMint {
  readonly chain: string
  readonly mint: string
  readonly alerts: number
}

/**
 * Incremental driver: create with {@link makeSimulation}, feed each mint's series with `add` (any
 * order, each once), then `finish`. `wanted` lists the (chain, mint) pairs that have alerts, sorted.
 */
export interface Simulation {
  readonly wanted: ReadonlyArray<WantedMint>
  /**
   * Simulates the alerts of this (chain, mint). Right(true) when it had alerts, Right(false) when
   * nobody wants it (ignored), Left when the same mint was already added.
   */
  readonly add: (mint: MintSeries) => Either.Either<boolean, DuplicateMintSeries>
  /** Mints received so far that had alerts. */
  readonly mintsDone: () => number
  /** Applies the position limit and sorts; alerts of mints never added get `no_candles`. */
  readonly finish: () => SimulationOutput
}


const compareAlerts = (a: SimAlert, b: SimAlert): number =>
  compareNumbers(a.alert_ts, b.alert_ts) ||
  compareStrings(a.alert_id, b.alert_id) ||
  compareStrings(a.chain, b.chain) ||
  compareStrings(a.mint, b.mint) ||
  compareStrings(a.caller ?? "", b.caller ?? "") ||
  compareNumbers(a.caller === null ? 0 : 1, b.caller === null ? 0 : 1)

/** Builds the incremental driver. */
export const makeSimulation = (config: SimulationConfig): Simulation => {
  const { strategy, seed, dateRange } = config
  const diagnostics: Array<DiagnosticRow> = []
  const sorted = [...config.alerts].sort(compareAlerts)

  // Duplicates: keep the first in (alert_ts, alert_id, chain, mint, caller) order.
  const firstById = new Map<string, SimAlert>()
  const byMint = new Map<string, { chain: string; mint: string; alerts: Array<SimAlert>; done: boolean }>()
  for (const a of sorted) {
    if (dateRange !== undefined && !(dateRange.from <= a.alert_ts && a.alert_ts < dateRange.to)) {
      diagnostics.push(makeDiagnostic(
        a.alert_id,
        "out_of_range",
        `alert at ${isoMs(a.alert_ts)} is outside [${isoMs(dateRange.from)}, ${isoMs(dateRange.to)})`
      ))
      continue
    }
    const kept = firstById.get(a.alert_id)
    if (kept !== undefined) {
      diagnostics.push(makeDiagnostic(
        a.alert_id,
        "duplicate_alert_id",
        `duplicate of the alert at ${isoMs(kept.alert_ts)} on ${kept.chain}/${kept.mint}; ` +
          `this one at ${isoMs(a.alert_ts)} on ${a.chain}/${a.mint} is skipped`
      ))
      continue
    }
    firstById.set(a.alert_id, a)
    const key = mintKeyOf(a.chain, a.mint)
    let group = byMint.get(key)
    if (group === undefined) {
      group = { chain: a.chain, mint: a.mint, alerts: [], done: false }
      byMint.set(key, group)
    }
    group.alerts.push(a)
  }
  const wanted: Array<WantedMint> = [...byMint.values()]
    .map((g) => ({ chain: g.chain, mint: g.mint, alerts: g.alerts.length }))
    .sort((a, b) => compareStrings(a.chain, b.chain) || compareStrings(a.mint, b.mint))

  const trades: Array<Trade> = []
  let done = 0
  let finished: SimulationOutput | undefined

  const add = (m: MintSeries): Either.Either<boolean, DuplicateMintSeries> => {
    const group = byMint.get(mintKeyOf(m.chain, m.mint))
    if (group === undefined) return Either.right(false)
    if (group.done) return Either.left(new DuplicateMintSeries({ chain: m.chain, mint: m.mint }))
    group.done = true
    done++
    const out = simulateMint(m.series, group.alerts, strategy, seed)
    for (const t of out.trades) trades.push(t)
    for (const d of out.diagnostics) diagnostics.push(d)
    return Either.right(true)
  }

  const finish = (): SimulationOutput => {
    if (finished !== undefined) return finished
    for (const g of byMint.values()) {
      if (!g.done) for (const a of g.alerts) diagnostics.push(noCandles(a))
    }
    const { admitted, skipped } = applyPositionLimit(trades, strategy.sizing.maxOpenPositions)
    for (const d of skipped) diagnostics.push(d)
    admitted.sort(compareTrades)
    diagnostics.sort(compareDiagnostics)
    finished = { trades: admitted, diagnostics }
    return finished
  }

  return { wanted, add, mintsDone: () => done, finish }
}

/**
 * Admits trades in (entry_ts, alert_ts, alert_id) order while fewer than `limit` admitted positions
 * are open at the entry time (a position occupies its slot through its exit_ts inclusive).
 * Returns the admitted trades (in admission order) and a `position_limit` diagnostic per skipped one.
 */
export const applyPositionLimit = (
  trades: ReadonlyArray<Trade>,
  limit: number | undefined
): { admitted: Array<Trade>; skipped: Array<DiagnosticRow> } => {
  if (limit === undefined) return { admitted: [...trades], skipped: [] }
  const order = [...trades].sort((a, b) =>
    compareNumbers(a.entry_ts, b.entry_ts) ||
    compareNumbers(a.alert_ts, b.alert_ts) ||
    compareStrings(a.alert_id, b.alert_id)
  )
  const heap = new MinHeap()
  const admitted: Array<Trade> = []
  const skipped: Array<DiagnosticRow> = []
  for (const t of order) {
    while (heap.size > 0 && heap.peek() < t.entry_ts) heap.pop()
    if (heap.size < limit) {
      heap.push(t.exit_ts)
      admitted.push(t)
    } else {
      skipped.push(makeDiagnostic(
        t.alert_id,
        "position_limit",
        `${limit} position(s) already open at ${isoMs(t.entry_ts)} (${t.chain}/${t.mint}); entry skipped`
      ))
    }
  }
  return { admitted, skipped }
}

/** Binary min-heap of numbers (exit times of open positions). */
class MinHeap {
  private readonly items: Array<number> = []
  get size(): number {
    return this.items.length
  }
  peek(): number {
    return this.items[0]
  }
  push(x: number): void {
    const a = this.items
    a.push(x)
    let i = a.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (a[parent] <= x) break
      a[i] = a[parent]
      i = parent
    }
    a[i] = x
  }
  pop(): number {
    const a = this.items
    const top = a[0]
    const last = a.pop() as number
    if (a.length > 0) {
      let i = 0
      const n = a.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && a[r] < a[l] ? r : l
        if (a[c] >= last) break
        a[i] = a[c]
        i = c
      }
      a[i] = last
    }
    return top
  }
}

/**
 * Runs a whole simulation over mint series from an iterable (each mint once, any order).
 * Throws {@link DuplicateMintSeries} when a mint comes twice.
 */
export const runSimulationSync = (config: SimulationConfig, series: Iterable<MintSeries>): SimulationOutput => {
  const sim = makeSimulation(config)
  for (const m of series) Either.getOrThrowWith(sim.add(m), (e) => e)
  return sim.finish()
}

/**
 * Runs a whole simulation over a stream of mint series (pulled one at a time, so only one mint's
 * candles need be in memory). `onProgress(mintsDone, mintsWanted)` runs after each wanted mint.
 */
export const runSimulation = <E, R, R2 = never>(
  config: SimulationConfig,
  series: Stream.Stream<MintSeries, E, R>,
  onProgress?: (done: number, total: number) => Effect.Effect<void, never, R2>
): Effect.Effect<SimulationOutput, E | DuplicateMintSeries, R | R2> =>
  Effect.suspend(() => {
    const sim = makeSimulation(config)
    const total = sim.wanted.length
    return series.pipe(
      Stream.runForEach((m) =>
        Effect.flatMap(
          Effect.suspend(() => sim.add(m)),
          (used) => used && onProgress !== undefined ? onProgress(sim.mintsDone(), total) : Effect.void
        )
      ),
      Effect.map(() => sim.finish())
    )
  })
