/**
 * Help pages and the checks made before @effect/cli parses a command line.
 *
 * @effect/cli's own help repeats boilerplate for every option ("A user-defined piece of text.",
 * "This setting is optional."), names a subcommand without its parents and lists built-ins such as
 * `--wizard`. The pages here are rendered from the same command values (descriptions, options,
 * arguments), as `pipeline <path> --help` prints them: a usage line with the full command path,
 * optional and repeatable options in brackets, one line per option.
 *
 * Before parsing, a mistyped subcommand is a usage error with the closest name ("did you mean"),
 * and `--wizard` is refused as the unknown option it is here.
 */
import { CliConfig, Command, HelpDoc } from "@effect/cli"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import type { Span } from "@effect/cli/HelpDoc/Span"
import { HashMap, HashSet } from "effect"
import { UsageError } from "./CliError.js"

/** A command of the tree: its name, and its subcommands when it is a group. */
export interface CommandEntry {
  readonly name: string
  /** @effect/cli's help document of the command (computed when a page is rendered). */
  readonly help: () => HelpDoc.HelpDoc
  readonly children: ReadonlyArray<CommandEntry>
}

const config = CliConfig.make({ showBuiltIns: false })

const nameOf = (names: HashSet.HashSet<string>): string => [...names][0] ?? ""

/** The help document of a command (without @effect/cli's built-in options). */
export const helpOf = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>): HelpDoc.HelpDoc =>
  Command.getHelp(command, config)

