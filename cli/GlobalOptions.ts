/**
 * The root command `pipeline` and its global options (docs/DESIGN.md §9), resolved into one
 * `GlobalConfig` value that subcommands read and hand to the library as plain values.
 *
 * @effect/cli only accepts a parent's options before the subcommand; `hoistGlobalOptions` moves
 * them there, so `pipeline run def.json --json` and `pipeline --json run def.json` are the same.
 */
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Config, Effect, Option } from "effect"
import * as NodePath from "node:path"

export const DEFAULT_STORE_DIR = ".pipeline"
export const STORE_ENV_VAR = "PIPELINE_STORE"
export const CATALOG_ENV_VAR = "PIPELINE_CATALOG"
export const REMOTE_ENV_VAR = "PIPELINE_REMOTE"

export const globalOptions = {
  store: Options.directory("store").pipe(
    Options.withDescription(`The store directory (default: $${STORE_ENV_VAR}, else ./${DEFAULT_STORE_DIR})`),
    // An empty $PIPELINE_STORE is unset (it would otherwise name the working directory).
    Options.withFallbackConfig(Config.map(Config.string(STORE_ENV_VAR), (dir) => (dir === "" ? DEFAULT_STORE_DIR : dir))),
    Options.withDefault(DEFAULT_STORE_DIR)
  ),
  json: Options.boolean("json").pipe(
    Options.withDescription("Print one JSON document on stdout and nothing else there")
  ),
  quiet: Options.boolean("quiet").pipe(Options.withDescription("No progress output on stderr")),
  catalog: Options.text("catalog").pipe(
    Options.withDescription(
      `A PostgreSQL URL (postgres://user@host/db) holding the artifact catalog, action cache and experiments, ` +
        `shared by everyone who reaches it; objects stay in the store directory (default: $${CATALOG_ENV_VAR})`
    ),
    Options.withFallbackConfig(Config.string(CATALOG_ENV_VAR)),
    Options.mapEffect((url) =>
      url === "" || /^postgres(ql)?:\/\/./.test(url)
        ? Effect.succeed(url)
        : Effect.fail(
          ValidationError.invalidValue(HelpDoc.p(`--catalog takes a postgres:// or postgresql:// URL, not ${url.slice(0, 40)}`))
        )
    ),
    Options.optional
  ),
  remote: Options.text("remote").pipe(
    Options.withDescription(
      `An S3-API bucket (s3://bucket/prefix) shared as a remote cache: a local miss is looked up there and ` +
        `results are uploaded after they are computed; endpoint, region and credentials from the AWS SDK's ` +
        `environment variables (default: $${REMOTE_ENV_VAR})`
    ),
    Options.withFallbackConfig(Config.string(REMOTE_ENV_VAR)),
    Options.mapEffect((url) =>
      url === "" || /^s3:\/\/./.test(url)
        ? Effect.succeed(url)
        : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--remote takes an s3://bucket/prefix URL, not ${url.slice(0, 40)}`)))
    ),
    Options.optional
  ),
  remoteMode: Options.choice("remote-mode", ["read-write", "read"]).pipe(
    Options.withDescription("read-write (default) uploads what this process computes; read only downloads"),
    Options.withDefault("read-write" as const)
  ),
  remoteDownload: Options.choice("remote-download", ["outputs", "all"]).pipe(
    Options.withDescription(
      "outputs (default): a remote hit downloads its records only; an object comes down when it is read " +
        "(a run's results, the inputs a rerun needs); all: every object of the hit's lineage too"
    ),
    Options.withDefault("outputs" as const)
  )
}

/**
 * The root command without subcommands. A subcommand's handler reads the parsed global options
 * through `globalConfig` (the root command is itself the Context tag of its parsed config).
 */
export const root = Command.make("pipeline", globalOptions).pipe(
  Command.withDescription("Content-addressed backtest experiments: run, verify, explain, inspect the store")
)

export interface GlobalConfig {
  /** Absolute path of the store directory (not necessarily existing yet). */
  readonly storeDir: string
  /** Print one JSON document on stdout. */
  readonly json: boolean
  /** `--quiet` was given. */
  readonly quiet: boolean
  /** `--catalog` (else $PIPELINE_CATALOG when set and not empty): the PostgreSQL catalog's URL. */
  readonly catalog?: string
  /** `--remote` (else $PIPELINE_REMOTE when set and not empty): the shared S3-API remote. */
  readonly remote?: { readonly url: string; readonly mode: "read" | "read-write"; readonly download: "outputs" | "all" }
  /**
   * Render progress on stderr (neither `--quiet` nor `--json` was given): live on a terminal,
   * plain lines otherwise (cli/Progress.ts).
   */
  readonly progress: boolean
}

/** The resolved global options, for use inside a subcommand's handler. */
export const globalConfig: Effect.Effect<GlobalConfig, never, Command.Command.Context<"pipeline">> = Effect.map(
  root,
  ({ catalog, json, quiet, remote, remoteDownload, remoteMode, store }) => ({
    storeDir: NodePath.resolve(store),
    ...(Option.isSome(catalog) && catalog.value !== "" ? { catalog: catalog.value } : {}),
    ...(Option.isSome(remote) && remote.value !== "" ? { remote: { url: remote.value, mode: remoteMode, download: remoteDownload } } : {}),
    json,
    quiet,
    progress: !quiet && !json
  })
)

/**
 * Moves the global options (`--json`, `--quiet`, `--store DIR`, `--store=DIR`, `--catalog URL`,
 * `--catalog=URL`, `--remote URL`, `--remote-mode MODE`, `--remote-download WHAT`, and their `=` forms) found anywhere
 * before a `--` to the front of the arguments, where @effect/cli's parser expects a parent's
 * options. Subcommands must not define options of these names. `args` excludes node and script.
 */
export const hoistGlobalOptions = (args: ReadonlyArray<string>): Array<string> => {
  const global: Array<string> = []
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === "--") {
      rest.push(...args.slice(i))
      break
    }
    if (
      arg === "--json" || arg === "--quiet" || arg.startsWith("--store=") || arg.startsWith("--catalog=") ||
      arg.startsWith("--remote=") || arg.startsWith("--remote-mode=") || arg.startsWith("--remote-download=")
    ) {
      global.push(arg)
    } else if (arg === "--store" || arg === "--catalog" || arg === "--remote" || arg === "--remote-mode" || arg === "--remote-download") {
      global.push(arg, ...args.slice(i + 1, i + 2))
      i++
    } else {
      rest.push(arg)
    }
  }
  return [...global, ...rest]
}
