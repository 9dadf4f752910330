/** `pipeline artifacts list|show|lineage` (handlers: commands/Artifacts.ts). */
import { Command, Options } from "@effect/cli"
import type { ArtifactStatus } from "../../store/index.js"
import { pathArg } from "../Arguments.js"
import { UsageError } from "../CliError.js"
import { lazyHandler } from "../LazyHandler.js"

const STATUSES: ReadonlyArray<ArtifactStatus> = ["active", "superseded", "tombstoned"]

export const listArgs = {
  type: Options.text("type").pipe(Options.withDescription("Only this artifact type, e.g. experiment_trades"), Options.optional),
  prefix: Options.text("prefix").pipe(Options.withDescription("Only logical keys starting with this"), Options.optional),
  status: Options.choice("status", STATUSES).pipe(Options.withDescription("Only this status"), Options.optional),
  tag: Options.text("tag").pipe(Options.withDescription("Only artifacts with this tag"), Options.optional)
}

const list = Command.make("list", listArgs, lazyHandler(() => import("../commands/Artifacts.js"), (m) => m.list)).pipe(
  Command.withDescription("List artifacts (filters: --type, --prefix, --status, --tag)")
)

const artifactId = pathArg("artifact-id", "An artifact id or any unique prefix of it (art_2d83, or bare hex)")

export const showArgs = { artifactId }

const show = Command.make("show", showArgs, lazyHandler(() => import("../commands/Artifacts.js"), (m) => m.show)).pipe(
  Command.withDescription("Show an artifact's manifest and the path of its data file")
)

export const lineageArgs = {
  artifactId,
  depth: Options.integer("depth").pipe(Options.withDescription("Levels to follow (default: all)"), Options.optional),
  downstream: Options.boolean("downstream").pipe(
    Options.withDescription("Follow consumers (what was computed from it) instead of inputs")
  )
}

const lineage = Command.make("lineage", lineageArgs, lazyHandler(() => import("../commands/Artifacts.js"), (m) => m.lineage))
  .pipe(Command.withDescription("Show what an artifact was computed from (or, with --downstream, what used it)"))

export const artifacts = Command.make("artifacts").pipe(
  Command.withHandler(() => new UsageError({ reason: "artifacts: expected a subcommand: list | show | lineage" })),
  Command.withDescription("Inspect the artifact catalog"),
  Command.withSubcommands([list, show, lineage])
)
