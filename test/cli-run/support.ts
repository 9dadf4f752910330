/**
 * Shared by the process-level tests of run / verify / explain: small synthetic definitions written
 * into a temp dir, a snapshot of a store's tree (paths + sizes), and `--json` parsing.
 */
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { expect } from "vitest"
import { type CliResult, runCli } from "../support/cli.js"

export interface Workspace {
  readonly dir: string
  readonly store: string
  /** Writes `definition` as JSON to `<dir>/<name>` and returns the path. */
  readonly write: (name: string, definition: unknown) => string
  /** `pipeline --store <store> …args` */
  readonly cli: (args: ReadonlyArray<string>, timeout?: number) => Promise<CliResult>
  readonly cleanup: () => void
}

export const workspace = (prefix: string): Workspace => {
  const dir = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), prefix))
  const store = NodePath.join(dir, "store")
  return {
    dir,
    store,
    write: (name, definition) => {
      const path = NodePath.join(dir, name)
      NodeFs.writeFileSync(path, typeof definition === "string" ? definition : JSON.stringify(definition, null, 2))
      return path
    },
    cli: (args, timeout = 90_000) => runCli(["--store", store, ...args], { cwd: dir, timeout }),
    cleanup: () => {
      // Objects are read-only; their directories are not, so rm works.
      NodeFs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** A small synthetic experiment (10 tokens × 1 day by default); override any field. */
export const smallDefinition = (overrides: {
  readonly name?: string
  readonly seed?: number
  readonly tokens?: number
  readonly days?: number
  readonly multiple?: number
  readonly slippageJitterBps?: number
} = {}) => {
  const days = overrides.days ?? 1
  return {
    name: overrides.name ?? "small",
    seed: overrides.seed ?? 42,
    inputs: { synthetic: { tokens: overrides.tokens ?? 10, days, seed: 7 } },
    dateRange: {
      from: "2024-01-01T00:00:00Z",
      to: new Date(Date.parse("2024-01-01T00:00:00Z") + days * 86_400_000).toISOString()
    },
    strategy: {
      entry: { delayCandles: 1 },
      exit: {
        targets: [{ multiple: overrides.multiple ?? 2, fraction: 0.5 }, { multiple: 4, fraction: 0.5 }],
        maxHoldCandles: 720
      },
      stopLoss: { pct: 0.25 },
      trailing: { activation: 0.5, pct: 0.2 },
      costs: { feeBps: 25, slippageBps: 15, slippageJitterBps: overrides.slippageJitterBps ?? 0 },
      sizing: { notional: 10, initialCapital: 1000 }
    }
  }
}

/** Every file under `root` (relative path → size), sorted; directories are implied. */
export const snapshotTree = (root: string, only?: ReadonlyArray<string>): Record<string, number> => {
  const out: Record<string, number> = {}
  const walk = (dir: string) => {
    let entries: Array<NodeFs.Dirent>
    try {
      entries = NodeFs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = NodePath.join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else out[NodePath.relative(root, path)] = NodeFs.statSync(path).size
    }
  }
  for (const sub of only ?? [""]) walk(NodePath.join(root, sub))
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)))
}

/** Parses the one JSON document a `--json` command printed, failing with its stderr otherwise. */
export const parseJson = (result: CliResult): any => {
  try {
    return JSON.parse(result.stdout)
  } catch {
    expect.fail(`stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
}

/** Asserts the exit code, showing both outputs when it differs. */
export const expectExit = (result: CliResult, code: number) => {
  if (result.code !== code) {
    expect.fail(`expected exit ${code}, got ${result.code} (signal ${result.signal})\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
}
