/**
 * Kernel speed: the simulation kernel against a plain Float64Array stop/target scan over the same
 * synthetic candles and alerts (the plain loop, ~190–310 M candles/s on one core when measured, is
 * the ceiling).
 *
 *   npx tsx bench/kernel.ts [candles=10000000] [mints=2000] [alertsPerMint=10]
 *
 * Rates are candle visits per second (candles scanned from each entry to its exit, summed over
 * alerts); the dataset rate (candles in the data / time) is printed too. Three timings, each the
 * median of `repeats` runs after a warm-up, (a) and (b) interleaved: (a) `simulateAlert` per alert, (b) the plain loop,
 * (c) the whole driver `runSimulationSync` (routing, limit, sorting).
 */
import { pathToFileURL } from "node:url"
import type { CandleSeries, MintSeries, SimAlert } from "../nodes/simulate/index.js"
import { compileStrategy, lowerBoundOf, makeStrategy, runSimulationSync, simulateAlert } from "../nodes/simulate/index.js"

export interface KernelBenchOptions {
  readonly candles?: number
  readonly mints?: number
  readonly alertsPerMint?: number
  readonly repeats?: number
}

export interface KernelBenchResult {
  readonly candles: number
  readonly mints: number
  readonly alerts: number
  readonly kernel: { readonly seconds: number; readonly visits: number; readonly visitsPerSecond: number; readonly candlesPerSecond: number }
  readonly plain: { readonly seconds: number; readonly visits: number; readonly visitsPerSecond: number; readonly candlesPerSecond: number }
  readonly driver: { readonly seconds: number; readonly candlesPerSecond: number; readonly trades: number }
  /** (a) with `costs.slippageJitterBps` > 0: one seedrandom stream per alert. */
  readonly kernelJittered: { readonly seconds: number; readonly visitsPerSecond: number }
  /** kernel visits/s ÷ plain visits/s. */
  readonly ratio: number
}

const MIN = 60_000
const T0 = Date.UTC(2024, 0, 1)

/** mulberry32: a tiny deterministic generator for the synthetic data (not used by the library). */
const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

export interface Dataset {
  readonly mints: ReadonlyArray<MintSeries>
  readonly alerts: ReadonlyArray<SimAlert>
  readonly alertsByMint: ReadonlyArray<ReadonlyArray<SimAlert>>
  readonly candles: number
}

const generate = (candles: number, mints: number, alertsPerMint: number): Dataset => {
  const rand = mulberry32(7)
  const per = Math.floor(candles / mints)
  const total = per * mints
  const ts = new Float64Array(total)
  const open = new Float64Array(total)
  const high = new Float64Array(total)
  const low = new Float64Array(total)
  const close = new Float64Array(total)
  const out: Array<MintSeries> = []
  const alerts: Array<SimAlert> = []
  const alertsByMint: Array<Array<SimAlert>> = []
  for (let m = 0; m < mints; m++) {
    const base = m * per
    let price = 0.5 + rand()
    for (let i = 0; i < per; i++) {
      const j = base + i
      const o = price
      const c = o * Math.exp((rand() - 0.5) * 0.04)
      ts[j] = T0 + i * MIN
      open[j] = o
      close[j] = c
      high[j] = Math.max(o, c) * (1 + rand() * 0.01)
      low[j] = Math.min(o, c) * (1 - rand() * 0.01)
      price = c
    }
    const series: CandleSeries = {
      ts: ts.subarray(base, base + per),
      open: open.subarray(base, base + per),
      high: high.subarray(base, base + per),
      low: low.subarray(base, base + per),
      close: close.subarray(base, base + per),
      length: per,
      intervalMs: MIN
    }
    const mint = `mint${m}`
    out.push({ chain: "solana", mint, series })
    const mine: Array<SimAlert> = []
    for (let a = 0; a < alertsPerMint; a++) {
      const at = T0 + Math.floor(rand() * per * 0.8) * MIN + Math.floor(rand() * MIN)
      const alert = { alert_id: `${mint}-${a}`, alert_ts: at, chain: "solana", mint, caller: null }
      mine.push(alert)
      alerts.push(alert)
    }
    alertsByMint.push(mine)
  }
  return { mints: out, alerts, alertsByMint, candles: total }
}

export const strategy = makeStrategy({
  exit: { targets: [{ multiple: 2, fraction: 0.5 }, { multiple: 4, fraction: 0.5 }], maxHoldCandles: 1440 },
  stopLoss: { pct: 0.3 },
  trailing: { activation: 0.5, pct: 0.2 },
  costs: { feeBps: 25, slippageBps: 10 }
})

/**
 * The plain loop: entry by binary search, then per candle a gap/stop check, one target for the
 * whole quantity, a trailing stop and a time exit; fees and slippage as constants. No objects.
 */
export const plainScan = (ds: Dataset): { visits: number; checksum: number } => {
  const stopPct = 0.3
  const targetMultiple = 2
  const activation = 1.5
  const trailKeep = 0.8
  const maxHold = 1440
  const slip = 0.001
  const fee = 0.0025
  let visits = 0
  let checksum = 0
  for (let m = 0; m < ds.mints.length; m++) {
    const s = ds.mints[m].series
    const o = s.open
    const h = s.high
    const l = s.low
    const c = s.close
    const n = s.length
    const alerts = ds.alertsByMint[m]
    for (let a = 0; a < alerts.length; a++) {
      const e = lowerBoundOf(s.ts, alerts[a].alert_ts, n)
      if (e >= n) continue
      const entry = o[e] * (1 + slip)
      let stop = entry * (1 - stopPct)
      const target = entry * targetMultiple
      const act = entry * activation
      let maxH = 0
      let exit = c[n - 1]
      let i = e
      const end = Math.min(n - 1, e + maxHold)
      for (; i <= end; i++) {
        const hi = h[i]
        if (i > e && o[i] <= stop) {
          exit = o[i]
          break
        }
        if (l[i] <= stop) {
          exit = stop
          break
        }
        if (hi >= target) {
          exit = target
          break
        }
        if (hi > maxH) maxH = hi
        if (maxH >= act && maxH * trailKeep > stop) stop = maxH * trailKeep
        if (i === end) exit = c[i]
      }
      visits += Math.min(i, end) - e + 1
      checksum += (exit * (1 - slip) / entry) * (1 - fee) - 1 - fee
    }
  }
  return { visits, checksum }
}

