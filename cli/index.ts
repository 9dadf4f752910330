/** The CLI's public face, for tests and for embedding the command tree elsewhere. */
export { cli, command } from "./Cli.js"
export { HashIncomplete, UsageError } from "./CliError.js"
export { b3sumLine } from "./commands/Hash.js"
export { type GlobalConfig, globalConfig, globalOptions, hoistGlobalOptions, root } from "./GlobalOptions.js"
export {
  describeReason,
  EXIT_FAILURE,
  EXIT_INTERRUPTED,
  EXIT_SUCCESS,
  EXIT_USAGE,
  exitCodeOf,
  isUsageError,
  renderCause,
  renderFailure,
  teardown,
  usageErrorTags
} from "./renderError.js"
