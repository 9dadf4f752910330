/** The CLI's public face, for tests and for embedding the command tree elsewhere. */
export { cli, command } from "./Cli.js"
export { HashIncomplete, StoreMissing, UnknownId, unknownIdOf, UsageError } from "./CliError.js"
export { b3sumLine } from "./commands/Hash.js"
export { type GlobalConfig, globalConfig, globalOptions, hoistGlobalOptions, root } from "./GlobalOptions.js"
export { emptyStoreLayer, requireStore, storeExists } from "./ReadOnlyStore.js"
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
export { abbreviate, escapeControls, quoteValue, shortenValues } from "./UserValues.js"
