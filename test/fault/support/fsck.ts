/**
 * Consistency assertions: the tests' own checker (storeCheck.ts, independent of the store's code)
 * plus the store's `fsck` — in process after each fault (cheap), and as `pipeline fsck --json` at
 * the end of a scenario (the command a user runs).
 */
import { Effect, Layer } from "effect"
import { expect } from "vitest"
import { ExperimentTracker, fsck, ProcessLiveness, StoreLive } from "../../../store/index.js"
import { parseJson, pipeline, show } from "./cli.js"
import { checkStore } from "./storeCheck.js"

const layer = (root: string) =>
  Layer.mergeAll(StoreLive.layer(root), ExperimentTracker.layerFileSystem(root).pipe(Layer.provide(ProcessLiveness.layerNode)))

/** The store's own fsck, in this process: its problems as `kind id: problem: detail`. */
export const fsckProblems = (root: string): Promise<Array<string>> =>
  Effect.runPromise(
    fsck().pipe(
      Effect.map((report) => report.problems.map((p) => `${p.kind} ${p.id}: ${p.problem}: ${p.detail} [${p.path}]`)),
      Effect.provide(layer(root))
    )
  )

/** Both checkers find nothing wrong. */
export const expectConsistent = async (root: string, context = ""): Promise<void> => {
  expect(checkStore(root), `checker ${context}`).toEqual([])
  expect(await fsckProblems(root), `fsck ${context}`).toEqual([])
}

/** `pipeline fsck --json --store root` exits 0 and reports no problem. */
export const expectFsckCli = async (root: string): Promise<any> => {
  const result = await pipeline(["fsck", "--json", "--store", root])
  expect(result.code, show(result)).toBe(0)
  const report = parseJson(result)
  expect(report.ok).toBe(true)
  expect(report.problems).toEqual([])
  return report
}
