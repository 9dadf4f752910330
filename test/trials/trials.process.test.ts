/**
 * `pipeline trials <name>` after two sweeps under the same name: every variant evaluated is listed
 * once (the variant both sweeps share counts once, at the first run), each with its sweep's dsr
 * (the sweep's N) and a dsr against the ledger's N, worked here from the listed numbers; an
 * experiment under another name is not a trial of this one; the sweep's report shows both DSRs.
 */
import * as NodeFs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EULER_GAMMA, normalCdf, normalQuantile } from "../../nodes/stats/index.js"
import { expectExit, parseJson, smallDefinition, type Workspace, workspace } from "../cli-run/support.js"

describe("pipeline trials", () => {
  let ws: Workspace
  beforeAll(() => {
    ws = workspace("pipeline-trials-")
  })
  afterAll(() => ws.cleanup())

  it("lists every variant of two sweeps under one name once, with DSR by the sweep's N and by the ledger's", async () => {
    const sweepOf = (name: string, stops: ReadonlyArray<number>) => ({
      ...smallDefinition({ name, tokens: 14 }),
      metrics: { bootstrapResamples: 20 },
      sweep: { grid: { "stopLoss.pct": stops }, keep: 0 }
    })
    const first = parseJson(await ws.cli(["run", ws.write("a.json", sweepOf("ledger", [0.05, 0.2])), "--json", "--workers", "0"]))
    const second = parseJson(await ws.cli(["run", ws.write("b.json", sweepOf("ledger", [0.2, 0.35, 0.5])), "--json", "--workers", "0"]))
    expectExit(await ws.cli(["run", ws.write("c.json", sweepOf("other", [0.3, 0.4])), "--workers", "0"]), 0)
    expect(first.experimentId).not.toBe(second.experimentId)

    const result = await ws.cli(["trials", "ledger", "--json"])
    expectExit(result, 0)
    const ledger = parseJson(result)
    expect(ledger.experiments.sort()).toEqual([first.experimentId, second.experimentId].sort())
    const trials = ledger.trials as Array<Record<string, any>>
    // 2 + 3 variants, the 0.2 stop shared: 4 trials, the shared one under the first sweep.
    expect(trials).toHaveLength(4)
    expect(trials.filter((t) => t.experimentId === first.experimentId)).toHaveLength(2)
    expect(trials.filter((t) => t.experimentId === second.experimentId)).toHaveLength(2)
    expect(new Set(trials.map((t) => t.identity)).size).toBe(4)
    for (const trial of trials) {
      expect(trial.rank).toBe("sharpe")
      expect(trial.rankValue).toBe(trial.sharpe)
      expect(trial.sweepTrials).toBe(trial.experimentId === first.experimentId ? 2 : 3)
      expect(Date.parse(trial.evaluatedAt)).not.toBeNaN()
    }

    // The ledger's SR0 over the four Sharpes, and each dsr against it, worked from the formulas.
    const sharpes = trials.map((t) => t.sharpe as number)
    expect(sharpes.every((s) => typeof s === "number")).toBe(true)
    const n = sharpes.length
    const m = sharpes.reduce((a, b) => a + b, 0) / n
    const v = sharpes.reduce((a, s) => a + (s - m) ** 2, 0) / (n - 1)
    const sr0 = Math.sqrt(v) * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / n) + EULER_GAMMA * normalQuantile(1 - 1 / (n * Math.E)))
    expect(ledger.benchmark.trials).toBe(4)
    expect(ledger.benchmark.sr0).toBeCloseTo(sr0, 12)
    for (const t of trials) {
      const root = Math.sqrt(1 - t.skew * t.sharpe + ((t.kurtosis - 1) / 4) * t.sharpe ** 2)
      expect(t.dsr).toBeCloseTo(normalCdf(((t.sharpe - sr0) * Math.sqrt(t.trades - 1)) / root), 12)
      expect(typeof t.sweepDsr).toBe("number")
    }

    const text = await ws.cli(["trials", "ledger"])
    expectExit(text, 0)
    expect(text.stdout).toContain('4 trials under "ledger" in 2 experiments; ledger N = 4')
    for (const t of trials) expect(text.stdout).toContain(t.variantId)
    // The report of the second sweep shows DSR with its own N (3) and with the ledger's (4).
    const report = await ws.cli(["report", second.experimentId, "-o", "report.html", "--json"])
    expectExit(report, 0)
    const html = NodeFs.readFileSync(parseJson(report).path, "utf8")
    expect(html).toContain("DSR (sweep N = 3)")
    expect(html).toContain("DSR (ledger N = 4)")
    const best = trials.filter((t) => t.experimentId === second.experimentId).sort((x, y) => y.sharpe - x.sharpe)[0]!
    expect(html).toContain(best.variantId)

    const none = await ws.cli(["trials", "nobody"])
    expectExit(none, 0)
    expect(none.stdout).toContain('no trials under the name "nobody"')
  }, 480_000)
})
