/**
 * Files outside the store (`report -o PATH`, the only command that writes one) are written the way
 * a user expects of `> PATH` in a shell, never by replacing what is at PATH:
 * - a symlink is written through: its target gets the HTML, the link stays a link (a dangling
 *   link's target is created);
 * - a FIFO or a device is written into directly: a reader of the FIFO gets the bytes, and a write
 *   error (ENOSPC from a `/dev/full` device) is a clear error naming the path, exit 1, the device
 *   still a device;
 * - a regular file or a new path is replaced atomically: temp file beside it, fsync, rename (a new
 *   inode, the old mode kept, no temp file left behind).
 *
 * As root (this machine and CI), the `/dev/full` case uses a private device node with /dev/full's
 * numbers (1, 7) made with mknod, so a regression cannot turn the machine's /dev/full into a file;
 * without root it uses /dev/full itself (which a non-root rename could not replace anyway).
 */
import { execFileSync } from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseJson, pipeline, runOk, show } from "./support/cli.js"
import { definition, tempDir, writeDefinition } from "./support/fixtures.js"

const work = tempDir("outside-store")
const store = NodePath.join(work.dir, "store")
let experimentId: string
/** The report's bytes, written once to a plain new path. */
let expected: Buffer

const SLOW = 180_000

const report = (output: string) => pipeline(["report", experimentId, "-o", output, "--store", store, "--json"])

beforeAll(async () => {
  const path = writeDefinition(work.dir, "tiny.json", definition("outside-store"))
  experimentId = (await runOk(path, store)).experimentId
  const plain = NodePath.join(work.dir, "plain.html")
  const result = await report(plain)
  if (result.code !== 0) throw new Error(show(result))
  expected = NodeFs.readFileSync(plain)
  expect(parseJson(result).bytes).toBe(expected.length)
}, SLOW)
afterAll(() => work.cleanup())

/** Names in `dir` that look like a temporary file of ours. */
const leftovers = (dir: string) => NodeFs.readdirSync(dir).filter((name) => name.includes(".tmp"))

