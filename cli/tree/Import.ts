/** `pipeline import alerts|ohlcv <file…>` (handlers: commands/Import.ts). */
import { Args, Command, Options } from "@effect/cli"
import { TsUnit } from "../../nodes/import/ImportOptions.js"
import { pathArg } from "../Arguments.js"
import { UsageError } from "../CliError.js"
import { lazyHandler } from "../LazyHandler.js"

const files = pathArg("file", "CSV or Parquet files to import (one artifact each)").pipe(Args.atLeast(1))

export const alertsArgs = {
  files,
  chain: Options.text("chain").pipe(Options.withDescription("The chain, when the file has no chain column"), Options.optional),
  columns: Options.text("columns").pipe(
    Options.withDescription("Column names in file order, comma-separated, for a headerless CSV (e.g. ts,open,high,low,close,volume)"),
    Options.optional
  ),
  tsUnit: Options.choice("ts-unit", TsUnit.literals).pipe(
    Options.withDescription("How timestamps are written: iso, s, ms, us or auto (default: auto)"),
    Options.optional
  ),
  logicalKey: Options.text("logical-key").pipe(Options.withDescription("Overrides the default logical key"), Options.optional),
  tag: Options.text("tag").pipe(Options.withDescription("A tag for the artifacts (repeatable)"), Options.repeated)
}

export const ohlcvArgs = {
  ...alertsArgs,
  mint: Options.text("mint").pipe(
    Options.withDescription("The mint or pair (e.g. BTCUSDT), when the file has no mint column"),
    Options.optional
  ),
  intervalS: Options.integer("interval-s").pipe(
    Options.withDescription("Candle length in seconds (default: the interval_s column, else inferred)"),
    Options.optional
  )
}

const alerts = Command.make("alerts", alertsArgs, lazyHandler(() => import("../commands/Import.js"), (m) => m.alerts)).pipe(
  Command.withDescription("Import alert files (alert_id, alert_ts, chain, mint, caller) as alerts_v1 artifacts")
)
const ohlcv = Command.make("ohlcv", ohlcvArgs, lazyHandler(() => import("../commands/Import.js"), (m) => m.ohlcv)).pipe(
  Command.withDescription("Import candle files (ts, open, high, low, close, volume) as ohlcv_slice_v2 artifacts")
)

export const importCommand = Command.make("import").pipe(
  Command.withHandler(() => new UsageError({ reason: "import: expected a subcommand: alerts | ohlcv" })),
  Command.withDescription("Import CSV/Parquet files as canonical artifacts (validated; nothing is published on error)"),
  Command.withSubcommands([alerts, ohlcv])
)
