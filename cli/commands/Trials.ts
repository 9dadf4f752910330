/**
 * `pipeline trials <name>`: the trial ledger of an experiment name — every strategy evaluated under
 * that name in the store (each sweep variant, each single experiment), when it was first evaluated,
 * its rank metric, and its Deflated Sharpe both with its sweep's N (the leaderboard's `dsr`) and
 * with the ledger's N (every trial of the name; computed now, written nowhere). Only reads.
 */
import type { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { formatTimestamp, NO_VALUE } from "../../nodes/report/index.js"
import { trialLedger } from "../../nodes/trials/index.js"
import { globalConfig } from "../GlobalOptions.js"
import { printJson } from "../Output.js"
import { requireStore } from "../ReadOnlyStore.js"
import { storeLayer } from "../StoreLayers.js"
import { renderTable } from "../Table.js"
import type { trialsArgs } from "../tree/Trials.js"

const number = (x: number | null, digits = 4): string => (x === null ? NO_VALUE : String(Number(x.toPrecision(digits))))

export const trialsCommand = (args: Command.Command.ParseConfig<typeof trialsArgs>) =>
  Effect.gen(function*() {
    const config = yield* globalConfig
    yield* requireStore(config.storeDir)
    const ledger = yield* trialLedger(args.name).pipe(Effect.provide(storeLayer(config.storeDir)))
    if (config.json) return yield* printJson(ledger)
    if (ledger.trials.length === 0) return yield* Console.log(`no trials under the name ${JSON.stringify(args.name)}`)
    const { benchmark } = ledger
    const lines = [
      `${ledger.trials.length} trial${ledger.trials.length === 1 ? "" : "s"} under ${JSON.stringify(ledger.name)} in ` +
      `${ledger.experiments.length} experiment${ledger.experiments.length === 1 ? "" : "s"}; ` +
      `ledger N = ${benchmark.trials}, SR0 = ${number(benchmark.sr0)}`,
      renderTable(
        [
          { header: "VARIANT" },
          { header: "EXPERIMENT" },
          { header: "FIRST RUN (UTC)" },
          { header: "RANK METRIC" },
          { header: "SHARPE", align: "right" },
          { header: "DSR (SWEEP N)", align: "right" },
          { header: "DSR (LEDGER N)", align: "right" }
        ],
        ledger.trials.map((trial) => [
          trial.variantId ?? "(single)",
          trial.experimentId.slice(0, 16),
          formatTimestamp(Date.parse(trial.evaluatedAt)),
          `${trial.rank} ${number(trial.rankValue)}`,
          number(trial.sharpe),
          trial.sweepDsr === null ? NO_VALUE : `${number(trial.sweepDsr)} (N=${trial.sweepTrials})`,
          number(trial.dsr)
        ])
      )
    ]
    yield* Console.log(lines.join("\n"))
  })
