/**
 * Rendering the executor's events as progress on stderr (never with --quiet or --json).
 *
 * On a terminal (`live`): one line per node, updated in place — the block of lines is redrawn
 * by moving the cursor up over it (`ESC[nA`) and erasing each line (`\r ESC[2K`), so nothing
 * scrolls — with done/total, elapsed time, rate and ETA where a total is known; a finished node's
 * line reads as in the summary (`miss  simulate  420ms`, `hit   validate`). When stderr is not a
 * terminal (or TERM=dumb) (`plain`): one line when a node starts, finishes or hits, and a
 * progress line at most every few seconds (and at 100%), never a control character. A resource
 * (the projection) that no node needed is never built, so no event names it: when such a run
 * succeeds, its plain lines end with `hit   <resource>`, as its summary reads.
 */
import { Effect } from "effect"
import { formatBytes, formatDuration } from "../nodes/report/Format.js"
import type { SweepProgress } from "../nodes/sweep/index.js"
import type { ExecutorEvent } from "../pipeline/index.js"

const grouped = (n: number) => n.toLocaleString("en-US")

/** `1,048,576/87,000,037 bytes loaded (1%)`. */
export const progressText = (done: number, total: number, unit: string): string =>
  `${grouped(done)}/${grouped(total)} ${unit}${total > 0 ? ` (${Math.floor((done / total) * 100)}%)` : ""}`

/** Where progress goes: stderr, or a fake terminal in tests. */
export interface ProgressWriter {
  /** True for a terminal that understands cursor movement. */
  readonly live: boolean
  /** Terminal width (lines are cut to fit, so none wraps); undefined when unknown. */
  readonly columns: () => number | undefined
  readonly write: (text: string) => void
}

/** stderr; live when it is a terminal and TERM is not `dumb`. */
export const stderrWriter = (): ProgressWriter => ({
  live: process.stderr.isTTY === true && process.env.TERM !== "dumb",
  columns: () => process.stderr.columns,
  write: (text) => void process.stderr.write(text)
})

/** `12.3 MiB/s` for bytes, `1,234 rows/s` otherwise (a trailing participle dropped: "rows validated"). */
export const rateText = (perSecond: number, unit: string): string => {
  const words = unit.split(" ")
  const base = words.length > 1 && /ed$/.test(words[words.length - 1]!) ? words.slice(0, -1).join(" ") : unit
  if (base === "bytes") return `${formatBytes(perSecond)}/s`
  return `${grouped(Math.round(perSecond))} ${base}/s`
}

interface Line {
  readonly name: string
  startedAt: number
  /** `running` until finished; then the final text. */
  state: "running" | "done"
  text: string
  done?: number
  total?: number
  unit?: string
  /** First progress sample of the current unit (for the rate). */
  firstAt?: number
  firstDone?: number
  /** Plain mode: the last text written for this line (nothing is written twice in a row). */
  printed?: string
}

/** How often a live block is redrawn while only counts change (a status change redraws at once). */
const LIVE_INTERVAL_MS = 100
/** How often a plain progress line is written for one node. */
const PLAIN_INTERVAL_MS = 5_000

export interface ProgressDisplay {
  readonly onEvent: (event: ExecutorEvent) => Effect.Effect<void>
  readonly onSweepProgress: (progress: SweepProgress) => Effect.Effect<void>
  /** Ends the display: a successful run erases its live block (the summary follows). */
  readonly finish: (erase: boolean) => Effect.Effect<void>
}

const noDisplay: ProgressDisplay = {
  onEvent: () => Effect.void,
  onSweepProgress: () => Effect.void,
  finish: () => Effect.void
}

/** Calls `redraw` every so often until the returned function is called. */
export type Ticker = (redraw: () => void) => () => void

/** Every 500 ms, without keeping the process alive. */
export const intervalTicker: Ticker = (redraw) => {
  const timer = setInterval(redraw, 500)
  timer.unref()
  return () => clearInterval(timer)
}

/**
 * A progress display writing to `writer`; a no-op when `enabled` is false (--quiet or --json).
 * `now` is the clock (tests pass a fake one). With a `ticker` (only for callers that always call
 * `finish`), a live block is also redrawn between events, so elapsed times and ETAs keep moving
 * while a node reports nothing.
 */