/** The same strategy with slippage jitter on: every alert then builds its seedrandom stream. */
const jitteredStrategy = makeStrategy({
  exit: { targets: [{ multiple: 2, fraction: 0.5 }, { multiple: 4, fraction: 0.5 }], maxHoldCandles: 1440 },
  stopLoss: { pct: 0.3 },
  trailing: { activation: 0.5, pct: 0.2 },
  costs: { feeBps: 25, slippageBps: 10, slippageJitterBps: 5 }
})

export const kernelScan = (ds: Dataset, s0 = strategy): { visits: number; checksum: number } => {
  const plan = compileStrategy(s0)
  let visits = 0
  let checksum = 0
  for (let m = 0; m < ds.mints.length; m++) {
    const s = ds.mints[m].series
    const alerts = ds.alertsByMint[m]
    for (let a = 0; a < alerts.length; a++) {
      const out = simulateAlert(s, alerts[a], plan, 1)
      if (out._tag === "Trade") {
        visits += out.trade.hold_candles + 1
        checksum += out.trade.return
      }
    }
  }
  return { visits, checksum }
}

export const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

/**
 * Times `fs` interleaved (run 1 of each, run 2 of each, …) so that load from other processes hits
 * all of them alike; returns each one's median seconds and last result.
 */
export const timeInterleaved = <A>(repeats: number, fs: ReadonlyArray<() => A>): Array<{ seconds: number; result: A }> => {
  const results = fs.map((f) => f()) // warm-up
  const times = fs.map(() => [] as Array<number>)
  for (let r = 0; r < repeats; r++) {
    fs.forEach((f, i) => {
      const t = performance.now()
      results[i] = f()
      times[i].push((performance.now() - t) / 1000)
    })
  }
  return fs.map((_, i) => ({ seconds: median(times[i]), result: results[i] }))
}

/** Generates the data, runs the three timings and returns the rates. */
export const runKernelBench = (options: KernelBenchOptions = {}): KernelBenchResult => {
  const candles = options.candles ?? 10_000_000
  const mints = options.mints ?? 2_000
  const alertsPerMint = options.alertsPerMint ?? 10
  const repeats = options.repeats ?? 5
  const ds = generate(candles, mints, alertsPerMint)
  const [k, p, kj] = timeInterleaved(repeats, [
    () => kernelScan(ds),
    () => plainScan(ds),
    () => kernelScan(ds, jitteredStrategy)
  ])
  const [d] = timeInterleaved(Math.max(1, repeats >> 1), [() =>
    runSimulationSync({ alerts: ds.alerts, strategy, seed: 1 }, ds.mints)])
  const kernel = {
    seconds: k.seconds,
    visits: k.result.visits,
    visitsPerSecond: k.result.visits / k.seconds,
    candlesPerSecond: ds.candles / k.seconds
  }
  const plain = {
    seconds: p.seconds,
    visits: p.result.visits,
    visitsPerSecond: p.result.visits / p.seconds,
    candlesPerSecond: ds.candles / p.seconds
  }
  return {
    candles: ds.candles,
    mints,
    alerts: ds.alerts.length,
    kernel,
    plain,
    driver: { seconds: d.seconds, candlesPerSecond: ds.candles / d.seconds, trades: d.result.trades.length },
    kernelJittered: { seconds: kj.seconds, visitsPerSecond: kj.result.visits / kj.seconds },
    ratio: kernel.visitsPerSecond / plain.visitsPerSecond
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  const [candles, mints, alertsPerMint] = process.argv.slice(2).map(Number)
  const r = runKernelBench({
    ...(candles ? { candles } : {}),
    ...(mints ? { mints } : {}),
    ...(alertsPerMint ? { alertsPerMint } : {})
  })
  const M = (x: number) => (x / 1e6).toFixed(1)
  console.log(`${r.candles} candles, ${r.mints} mints, ${r.alerts} alerts`)
  console.log(`kernel: ${(r.kernel.seconds * 1000).toFixed(1)} ms, ${M(r.kernel.visits)} M visits, ${M(r.kernel.visitsPerSecond)} M visits/s, dataset ${M(r.kernel.candlesPerSecond)} M candles/s`)
  console.log(`plain:  ${(r.plain.seconds * 1000).toFixed(1)} ms, ${M(r.plain.visits)} M visits, ${M(r.plain.visitsPerSecond)} M visits/s, dataset ${M(r.plain.candlesPerSecond)} M candles/s`)
  console.log(`kernel with slippage jitter (a seedrandom stream per alert): ${(r.kernelJittered.seconds * 1000).toFixed(1)} ms, ${M(r.kernelJittered.visitsPerSecond)} M visits/s`)
  console.log(`driver: ${(r.driver.seconds * 1000).toFixed(1)} ms (${r.driver.trades} trades), dataset ${M(r.driver.candlesPerSecond)} M candles/s`)
  console.log(`kernel / plain (visits/s): ${(r.ratio * 100).toFixed(0)}%`)
}
