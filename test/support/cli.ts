/**
 * Spawning the real `pipeline` CLI (`node bin/pipeline.js …`) from tests.
 *
 * `runCli` waits for the exit and returns the exit code and both outputs; `spawnCli` returns the
 * child process itself, for tests that send signals or read output as it comes.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as NodePath from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root (where package.json and bin/ are). */
export const repoRoot = NodePath.resolve(NodePath.dirname(fileURLToPath(import.meta.url)), "..", "..")
export const binPath = NodePath.join(repoRoot, "bin", "pipeline.js")

export interface CliOptions {
  /** Working directory of the child (default: the repository root). */
  readonly cwd?: string
  /**
   * Variables added to (or, with `undefined`, removed from) the parent's environment.
   * PIPELINE_STORE, PIPELINE_CATALOG and PIPELINE_REMOTE are removed unless given here, so a developer's own store
   * or catalog is never used.
   */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Kill the child (SIGKILL) and reject after this many ms (default 60 000). */
  readonly timeout?: number
  /** Written to the child's stdin, which is then closed (default: stdin closed at once). */
  readonly input?: string | Uint8Array
}

export interface CliResult {
  /** The exit code, or null when the child was ended by a signal. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

const childEnv = (env: CliOptions["env"]): NodeJS.ProcessEnv => {
  const merged: NodeJS.ProcessEnv = { ...process.env, PIPELINE_STORE: undefined, PIPELINE_CATALOG: undefined, PIPELINE_REMOTE: undefined, NO_COLOR: "1" }
  for (const [key, value] of Object.entries(env ?? {})) merged[key] = value
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key]
  return merged
}

/** Starts `node bin/pipeline.js …args`, with stdio piped. The caller owns the child. */
export const spawnCli = (args: ReadonlyArray<string>, options: Omit<CliOptions, "timeout" | "input"> = {}): ChildProcess =>
  spawn(process.execPath, [binPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: childEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"]
  })

/** Collects a child's stdout/stderr until it exits. */
export const waitForExit = (child: ChildProcess, timeout = 60_000): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`pipeline did not exit within ${timeout} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, timeout)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    // "close" (not "exit"): both pipes are drained by then.
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })

/** Runs `pipeline …args` to completion. */
export const runCli = (args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliResult> => {
  const child = spawnCli(args, options)
  const done = waitForExit(child, options.timeout)
  child.stdin?.on("error", () => {}) // EPIPE when the child exits without reading its input
  child.stdin?.end(options.input)
  return done
}