export const makeProgress = (
  enabled: boolean,
  writer: ProgressWriter = stderrWriter(),
  now: () => number = Date.now,
  ticker?: Ticker
): ProgressDisplay => {
  if (!enabled) return noDisplay
  const lines: Array<Line> = []
  const byName = new Map<string, Line>()
  let drawn = 0
  let lastDraw = 0
  const lastPlain = new Map<string, number>()
  /** The resource nodes of the plan (only they can end a run without any event). */
  const resources = new Set<string>()
  /** Nodes that missed and did not run (yet): in a dry run they never do. */
  const notRun = new Set<string>()

  const lineOf = (name: string): Line => {
    let line = byName.get(name)
    if (line === undefined) {
      line = { name, startedAt: now(), state: "running", text: "running" }
      byName.set(name, line)
      lines.push(line)
    }
    return line
  }

  const runningText = (line: Line): string => {
    // Elapsed time once it is worth reading.
    const elapsedMs = now() - line.startedAt
    const elapsed = elapsedMs >= 1000 ? [formatDuration(elapsedMs)] : []
    if (line.done === undefined || line.total === undefined || line.unit === undefined) {
      return ["running", ...elapsed].join(", ")
    }
    const parts = [progressText(line.done, line.total, line.unit), ...elapsed]
    const seconds = line.firstAt === undefined ? 0 : (now() - line.firstAt) / 1000
    const rate = seconds >= 0.2 ? (line.done - (line.firstDone ?? 0)) / seconds : 0
    if (rate > 0) {
      parts.push(rateText(rate, line.unit))
      if (line.done < line.total) parts.push(`ETA ${formatDuration(((line.total - line.done) / rate) * 1000)}`)
    }
    return parts.join(", ")
  }

  const render = (line: Line): string => (line.state === "done" ? line.text : `  … ${line.name} ${runningText(line)}`)

  const fit = (text: string): string => {
    const columns = writer.columns()
    return columns !== undefined && columns > 1 && text.length >= columns ? `${text.slice(0, columns - 2)}…` : text
  }

  /** Redraws the block in place: up over what was drawn, each line erased and rewritten. */
  const draw = (force: boolean) => {
    const t = now()
    if (!force && t - lastDraw < LIVE_INTERVAL_MS) return
    lastDraw = t
    let out = drawn > 0 ? `\x1b[${drawn}A` : ""
    for (const line of lines) out += `\r\x1b[2K${fit(render(line))}\n`
    writer.write(out)
    drawn = lines.length
  }

  const plain = (text: string) => writer.write(`${text}\n`)

  // A line still moving: running, and not resting at the end of a step.
  const moving = (line: Line) => line.state === "running" && (line.done === undefined || line.done < (line.total ?? 0))
  const stopTicker = writer.live && ticker !== undefined
    ? ticker(() => {
      if (lines.some(moving)) draw(true)
    })
    : () => {}

  /**
   * Applies `change` to the node's line and shows it. `change` says whether the update is notable:
   * `status` (started, finished) and `step` (a step complete) are shown at once in both modes, a
   * new step at once on a terminal only; anything else at most every interval.
   */
  const update = (name: string, change: (line: Line) => "status" | "step" | "new" | undefined) =>
    Effect.sync(() => {
      const line = lineOf(name)
      const kind = change(line)
      if (writer.live) return draw(kind !== undefined)
      const notable = kind === "status" || kind === "step"
      const t = now()
      const last = lastPlain.get(name)
      if (line.state === "done" || notable || last === undefined || t - last >= PLAIN_INTERVAL_MS) {
        const text = render(line)
        if (text === line.printed) return
        lastPlain.set(name, t)
        line.printed = text
        plain(text)
      }
    })

  const finished = (name: string, text: string) =>
    update(name, (line) => {
      line.state = "done"
      line.text = text
      return "status"
    })

  /** A progress sample; notable when it starts a new step (unit) or completes one. */
  const sample = (line: Line, done: number, total: number, unit: string): "step" | "new" | undefined => {
    const newStep = line.unit !== unit || line.firstAt === undefined
    if (newStep) {
      line.unit = unit
      line.firstAt = now()
      line.firstDone = done
    }
    const completes = done === total && line.done !== done
    line.done = done
    line.total = total
    return completes ? "step" : newStep ? "new" : undefined
  }

  const onEvent = (event: ExecutorEvent): Effect.Effect<void> => {
    // A sweep's batches report through the sweep's own progress line.
    if ("node" in event && event.node.name === "sweep-batch") return Effect.void
    switch (event._tag) {
      case "Planned":
        return Effect.sync(() => {
          for (const planned of event.nodes) if (planned.kind === "resource") resources.add(planned.name)
        })
      case "Miss":
        return Effect.sync(() => void notRun.add(event.node.name))
      case "Started":
        return update(event.node.name, (line) => {
          notRun.delete(event.node.name)
          line.startedAt = now()
          return "status"
        })
      case "Progress":
        return update(event.node.name, (line) => sample(line, event.done, event.total, event.unit))
      case "Hit":
        return finished(event.node.name, `  hit   ${event.node.name}`)
      case "Finished":
        return Effect.zipRight(
          Effect.sync(() => void notRun.delete(event.node.name)),
          finished(event.node.name, `  miss  ${event.node.name}  ${formatDuration(event.durationMs)}`)
        )
      case "ResourceAcquired":
        return finished(event.node.name, `  miss  ${event.node.name}  ${formatDuration(event.durationMs)}  (built)`)
      case "Failed":
        return finished(event.node.name, `  ✗ ${event.node.name} failed`)
      default:
        return Effect.void
    }
  }

  const onSweepProgress = (progress: SweepProgress): Effect.Effect<void> =>
    update("sweep", (line) => sample(line, progress.done, progress.total, "variants"))

  const finish = (erase: boolean) =>
    Effect.sync(() => {
      stopTicker()
      // A resource nothing built in a run that ran every miss was a hit (not so in a dry run's plan).
      if (erase && !writer.live && notRun.size === 0) {
        for (const name of resources) if (!byName.has(name)) plain(`  hit   ${name}`)
      }
      if (!writer.live || drawn === 0) return
      if (erase) {
        writer.write(`\x1b[${drawn}A\r\x1b[J`)
        drawn = 0
      } else {
        draw(true)
      }
    })

  return { onEvent, onSweepProgress, finish }
}

/**
 * An onEvent handler writing progress to stderr (live on a terminal, plain lines otherwise); a
 * no-op when `enabled` is false (`GlobalConfig.progress`: neither --quiet nor --json). Also
 * renders `pipeline import`'s progress, given as Progress events.
 */
export const progressRenderer = (enabled: boolean) => makeProgress(enabled).onEvent

/** The per-node lines of a finished run (kept here for the commands that print them). */
export { nodeLines } from "./RunSummary.js"
