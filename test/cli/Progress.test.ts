/**
 * The progress display (cli/Progress.ts) against a fake terminal: on a terminal each node keeps
 * one line, redrawn in place (cursor up over the block, each line erased) with rate and ETA, and a
 * successful run erases the block; otherwise plain lines, no control character, nothing repeated.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { makeProgress, type ProgressWriter, rateText, type Ticker } from "../../cli/Progress.js"
import type { ExecutorEvent } from "../../pipeline/index.js"

const key = `blake3:${"a".repeat(64)}` as any
const node = (name: string) => ({ name, identity: `x/${name}` })

const fakeTerminal = (live: boolean) => {
  const writes: Array<string> = []
  const writer: ProgressWriter = { live, columns: () => 80, write: (text) => void writes.push(text) }
  let clock = 0
  return { writes, writer, now: () => clock, advance: (ms: number) => (clock += ms) }
}

/** What a terminal shows after `writes`: cursor-up, carriage return, erase line / erase below. */
const screen = (writes: ReadonlyArray<string>): Array<string> => {
  const rows: Array<string> = [""]
  let row = 0
  let col = 0
  const text = writes.join("")
  for (let i = 0; i < text.length; i++) {
    const rest = text.slice(i)
    const esc = /^\x1b\[(\d*)([AJK])/.exec(rest)
    if (esc) {
      const n = esc[1] === "" ? 1 : Number(esc[1])
      if (esc[2] === "A") row = Math.max(0, row - n)
      if (esc[2] === "K") rows[row] = ""
      if (esc[2] === "J") rows.splice(row + 1), (rows[row] = rows[row]!.slice(0, col))
      i += esc[0].length - 1
      continue
    }
    const char = text[i]!
    if (char === "\r") col = 0
    else if (char === "\n") {
      row++
      col = 0
      if (rows.length <= row) rows.push("")
    } else {
      const line = rows[row]!
      rows[row] = line.slice(0, col) + char + line.slice(col + 1)
      col++
    }
  }
  return rows.filter((line, i) => line !== "" || i < rows.length - 1)
}

const send = (display: ReturnType<typeof makeProgress>, events: ReadonlyArray<ExecutorEvent>) =>
  Effect.runSync(Effect.forEach(events, display.onEvent, { discard: true }))

describe("progress on a terminal", () => {
  it("keeps one line per node, updated in place, with rate and ETA; a success erases the block", () => {
    const t = fakeTerminal(true)
    const display = makeProgress(true, t.writer, t.now)
    send(display, [{ _tag: "Hit", node: node("synthetic"), key }, { _tag: "Started", node: node("simulate"), key }])
    t.advance(1000)
    send(display, [{ _tag: "Progress", node: node("simulate"), done: 0, total: 1000, unit: "mints" }])
    t.advance(2000)
    send(display, [{ _tag: "Progress", node: node("simulate"), done: 500, total: 1000, unit: "mints" }])
    t.advance(10) // within the redraw interval: not drawn
    send(display, [{ _tag: "Progress", node: node("simulate"), done: 510, total: 1000, unit: "mints" }])
    t.advance(500)
    send(display, [{ _tag: "Progress", node: node("simulate"), done: 600, total: 1000, unit: "mints" }])

    expect(screen(t.writes)).toEqual([
      "  hit   synthetic",
      "  … simulate 600/1,000 mints (60%), 3.5s, 239 mints/s, ETA 1.7s"
    ])
    expect(t.writes.join("")).not.toContain("510/1,000")
    // Every redraw moves up over the block and rewrites it: the block never grows past its lines.
    const redraws = t.writes.filter((write) => write.startsWith("\x1b[2A"))
    expect(redraws.length).toBeGreaterThanOrEqual(2)
    for (const write of redraws) {
      expect(write.split("\n")).toHaveLength(3) // two lines, each ending in a newline
      expect(write.split("\r\x1b[2K")).toHaveLength(3) // each erased before it is written
    }

    send(display, [{ _tag: "Finished", node: node("simulate"), key, durationMs: 3600, outputs: {} }])
    expect(screen(t.writes)).toEqual(["  hit   synthetic", "  miss  simulate  3.6s"])
    Effect.runSync(display.finish(true))
    expect(screen(t.writes)).toEqual([])
  })

  it("with a ticker, a silent node's elapsed time keeps moving; the ticker stops at finish", () => {
    const t = fakeTerminal(true)
    let tick: (() => void) | undefined
    let stopped = false
    const ticker: Ticker = (redraw) => {
      tick = redraw
      return () => void (stopped = true)
    }
    const display = makeProgress(true, t.writer, t.now, ticker)
    send(display, [{ _tag: "Started", node: node("publish"), key }])
    t.advance(2500)
    tick!()
    expect(screen(t.writes)).toEqual(["  … publish running, 2.5s"])
    send(display, [{ _tag: "Finished", node: node("publish"), key, durationMs: 2600, outputs: {} }])
    const before = t.writes.length
    t.advance(1000)
    tick!() // nothing is moving: no redraw
    expect(t.writes.length).toBe(before)
    Effect.runSync(display.finish(true))
    expect(stopped).toBe(true)
  })

  it("a failed run keeps its block, and a long line is cut to the terminal's width", () => {
    const t = fakeTerminal(true)
    const display = makeProgress(true, { ...t.writer, columns: () => 20 }, t.now)
    send(display, [
      { _tag: "Started", node: node("a-very-long-node-name"), key },
      { _tag: "Failed", node: node("a-very-long-node-name"), key, error: "boom" }
    ])
    Effect.runSync(display.finish(false))
    const shown = screen(t.writes)
    expect(shown).toEqual(["  ✗ a-very-long-no…"])
    expect(shown[0]!.length).toBeLessThan(20)
  })
})

describe("progress when stderr is not a terminal", () => {
  it("plain lines: start, each step complete, finish; at most one progress line per interval; no control characters", () => {
    const t = fakeTerminal(false)
    const display = makeProgress(true, t.writer, t.now)
    send(display, [{ _tag: "Started", node: node("synthetic"), key }])
    for (let done = 0; done <= 50; done += 10) {
      t.advance(400)
      send(display, [{ _tag: "Progress", node: node("synthetic"), done, total: 50, unit: "tokens" }])
    }
    send(display, [
      { _tag: "Finished", node: node("synthetic"), key, durationMs: 2400, outputs: {} },
      { _tag: "ResourceAcquired", node: node("project"), key, durationMs: 250 },
      { _tag: "ResourceAcquired", node: node("project"), key, durationMs: 250 }
    ])
    Effect.runSync(display.finish(true))
    const text = t.writes.join("")
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x1b]/)
    expect(text.split("\n")).toEqual([
      "  … synthetic running",
      "  … synthetic 50/50 tokens (100%), 2.4s, 25 tokens/s",
      "  miss  synthetic  2.4s",
      "  miss  project  250ms  (built)",
      ""
    ])
  })

  it("a resource no node needed reads hit, as in the summary; in a dry run's plan with misses it is left out", () => {
    const planned: ExecutorEvent = {
      _tag: "Planned",
      nodes: ["synthetic", "validate", "project", "simulate", "publish"].map((name) => ({
        ...node(name),
        kind: name === "project" ? "resource" as const : "artifact" as const
      }))
    }
    const hit = (name: string): ExecutorEvent => ({ _tag: "Hit", node: node(name), key })
    const miss = (name: string): ExecutorEvent => ({ _tag: "Miss", node: node(name), key, reason: { _tag: "Absent" } })
    const linesOf = (events: ReadonlyArray<ExecutorEvent>, success = true) => {
      const t = fakeTerminal(false)
      const display = makeProgress(true, t.writer, t.now)
      send(display, events)
      Effect.runSync(display.finish(success))
      return t.writes.join("").split("\n").filter((line) => line !== "")
    }
    // A cached run: nothing needed the projection.
    const cached = [planned, hit("synthetic"), hit("validate"), hit("simulate"), hit("publish")]
    expect(linesOf(cached)).toEqual([
      "  hit   synthetic",
      "  hit   validate",
      "  hit   simulate",
      "  hit   publish",
      "  hit   project"
    ])
    // A run that built it says so once; a failed run claims nothing for it.
    expect(linesOf([
      planned,
      hit("synthetic"),
      { _tag: "ResourceAcquired", node: node("project"), key, durationMs: 250 },
      miss("simulate"),
      { _tag: "Started", node: node("simulate"), key },
      { _tag: "Finished", node: node("simulate"), key, durationMs: 120, outputs: {} }
    ]).filter((line) => line.includes("project"))).toEqual(["  miss  project  250ms  (built)"])
    expect(linesOf(cached, false)).not.toContain("  hit   project")
    // A dry run: the misses did not run, so whether the projection would be built is the summary's to say.
    expect(linesOf([planned, hit("synthetic"), hit("validate"), miss("simulate"), miss("publish")])).toEqual([
      "  hit   synthetic",
      "  hit   validate"
    ])
  })

  it("nothing with --quiet or --json", () => {
    const t = fakeTerminal(false)
    const display = makeProgress(false, t.writer, t.now)
    send(display, [{ _tag: "Started", node: node("synthetic"), key }, { _tag: "Hit", node: node("validate"), key }])
    Effect.runSync(display.onSweepProgress({ done: 1, total: 2, simulated: 1 }))
    expect(t.writes).toEqual([])
  })

  it("rates: bytes in binary units, participles dropped", () => {
    expect(rateText(3 * 1024 * 1024, "bytes loaded")).toBe("3.0 MiB/s")
    expect(rateText(1234.4, "rows validated")).toBe("1,234 rows/s")
    expect(rateText(12, "mints")).toBe("12 mints/s")
  })
})
