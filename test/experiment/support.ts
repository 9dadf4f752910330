/** Layers for experiment integration tests: the real filesystem store in a temp dir. */
import { Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DuckWorkspace } from "../../nodes/duckdb/index.js"
import { RunEnvironment } from "../../nodes/engine/index.js"
import { ExperimentTracker, ProcessLiveness, StoreLive } from "../../store/index.js"

export const tempStore = (prefix = "pipeline-test-") => {
  const root = mkdtempSync(join(tmpdir(), prefix))
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

export const storeLayer = (root: string) =>
  Layer.mergeAll(
    StoreLive.layer(root),
    ExperimentTracker.layerFileSystem(root).pipe(Layer.provide(ProcessLiveness.layerNode)),
    ProcessLiveness.layerNode,
    RunEnvironment.unknown,
    DuckWorkspace.layer
  )
