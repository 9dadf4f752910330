/**
 * A throwaway PostgreSQL server for tests: `initdb` into a fresh temp directory, then `pg_ctl -w
 * start` on 127.0.0.1 and a free port, with fsync off (the data is discarded). When this process
 * runs as root the server runs as the `postgres` user (`runuser -u postgres --`), in a directory that
 * user owns. Missing binaries are an error naming what to install: tests never skip.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, local only). */
  readonly url: string
  readonly port: number
  /** The data directory (for restarting the server in a fault test). */
  readonly dataDir: string
  /** Stops the server now (`-m fast`) and starts it again on the same port. */
  readonly restart: () => void
  /** Stops the server (`-m immediate`) and removes its directory. */
  readonly stop: () => void
}

/** Where Debian's postgresql-NN packages put the server binaries; the newest version wins. */
const PG_ROOT = "/usr/lib/postgresql"

export const findPostgresBin = (): string => {
  const fromEnv = process.env.PIPELINE_TEST_PGBIN
  const candidates =
    fromEnv !== undefined && fromEnv !== ""
      ? [fromEnv]
      : (fs.existsSync(PG_ROOT) ? fs.readdirSync(PG_ROOT) : [])
        .filter((name) => /^[0-9]+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
        .map((name) => path.join(PG_ROOT, name, "bin"))
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, "initdb")) && fs.existsSync(path.join(dir, "pg_ctl")))
  if (found === undefined) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl) not found in ${fromEnv ?? `${PG_ROOT}/*/bin`}: ` +
        "install them (Debian: apt-get install postgresql-15; .ci/run does this) or set PIPELINE_TEST_PGBIN. " +
        "The PostgreSQL catalog tests do not skip."
    )
  }
  return found
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const isRoot = () => process.getuid?.() === 0

export const startPostgres = async (): Promise<PostgresServer> => {
  const bin = findPostgresBin()
  const root = isRoot()
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-pg-"))
  fs.chmodSync(base, 0o755)
  const dir = path.join(base, "pg")
  fs.mkdirSync(dir)
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
    fs.chownSync(dir, uid, gid)
  }
  const dataDir = path.join(dir, "data")
  const logFile = path.join(dir, "log")
  const run = (tool: string, args: ReadonlyArray<string>) => {
    const command = root ? "runuser" : path.join(bin, tool)
    const argv = root ? ["-u", "postgres", "--", path.join(bin, tool), ...args] : [...args]
    try {
      execFileSync(command, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: dir, timeout: 60_000 })
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? ""
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").slice(-2000) : ""
      throw new Error(`${tool} ${args.join(" ")} failed: ${stderr}${log === "" ? "" : `\nserver log:\n${log}`}`)
    }
  }
  const port = await freePort()
  run("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--no-locale"])
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=300"
  ].join(" ")
  const start = () => run("pg_ctl", ["-D", dataDir, "-l", logFile, "-w", "-t", "30", "-o", options, "start"])
  start()
  let stopped = false
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    restart: () => {
      run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"])
      start()
    },
    stop: () => {
      if (stopped) return
      stopped = true
      try {
        run("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"])
      } finally {
        fs.rmSync(base, { recursive: true, force: true })
      }
    }
  }
}
