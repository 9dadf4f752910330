/** Layers for experiment integration tests: the real filesystem store in a temp dir. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { experimentLayer } from "../../nodes/runtime/index.js"

export const tempStore = (prefix = "pipeline-test-") => {
  const root = mkdtempSync(join(tmpdir(), prefix))
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

export const storeLayer = (root: string) => experimentLayer(root)
