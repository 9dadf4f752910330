/**
 * Directory fsyncs grouped per directory (store/internal/fsOps.ts, `groupDirSyncs`): a request is
 * answered only by an fsync that started after it, requests made while one runs share the next,
 * directories do not wait for one another, and a failure reaches every request it served.
 */
import { describe, expect, it } from "vitest"
import { groupDirSyncs } from "../../store/internal/fsOps.js"

/** A fake fsync: each call is recorded and finishes when the test says so. */
const controlledSyncs = () => {
  const calls: Array<{ dir: string; finish: (error?: Error) => void }> = []
  const syncNow = (dir: string) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ dir, finish: (error) => (error === undefined ? resolve() : reject(error)) })
    })
  return { calls, sync: groupDirSyncs(syncNow) }
}

const settled = <A>(promise: Promise<A>) => {
  const state = { done: false, error: undefined as unknown }
  promise.then(() => (state.done = true), (error: unknown) => {
    state.done = true
    state.error = error
  })
  return state
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe("grouped directory fsyncs", () => {
  it("requests made while an fsync runs share the next one, which starts after it ends", async () => {
    const { calls, sync } = controlledSyncs()
    const first = settled(sync("/s/artifacts"))
    expect(calls.map((c) => c.dir)).toEqual(["/s/artifacts"])
    const second = settled(sync("/s/artifacts"))
    const third = settled(sync("/s/artifacts"))
    // Another directory does not wait.
    const other = settled(sync("/s/objects"))
    expect(calls.map((c) => c.dir)).toEqual(["/s/artifacts", "/s/objects"])

    calls[0]!.finish()
    await tick()
    expect(first.done).toBe(true)
    // The running fsync may have started before their links: they wait for a new one.
    expect(second.done).toBe(false)
    expect(third.done).toBe(false)
    expect(calls.map((c) => c.dir)).toEqual(["/s/artifacts", "/s/objects", "/s/artifacts"])

    calls[2]!.finish()
    calls[1]!.finish()
    await tick()
    expect([second.done, third.done, other.done]).toEqual([true, true, true])
    // Three requests for one directory, two fsyncs.
    expect(calls.filter((c) => c.dir === "/s/artifacts")).toHaveLength(2)

    // Idle again: the next request starts its own fsync at once.
    const later = settled(sync("/s/artifacts"))
    expect(calls).toHaveLength(4)
    calls[3]!.finish()
    await tick()
    expect(later.done).toBe(true)
  })

  it("a failed fsync fails every request it served, and the next group tries again", async () => {
    const { calls, sync } = controlledSyncs()
    const running = settled(sync("/s/d"))
    const a = settled(sync("/s/d"))
    const b = settled(sync("/s/d"))
    calls[0]!.finish()
    await tick()
    expect(running).toEqual({ done: true, error: undefined })
    const failure = new Error("EIO")
    calls[1]!.finish(failure)
    await tick()
    expect(a).toEqual({ done: true, error: failure })
    expect(b).toEqual({ done: true, error: failure })
    const retry = settled(sync("/s/d"))
    expect(calls).toHaveLength(3)
    calls[2]!.finish()
    await tick()
    expect(retry).toEqual({ done: true, error: undefined })
  })
})
