/** Help pages rendered in process from the real command tree (every page), and the name guesser. */
import { describe, expect, it } from "vitest"
import packageJson from "../../package.json" with { type: "json" }
import { subcommands } from "../../cli/Cli.js"
import { root } from "../../cli/GlobalOptions.js"
import { closestName, commandTree, helpOf, preflight } from "../../cli/Help.js"

const tree = commandTree(subcommands)
const rootEntry = { version: packageJson.version, help: () => helpOf(root) }
const helpFor = (path: ReadonlyArray<string>): string => {
  const outcome = preflight([...path, "--help"], tree, rootEntry)
  if (outcome._tag !== "Help") throw new Error(`no help for ${path.join(" ")}: ${outcome._tag}`)
  return outcome.text
}
const paths: Array<Array<string>> = [[], ...tree.flatMap((entry) => [[entry.name], ...entry.children.map((child) => [entry.name, child.name])])]

/** Sentences @effect/cli adds to every option and built-ins that mean nothing here. */
const BOILERPLATE = [
  "A user-defined piece of text",
  "A true or false value",
  "An integer.",
  "This setting is optional",
  "This option may be repeated",
  "This argument must be repeated",
  "One of the following:",
  "set from environment variables",
  "--wizard",
  "--completions",
  "--log-level",
  "DESIGN.md",
  "STYLE.md",
  "STACK.md",
  "../shared"
]

describe("help pages", () => {
  it("every page: no boilerplate, no --wizard, cites no document outside the repository", () => {
    expect(paths.length).toBeGreaterThan(15)
    for (const path of paths) {
      const text = helpFor(path)
      for (const phrase of BOILERPLATE) expect(text, `pipeline ${path.join(" ")} --help`).not.toContain(phrase)
    }
  })

  it("a command's usage line has its full path; optional and repeatable options are bracketed", () => {
    for (const path of paths.filter((p) => p.length > 0)) {
      expect(helpFor(path).split("\n")[0], path.join(" ")).toMatch(new RegExp(`^usage: pipeline ${path.join(" ")}( |$)`))
    }
    const alerts = helpFor(["import", "alerts"]).split("\n")[0]
    expect(alerts).toContain("[--tag TAG]...")
    expect(alerts).toContain("[--chain CHAIN]")
    expect(alerts).toMatch(/ <file>\.\.\.$/)
    expect(helpFor(["run"]).split("\n")[0]).toBe(
      "usage: pipeline run [--dry-run] [--timeout TIMEOUT] [--concurrency N] [--workers N|remote] [--batch-size N] <definition.json>"
    )
    expect(helpFor(["experiments", "show"])).toContain("usage: pipeline experiments show")
    // A group lists its commands with their full paths.
    expect(helpFor(["experiments"])).toMatch(/^ {2}pipeline experiments list +List experiments/m)
    // The root page lists every command with its path, and the global options.
    const top = helpFor([])
    expect(top).toMatch(/^ {2}artifacts lineage +Show what an artifact/m)
    expect(top).toMatch(/^ {2}--store DIR +The store directory/m)
  })

  it("-h anywhere before -- shows the deepest command named", () => {
    expect(preflight(["run", "def.json", "-h"], tree, rootEntry)).toMatchObject({ _tag: "Help", text: expect.stringMatching(/^usage: pipeline run /) })
    expect(preflight(["--store", "s", "artifacts", "show", "--help"], tree, rootEntry)).toMatchObject({
      _tag: "Help",
      text: expect.stringMatching(/^usage: pipeline artifacts show /)
    })
    expect(preflight(["hash", "--", "--help"], tree, rootEntry)).toEqual({ _tag: "Parse" })
  })

  it("a mistyped command is refused with the closest name; --wizard is an unknown option", () => {
    expect(preflight(["rnu", "x.json"], tree, rootEntry)).toMatchObject({
      _tag: "Invalid",
      error: { reason: "unknown command 'rnu': did you mean 'run'? (pipeline --help)" }
    })
    expect(preflight(["artifacts", "lineages", "art_1"], tree, rootEntry)).toMatchObject({
      error: { reason: expect.stringContaining("did you mean 'artifacts lineage'?") }
    })
    expect(preflight(["--store", "run", "xyzzy"], tree, rootEntry)).toMatchObject({
      error: { reason: expect.stringContaining("unknown command 'xyzzy'; the commands are: run, sweep") }
    })
    expect(preflight(["run", "--wizard"], tree, rootEntry)).toMatchObject({ _tag: "Invalid" })
    expect(preflight(["run", "def.json"], tree, rootEntry)).toEqual({ _tag: "Parse" })
  })

  it("an option the command does not take is refused naming it (not the argument after it)", () => {
    expect(preflight(["run", "--bogus", "def.json"], tree, rootEntry)).toMatchObject({
      _tag: "Invalid",
      error: { reason: "unknown option --bogus for 'pipeline run' (pipeline run --help)" }
    })
    expect(preflight(["run", "def.json", "--dry-runn"], tree, rootEntry)).toMatchObject({
      error: { reason: "unknown option --dry-runn for 'pipeline run': did you mean --dry-run? (pipeline run --help)" }
    })
    expect(preflight(["--store", "s", "experiments", "show", "exp_1", "--definitoin"], tree, rootEntry)).toMatchObject({
      error: { reason: expect.stringContaining("for 'pipeline experiments show': did you mean --definition?") }
    })
    // The command's own options (a value given apart or with =, a value that starts with -), the
    // root's, the built-ins, and anything after -- are left to the parser.
    for (
      const args of [
        ["--store", "s", "run", "def.json", "--timeout", "10m", "--dry-run", "--concurrency=3", "--json"],
        ["run", "--timeout", "-5", "def.json"],
        ["report", "exp_1", "-o", "r.html", "--quiet"],
        ["hash", "--", "--weird"],
        ["run", "def.json", "--version"]
      ]
    ) expect(preflight(args, tree, rootEntry), args.join(" ")).toEqual({ _tag: "Parse" })
  })

  it("closestName: within two edits or a unique prefix", () => {
    const names = ["run", "sweep", "verify", "explain", "experiments", "report", "gc", "fsck", "import"]
    expect(closestName("rnu", names)).toBe("run")
    expect(closestName("expriments", names)).toBe("experiments")
    expect(closestName("expl", names)).toBe("explain")
    expect(closestName("verfiy", names)).toBe("verify")
    expect(closestName("zzz", names)).toBeUndefined()
    expect(closestName("ex", names)).toBeUndefined()
  })
})