describe("report -o PATH", () => {
  it("a symlink is written through: the target gets the HTML, the link stays a link", async () => {
    const dir = NodePath.join(work.dir, "symlink")
    const targets = NodePath.join(dir, "targets")
    NodeFs.mkdirSync(targets, { recursive: true })
    const target = NodePath.join(targets, "existing.html")
    NodeFs.writeFileSync(target, "old contents")
    const link = NodePath.join(dir, "link.html")
    NodeFs.symlinkSync("targets/existing.html", link)
    // a dangling link (relative, through a second link): its final target is created
    const dangling = NodePath.join(dir, "dangling.html")
    NodeFs.symlinkSync("chain.html", dangling)
    NodeFs.symlinkSync("targets/new.html", NodePath.join(dir, "chain.html"))

    const [viaLink, viaDangling] = await Promise.all([report(link), report(dangling)])
    expect(viaLink.code, show(viaLink)).toBe(0)
    expect(viaDangling.code, show(viaDangling)).toBe(0)

    expect(NodeFs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(NodeFs.readlinkSync(link)).toBe("targets/existing.html")
    expect(NodeFs.readFileSync(target).equals(expected)).toBe(true)

    expect(NodeFs.lstatSync(dangling).isSymbolicLink()).toBe(true)
    expect(NodeFs.lstatSync(NodePath.join(dir, "chain.html")).isSymbolicLink()).toBe(true)
    expect(NodeFs.lstatSync(NodePath.join(targets, "new.html")).isFile()).toBe(true)
    expect(NodeFs.readFileSync(NodePath.join(targets, "new.html")).equals(expected)).toBe(true)
    expect(leftovers(dir)).toEqual([])
    expect(leftovers(targets)).toEqual([])
  }, SLOW)

  it("a FIFO is written into: a reader gets the bytes, the FIFO stays a FIFO", async () => {
    const dir = NodePath.join(work.dir, "fifo")
    NodeFs.mkdirSync(dir)
    const fifo = NodePath.join(dir, "report.pipe")
    execFileSync("mkfifo", [fifo])
    // The reader opens the FIFO (blocking until the writer does) and collects everything.
    const received = new Promise<Buffer>((resolve, reject) => {
      const chunks: Array<Buffer> = []
      NodeFs.createReadStream(fifo)
        .on("data", (chunk) => chunks.push(Buffer.from(chunk)))
        .on("end", () => resolve(Buffer.concat(chunks)))
        .on("error", reject)
    })
    const result = await report(fifo)
    expect(result.code, show(result)).toBe(0)
    const bytes = await Promise.race([
      received,
      new Promise<Buffer>((_, reject) => setTimeout(() => reject(new Error("the FIFO's reader got no end of file")), 10_000))
    ])
    expect(bytes.equals(expected)).toBe(true)
    expect(NodeFs.lstatSync(fifo).isFIFO()).toBe(true)
    expect(NodeFs.readdirSync(dir)).toEqual(["report.pipe"])
  }, SLOW)

  it("a full device: a clear error naming the path (ENOSPC), exit 1, the device stays a device", async () => {
    const isRoot = process.getuid?.() === 0
    let device = "/dev/full"
    if (isRoot) {
      device = NodePath.join(work.dir, "full")
      execFileSync("mknod", [device, "c", "1", "7"])
    }
    const before = NodeFs.statSync(device)
    expect(before.isCharacterDevice()).toBe(true)
    const result = await report(device)
    expect(result.code, show(result)).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain(`cannot write ${device}: ENOSPC (no space left on device)`)
    expect(result.stderr).not.toContain("internal error")
    const after = NodeFs.lstatSync(device)
    expect(after.isCharacterDevice()).toBe(true)
    expect(after.rdev).toBe(before.rdev)
    expect(leftovers(NodePath.dirname(device))).toEqual([])
  }, SLOW)

  it("a regular file is replaced atomically: new inode, same mode and owner, no temp file left", async () => {
    const dir = NodePath.join(work.dir, "regular")
    NodeFs.mkdirSync(dir)
    const file = NodePath.join(dir, "report.html")
    NodeFs.writeFileSync(file, "old contents, longer than nothing")
    NodeFs.chmodSync(file, 0o640)
    // As root, a file of another user's stays theirs (the temp file is given to them before the rename).
    if (process.getuid?.() === 0) NodeFs.chownSync(file, 65534, 65534)
    const before = NodeFs.statSync(file)
    // A reader holding the old file keeps reading the old bytes: the file was replaced, not rewritten.
    const held = NodeFs.openSync(file, "r")
    try {
      const result = await report(file)
      expect(result.code, show(result)).toBe(0)
      const after = NodeFs.statSync(file)
      expect(after.ino).not.toBe(before.ino)
      expect(after.mode & 0o7777).toBe(0o640)
      expect([after.uid, after.gid]).toEqual([before.uid, before.gid])
      expect(NodeFs.readFileSync(file).equals(expected)).toBe(true)
      const old = Buffer.alloc(100)
      const n = NodeFs.readSync(held, old, 0, 100, 0)
      expect(old.subarray(0, n).toString()).toBe("old contents, longer than nothing")
    } finally {
      NodeFs.closeSync(held)
    }
    expect(NodeFs.readdirSync(dir)).toEqual(["report.html"])
  }, SLOW)

  it("a directory or a missing parent: a clear error naming the path, exit 1, nothing created", async () => {
    const dir = NodePath.join(work.dir, "refused")
    NodeFs.mkdirSync(NodePath.join(dir, "a-directory"), { recursive: true })
    const missing = NodePath.join(dir, "no-such-dir", "r.html")
    const [intoDir, intoMissing] = await Promise.all([report(NodePath.join(dir, "a-directory")), report(missing)])
    expect(intoDir.code, show(intoDir)).toBe(1)
    expect(intoDir.stderr).toContain(`cannot write ${NodePath.join(dir, "a-directory")}: EISDIR`)
    expect(intoMissing.code, show(intoMissing)).toBe(1)
    expect(intoMissing.stderr).toContain(`cannot write ${missing}: ENOENT`)
    expect(NodeFs.readdirSync(dir)).toEqual(["a-directory"])
    expect(NodeFs.readdirSync(NodePath.join(dir, "a-directory"))).toEqual([])
  }, SLOW)
})