/** The tree of `root`'s subcommands (`subcommands` as given to `Command.withSubcommands`), two levels deep. */
export const commandTree = (
  subcommands: ReadonlyArray<Command.Command<any, any, any, any>>
): ReadonlyArray<CommandEntry> =>
  subcommands.map((command) => ({
    name: nameOf(Command.getNames(command)),
    help: () => Command.getHelp(command, config),
    // A command without subcommands lists itself as its only one.
    children: [...HashMap.values(Command.getSubcommands(command))]
      .filter((child) => !HashSet.has(Descriptor.getNames(child), nameOf(Command.getNames(command))))
      .map((child): CommandEntry => ({ name: nameOf(Descriptor.getNames(child)), help: () => Descriptor.getHelp(child, config), children: [] }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }))

// ---------------------------------------------------------------------------------------------
// Reading @effect/cli's HelpDoc

const spanText = (span: Span): string => {
  switch (span._tag) {
    case "Text":
    case "URI":
      return span.value
    case "Highlight":
    case "Weak":
    case "Strong":
      return spanText(span.value)
    case "Sequence":
      return spanText(span.left) + spanText(span.right)
  }
}

const paragraphs = (doc: HelpDoc.HelpDoc): Array<string> => {
  switch (doc._tag) {
    case "Paragraph":
      return [spanText(doc.value)]
    case "Sequence":
      return [...paragraphs(doc.left), ...paragraphs(doc.right)]
    case "Enumeration":
      return doc.elements.flatMap(paragraphs)
    case "DescriptionList":
      return doc.definitions.flatMap(([term, body]) => [spanText(term), ...paragraphs(body)])
    default:
      return []
  }
}

interface Item {
  readonly term: string
  readonly description: string
  readonly optional: boolean
  readonly repeated: boolean
  readonly flag: boolean
  readonly defaultValue: string | undefined
}

interface Page {
  readonly description: string
  readonly args: Array<Item>
  readonly options: Array<Item>
}

/** What @effect/cli adds to every option and argument; the command's own description is the rest. */
const TYPE_SENTENCES = new Set([
  "A user-defined piece of text.",
  "A user-defined piece of text that is confidential.",
  "A true or false value.",
  "A floating point number.",
  "An integer.",
  "An existing file or directory.",
  "An existing file.",
  "An existing directory.",
  "A file or directory that must not exist.",
  "A file that must not exist.",
  "A directory that must not exist.",
  "A file or directory.",
  "A file.",
  "A directory.",
  "A date without a time-zone in the ISO-8601 format, such as 2007-12-03T10:15:30.",
  "This option can be set from environment variables."
])

/** The value placeholder of an option by its type (a text option's is its own name, upper case). */
const PLACEHOLDERS: Readonly<Record<string, string>> = { integer: "N", float: "N", directory: "DIR", file: "FILE", date: "DATE" }

const itemOf = (term: string, body: HelpDoc.HelpDoc): Item => {
  const own: Array<string> = []
  let optional = false
  let repeated = false
  let flag = false
  let defaultValue: string | undefined
  for (const text of paragraphs(body)) {
    if (text === "A true or false value.") flag = true
    if (TYPE_SENTENCES.has(text) || text.startsWith("One of the following: ")) continue
    const optionalWithDefault = /^This setting is optional\.(?: Defaults to: (.*))?$/.exec(text)
    if (optionalWithDefault !== null) {
      optional = true
      defaultValue = optionalWithDefault[1]
      continue
    }
    if (/^This (option|argument) may be repeated zero or more times\.$/.test(text)) {
      optional = true
      repeated = true
      continue
    }
    if (/^This (option|argument) must be repeated at least \d+ times?/.test(text)) {
      repeated = true
      continue
    }
    own.push(text)
  }
  const bare = term
    .replace(/^\((.*)\)$/, "$1") // "(-o, --output text)" → "-o, --output text"
    .replace(/( \d+\+| \d+ - \d+|\.\.\.)$/, "") // repetition markers
    .replace(/ \| /g, "|")
    // "--timeout text" → "--timeout TIMEOUT", "--keep-last integer" → "--keep-last N"
    .replace(/^(.*--([a-z0-9-]+)) (text|integer|float|directory|file|date)$/, (_, head: string, name: string, type: string) =>
      `${head} ${PLACEHOLDERS[type] ?? name.toUpperCase()}`)
  return { term: bare, description: own.join(" "), optional, repeated, flag, defaultValue }
}

const pageOf = (doc: HelpDoc.HelpDoc): Page => {
  const page: Page = { description: "", args: [], options: [] }
  let section = ""
  const descriptions: Array<string> = []
  const walk = (node: HelpDoc.HelpDoc): void => {
    switch (node._tag) {
      case "Sequence":
        walk(node.left)
        walk(node.right)
        return
      case "Header":
        section = spanText(node.value)
        return
      case "Paragraph":
        if (section === "DESCRIPTION") descriptions.push(spanText(node.value))
        return
      case "DescriptionList":
        for (const [term, body] of node.definitions) {
          const item = itemOf(spanText(term), body)
          if (section === "ARGUMENTS") page.args.push(item)
          else if (section === "OPTIONS") page.options.push(item)
        }
        return
      default:
        return
    }
  }
  walk(doc)
  return { ...page, description: descriptions.join(" ") }
}

// ---------------------------------------------------------------------------------------------
// Rendering

const usageOf = (item: Item): string => {
  // "-o, --output text" → "-o text" would lose the long name; the usage line keeps the long form.
  const term = item.term.includes(", ") ? item.term.slice(item.term.lastIndexOf(", ") + 2) : item.term
  if (item.repeated) return item.optional ? `[${term}]...` : `${term}...`
  return item.optional ? `[${term}]` : term
}

const table = (rows: ReadonlyArray<readonly [string, string]>): Array<string> => {
  const width = Math.min(32, Math.max(0, ...rows.map(([left]) => left.length)))
  return rows.map(([left, right]) =>
    right === "" ? `  ${left}` : left.length > width ? `  ${left}\n  ${" ".repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`
  )
}

/** What the description does not already say: repeatable, a default, required (options only). */
const notes = (item: Item, kind: "argument" | "option"): string => {
  const parts: Array<string> = []
  if (item.repeated && !item.description.includes("repeatable")) parts.push(kind === "argument" ? "one or more" : "repeatable")
  if (item.defaultValue !== undefined && !item.flag && !item.description.includes("default")) parts.push(`default ${item.defaultValue}`)
  if (kind === "option" && !item.optional && !item.flag) parts.push("required")
  if (kind === "argument" && item.optional) parts.push("optional")
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`
}

/** The root command: its description and global options, read from its @effect/cli help. */
export interface RootEntry {
  readonly version: string
  readonly help: () => HelpDoc.HelpDoc
}

const BUILT_IN_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ["-h, --help", "Show help (pipeline <command> --help for a command)"],
  ["--version", "Print the version"]
]

/** `pipeline --help`: every command with its full path and description, then the global options. */
export const rootHelp = (tree: ReadonlyArray<CommandEntry>, root: RootEntry): string => {
  const page = pageOf(root.help())
  const rows: Array<readonly [string, string]> = []
  for (const entry of tree) {
    if (entry.children.length === 0) rows.push([entry.name, pageOf(entry.help()).description])
    else for (const child of entry.children) rows.push([`${entry.name} ${child.name}`, pageOf(child.help()).description])
  }
  return [
    `pipeline ${root.version}: ${page.description}`,
    "",
    "usage: pipeline [--store DIR] [--json] [--quiet] <command> [options] [arguments]",
    "",
    "Commands:",
    ...table(rows),
    "",
    "Global options (anywhere on the command line):",
    ...table([...page.options.map((item) => [item.term, item.description] as const), ...BUILT_IN_OPTIONS]),
    "",
    "pipeline <command> --help shows a command's options and arguments."
  ].join("\n")
}

/** The help page of the command at `path` (names from the root, e.g. ["experiments", "show"]). */
export const commandHelp = (path: ReadonlyArray<string>, entry: CommandEntry): string => {
  const page = pageOf(entry.help())
  const full = `pipeline ${path.join(" ")}`
  if (entry.children.length > 0) {
    return [
      `usage: ${full} <command> …`,
      "",
      page.description,
      "",
      "Commands:",
      ...table(entry.children.map((child) => [`${full} ${child.name}`, pageOf(child.help()).description] as const)),
      "",
      `${full} <command> --help shows a command's options and arguments.`
    ].join("\n")
  }
  const usage = [full, ...page.options.map(usageOf), ...page.args.map(usageOf)].join(" ")
  const lines = [`usage: ${usage}`, "", page.description]
  if (page.args.length > 0) {
    lines.push("", "Arguments:", ...table(page.args.map((item) => [item.term, item.description + notes(item, "argument")] as const)))
  }
  if (page.options.length > 0) {
    lines.push("", "Options:", ...table(page.options.map((item) => [item.term, item.description + notes(item, "option")] as const)))
  }
  lines.push("", "Global options (--store DIR, --json, --quiet, …): pipeline --help.")
  return lines.join("\n")
}

