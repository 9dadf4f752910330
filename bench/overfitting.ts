/**
 * Benchmark child: the probability of backtest overfitting (nodes/stats/Overfitting.ts) on a
 * seeded noise matrix of `variants` × `days` daily pnl with `blocks` blocks — C(16, 8) = 12,870
 * combinations × 1,000 variants by default (target ≤ 2 s) — timed `repeats` times after a warm-up;
 * the median is reported. Also checks that repeated runs give the same pbo.
 */
import seedrandom from "seedrandom"
import { probabilityOfOverfitting } from "../nodes/stats/index.js"
import { childMain, median, round } from "./support.js"

export interface OverfittingArgs {
  readonly variants: number
  readonly days: number
  readonly blocks: number
  readonly repeats: number
}

export interface OverfittingBenchResult {
  readonly variants: number
  readonly days: number
  readonly blocks: number
  readonly combinations: number
  readonly ms: number
  /** CPU time of the same runs (median, user + system): what the computation costs when the machine is shared. */
  readonly cpuMs: number
  readonly pbo: number
}

export const runOverfittingBench = async (args: OverfittingArgs): Promise<OverfittingBenchResult> => {
  const rng = seedrandom("bench/overfitting")
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())
  const matrix = Array.from({ length: args.variants }, () => Float64Array.from({ length: args.days }, gauss))
  const first = probabilityOfOverfitting(matrix, args.blocks)
  const times: Array<number> = []
  const cpuTimes: Array<number> = []
  for (let r = 0; r < args.repeats; r++) {
    const start = performance.now()
    const cpu = process.cpuUsage()
    const again = probabilityOfOverfitting(matrix, args.blocks)
    times.push(performance.now() - start)
    const used = process.cpuUsage(cpu)
    cpuTimes.push((used.user + used.system) / 1000)
    if (again.pbo !== first.pbo) throw new Error(`pbo changed between runs: ${first.pbo} then ${again.pbo}`)
  }
  return {
    variants: args.variants,
    days: args.days,
    blocks: args.blocks,
    combinations: first.combinations.length,
    ms: round(median(times), 1),
    cpuMs: round(median(cpuTimes), 1),
    pbo: round(first.pbo, 4)
  }
}

if (process.argv[1]?.endsWith("overfitting.ts")) await childMain(runOverfittingBench)
