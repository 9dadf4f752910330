// The sweep worker's entry when running from the TypeScript sources (tsx, vitest): registers tsx
// in this thread, then loads the worker. The CLI bundle ships its own dist/sweep-worker.mjs.
import { register } from "tsx/esm/api"

register()
await import("./internal/worker.ts")