// ---------------------------------------------------------------------------------------------
// Before parsing

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
export const editDistance = (a: string, b: string): number => {
  const d: Array<Array<number>> = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1)
      d[i]![j] = best
    }
  }
  return d[a.length]![b.length]!
}

/** The name `typed` most likely meant: within 2 edits (or a prefix of one name), else undefined. */
export const closestName = (typed: string, names: ReadonlyArray<string>): string | undefined => {
  const lower = typed.toLowerCase()
  const prefixed = names.filter((name) => lower.length >= 2 && name.startsWith(lower))
  if (prefixed.length === 1) return prefixed[0]
  let best: string | undefined
  let bestDistance = Infinity
  for (const name of names) {
    const distance = editDistance(lower, name)
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  return bestDistance <= Math.min(2, Math.max(1, Math.floor(lower.length / 2))) ? best : undefined
}

/** Built-in options (before any subcommand) whose value is the next argument. */
const BUILT_IN_TAKING_VALUE = ["--log-level", "--completions"]

/** The long names of the root's options that take a value (`--store DIR`). */
const rootOptionsTakingValue = (root: RootEntry): Set<string> =>
  new Set([
    ...BUILT_IN_TAKING_VALUE,
    ...pageOf(root.help()).options.filter((item) => !item.flag).map((item) => item.term.split(" ")[0]!)
  ])

export type Preflight =
  | { readonly _tag: "Help"; readonly text: string }
  | { readonly _tag: "Invalid"; readonly error: UsageError }
  | { readonly _tag: "Parse" }

/**
 * What to do with `args` (global options already hoisted, node and script excluded) before
 * @effect/cli parses them: print a help page, refuse them, or parse them.
 */
export const preflight = (
  args: ReadonlyArray<string>,
  tree: ReadonlyArray<CommandEntry>,
  root: RootEntry
): Preflight => {
  const end = args.indexOf("--")
  const before = end === -1 ? args : args.slice(0, end)
  if (before.includes("--wizard")) {
    return { _tag: "Invalid", error: new UsageError({ reason: "unknown option --wizard (pipeline --help lists the options)" }) }
  }
  const positional: Array<string> = []
  let takesValue: Set<string> | undefined
  for (let i = 0; i < before.length; i++) {
    const arg = before[i]!
    if (arg.startsWith("-")) {
      if (positional.length === 0 && (takesValue ??= rootOptionsTakingValue(root)).has(arg)) i++
      continue
    }
    positional.push(arg)
  }
  const help = before.includes("--help") || before.includes("-h")
  // Walk down the tree along the leading positional arguments.
  const path: Array<string> = []
  let level = tree
  let entry: CommandEntry | undefined
  for (const word of positional) {
    if (entry !== undefined && entry.children.length === 0) break
    const next = level.find((candidate) => candidate.name === word)
    if (next === undefined) {
      const names = level.map((candidate) => candidate.name)
      const typed = [...path, word].join(" ")
      const guess = closestName(word, names)
      const where = path.length === 0 ? "pipeline --help" : `pipeline ${path.join(" ")} --help`
      return {
        _tag: "Invalid",
        error: new UsageError({
          reason: guess === undefined
            ? `unknown command '${typed}'; the commands are: ${names.join(", ")} (${where})`
            : `unknown command '${typed}': did you mean '${[...path, guess].join(" ")}'? (${where})`
        })
      }
    }
    path.push(word)
    entry = next
    level = next.children
  }
  if (!help) {
    const unknown = entry === undefined || entry.children.length > 0 ? undefined : unknownOption(before, path, entry, root)
    return unknown === undefined ? { _tag: "Parse" } : { _tag: "Invalid", error: unknown }
  }
  return { _tag: "Help", text: entry === undefined ? rootHelp(tree, root) : commandHelp(path, entry) }
}

/** Options every command accepts besides its own and the root's. */
const ACCEPTED_EVERYWHERE = ["--help", "-h", "--version", ...BUILT_IN_TAKING_VALUE]

/** `-o, --output FILE` → [-o, --output]. */
const optionNames = (item: Item): Array<string> =>
  item.term.split(/[ ,|]+/).filter((word) => word.startsWith("-"))

/**
 * An option after the command's path that neither the command nor the root knows, as a usage error
 * naming it (with the closest known name). @effect/cli's own message for it names another argument
 * (`run --bogus x.json` is "Received unknown argument: 'x.json'").
 */
const unknownOption = (
  args: ReadonlyArray<string>,
  path: ReadonlyArray<string>,
  entry: CommandEntry,
  root: RootEntry
): UsageError | undefined => {
  // Skip to the command's own arguments: the root's options and the path's words come first.
  let start = 0
  let matched = 0
  let rootTakingValue: Set<string> | undefined
  while (start < args.length && matched < path.length) {
    const arg = args[start]!
    if (arg.startsWith("-")) {
      if ((rootTakingValue ??= rootOptionsTakingValue(root)).has(arg)) start++
    } else matched++
    start++
  }
  const rest = args.slice(start)
  if (!rest.some((arg) => arg.startsWith("-") && arg.length > 1)) return undefined
  const own = pageOf(entry.help()).options
  const ownNames = new Map(own.flatMap((item) => optionNames(item).map((name) => [name, item] as const)))
  const rootItems = pageOf(root.help()).options
  const rootNames = new Map(rootItems.flatMap((item) => optionNames(item).map((name) => [name, item] as const)))
  const known = new Set([...ownNames.keys(), ...rootNames.keys(), ...ACCEPTED_EVERYWHERE])
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    // A lone "-" is an argument (stdin); a negative number may be an option's value.
    if (!arg.startsWith("-") || arg.length === 1 || /^-\d/.test(arg)) continue
    const name = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg
    const item = ownNames.get(name) ?? rootNames.get(name)
    if (item !== undefined) {
      if (!item.flag && !arg.includes("=")) i++ // its value
      continue
    }
    if (known.has(name)) continue
    const command = `pipeline ${path.join(" ")}`
    const guess = closestName(name.replace(/^-+/, ""), [...ownNames.keys()].filter((n) => n.startsWith("--")).map((n) => n.slice(2)))
    return new UsageError({
      reason: `unknown option ${name} for '${command}'${guess === undefined ? "" : `: did you mean --${guess}?`} (${command} --help)`
    })
  }
  return undefined
}
