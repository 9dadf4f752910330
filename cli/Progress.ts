/**
 * Rendering the executor's events: live progress lines on stderr (only when stderr is a TTY and
 * not --quiet/--json), and the per-node summary table printed after a run.
 */
import { Console, Effect } from "effect"
import type { SweepProgress } from "../nodes/sweep/index.js"
import type { ExecutorEvent, NodeReport } from "../pipeline/index.js"

const short = (digest: string) => digest.replace(/^blake3:/, "").slice(0, 12)

const missReason = (reason: NodeReport["reason"]): string => {
  if (reason === undefined) return ""
  switch (reason._tag) {
    case "Absent":
      return "not in cache"
    case "Forced":
      return "forced"
    case "ArtifactMissing":
      return `output ${reason.output}: artifact ${reason.artifactId} missing`
    case "ObjectMissing":
      return `output ${reason.output}: object ${short(reason.digest)} missing`
    case "ObjectCorrupt":
      return `output ${reason.output}: object ${short(reason.digest)} corrupt`
    case "EntryMalformed":
      return `cache entry malformed: ${reason.detail}`
  }
}

const grouped = (n: number) => n.toLocaleString("en-US")

/** `1,048,576/87,000,037 bytes loaded (1%)`. */
export const progressText = (done: number, total: number, unit: string): string =>
  `${grouped(done)}/${grouped(total)} ${unit}${total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : ""}`

/**
 * An onEvent handler writing progress to stderr; a no-op when `enabled` is false (`GlobalConfig.progress`:
 * stderr is a TTY and neither --quiet nor --json was given). Also renders `pipeline import`'s
 * progress, given as Progress events.
 */
export const progressRenderer = (enabled: boolean) => (event: ExecutorEvent): Effect.Effect<void> => {
  if (!enabled) return Effect.void
  // A sweep's batches report through the sweep's own progress line.
  if ("node" in event && event.node.name === "sweep-batch") return Effect.void
  switch (event._tag) {
    case "Started":
      return Console.error(`  … ${event.node.name} running`)
    case "Progress":
      return Console.error(`  … ${event.node.name} ${progressText(event.done, event.total, event.unit)}`)
    case "ResourceAcquired":
      return Console.error(`  … ${event.node.name} ready (${event.durationMs} ms)`)
    case "Failed":
      return Console.error(`  ✗ ${event.node.name} failed`)
    default:
      return Effect.void
  }
}

/** One line per node: status, name, time, key, and why it missed. */
export const nodeLines = (nodes: ReadonlyArray<NodeReport>): Array<string> => {
  const width = Math.max(...nodes.map((n) => n.node.name.length), 4)
  return nodes.map((node) => {
    const status = node.cache === "resource"
      ? (node.acquired ? "built" : "skip ")
      : node.cache === "hit"
      ? "hit  "
      : "miss "
    const reason = node.cache === "miss" ? `  (${missReason(node.reason)})` : ""
    const time = node.cache === "hit" ? "" : `${node.durationMs} ms`
    return `${status} ${node.node.name.padEnd(width)}  ${time.padStart(9)}  ${short(node.key)}${reason}`
  })
}

/**
 * A sweep's progress on stderr (same conditions as {@link progressRenderer}): variants done of
 * total, the evaluation rate and an ETA, at most every 500 ms and at the end.
 */
export const sweepProgressRenderer = (enabled: boolean) => {
  let startedAt: number | undefined
  let firstDone = 0
  let lastShown = 0
  return (progress: SweepProgress): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (!enabled) return Effect.void
      const now = Date.now()
      if (startedAt === undefined) {
        startedAt = now
        firstDone = progress.done
      }
      const finished = progress.done === progress.total
      if (!finished && now - lastShown < 500) return Effect.void
      lastShown = now
      const seconds = (now - startedAt) / 1000
      const rate = seconds > 0 ? (progress.done - firstDone) / seconds : 0
      const eta = rate > 0 && !finished ? `, ETA ${Math.ceil((progress.total - progress.done) / rate)} s` : ""
      return Console.error(
        `  … sweep ${progressText(progress.done, progress.total, "variants")}` +
          `${rate > 0 ? `, ${rate.toFixed(1)} variants/s` : ""}${eta}`
      )
    })
}
