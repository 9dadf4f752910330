import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Starts the servers tests talk to (PostgreSQL, an S3 API) once per run; fails the run if one cannot start.
    globalSetup: ["test/support/servers.ts"],
    // Process-level tests spawn the CLI and DuckDB; two cores, so keep parallelism modest.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 180_000,
    hookTimeout: 60_000
  }
})
