import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { canonicalDigest, canonicalize, CanonicalEncodingError } from "../../store/Canonical.js"
import { nobleHex } from "./support.js"

const text = (value: unknown) => Effect.runSync(canonicalize(value))
const failure = (value: unknown) => Effect.runSync(Effect.flip(canonicalize(value)))

describe("canonicalize: injective", () => {
  it("delimits strings and keys: {a:'bc'} ≠ {ab:'c'}, ['a','b'] ≠ ['ab']", () => {
    expect(text({ a: "bc" })).not.toBe(text({ ab: "c" }))
    expect(text(["a", "b"])).not.toBe(text(["ab"]))
    expect(text(["a,b"])).not.toBe(text(["a", "b"]))
    expect(text({ a: "b", c: "d" })).not.toBe(text({ a: "b\",\"c\":\"d" }))
  })

  it("distinguishes types: 1 ≠ '1', true ≠ 'true', null ≠ 'null', [] ≠ {}", () => {
    expect(text(1)).not.toBe(text("1"))
    expect(text(true)).not.toBe(text("true"))
    expect(text(null)).not.toBe(text("null"))
    expect(text([])).not.toBe(text({}))
    expect(text([1])).not.toBe(text({ 0: 1 }))
  })

  it("bigint, number and string never collide", () => {
    const forms = [1n, 1, "1", { $bigint: "1" }, "{\"$bigint\":\"1\"}"].map(text)
    expect(new Set(forms).size).toBe(forms.length)
    expect(text(1n)).toBe("{\"$bigint\":\"1\"}")
    expect(text(-12345678901234567890n)).toBe("{\"$bigint\":\"-12345678901234567890\"}")
  })

  it("tags Dates, which never collide with their ISO string or epoch number", () => {
    const date = new Date("2024-01-01T00:00:00Z")
    expect(text(date)).toBe("{\"$date\":\"2024-01-01T00:00:00.000Z\"}")
    const forms = [date, date.toISOString(), date.getTime(), { $date: date.toISOString() }].map(text)
    expect(new Set(forms).size).toBe(forms.length)
  })

  it("escapes a user key starting with $ so it cannot forge a tag", () => {
    expect(text({ $bigint: "1" })).toBe("{\"$$bigint\":\"1\"}")
    expect(text({ $$bigint: "1" })).toBe("{\"$$$bigint\":\"1\"}")
    expect(text({ $date: "2024-01-01T00:00:00.000Z" })).not.toBe(text(new Date("2024-01-01T00:00:00Z")))
    expect(text({ $x: 1 })).not.toBe(text({ $$x: 1 }))
  })

  it("gives distinct texts to a corpus of distinct values", () => {
    const corpus: Array<unknown> = [
      null, true, false, 0, 1, -1, 0.1, 1e21, 2 ** 53, 2 ** 53 + 2, "", " ", "0", "a", "\u0000", "\ud800",
      [], [[]], [null], [0], [""], ["", ""], [[], []], [[[]]],
      {}, { a: null }, { a: [] }, { a: {} }, { "": "" }, { a: 1, b: 2 }, { a: { b: 2 } }, { "a.b": 2 },
      0n, 1n, -1n, new Date(0), new Date(1), { $date: "1970-01-01T00:00:00.000Z" }, { $: 1 }, { $$: 1 }
    ]
    const texts = corpus.map(text)
    expect(new Set(texts).size).toBe(corpus.length)
    for (const t of texts) expect(() => JSON.parse(t)).not.toThrow()
  })
})

describe("canonicalize: equal values encode alike", () => {
  it("normalises -0 to 0", () => {
    expect(text(-0)).toBe("0")
    expect(text({ x: -0 })).toBe(text({ x: 0 }))
  })

  it("ignores key order, at every depth", () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: "s" } }
    const b = { a: { x: "s", y: [1, { p: 2, q: 1 }] }, b: 1 }
    expect(text(a)).toBe(text(b))
    expect(text(a)).toBe("{\"a\":{\"x\":\"s\",\"y\":[1,{\"p\":2,\"q\":1}]},\"b\":1}")
  })

  it("keeps array order significant", () => {
    expect(text([1, 2])).not.toBe(text([2, 1]))
  })

  it("sorts keys by UTF-16 code unit, not locale", () => {
    expect(text({ b: 1, B: 2, a: 3, "é": 4, "10": 5, "9": 6 })).toBe(
      "{\"10\":5,\"9\":6,\"B\":2,\"a\":3,\"b\":1,\"é\":4}"
    )
  })

  it("prints numbers as JSON does (shortest round-trip form)", () => {
    expect(text([1.5, 0.1 + 0.2, 1e21, 2 ** 53, -3])).toBe("[1.5,0.30000000000000004,1e+21,9007199254740992,-3]")
  })
})

describe("canonicalize: rejects what has no canonical form, naming the path", () => {
  const sample = (multiple: unknown) => ({
    strategy: { exit: { targets: [{ multiple: 2, fraction: 0.5 }, { multiple, fraction: 0.5 }] } }
  })

  for (const [label, bad] of [["NaN", NaN], ["Infinity", Infinity], ["-Infinity", -Infinity], ["undefined", undefined]] as const) {
    it(`${label}`, () => {
      const error = failure(sample(bad))
      expect(error).toBeInstanceOf(CanonicalEncodingError)
      expect(error.path).toBe("strategy.exit.targets[1].multiple")
      expect(error.message).toContain("strategy.exit.targets[1].multiple")
    })
  }

  it("functions, symbols, Map, Set, raw bytes, invalid Dates, array holes", () => {
    expect(failure({ f: () => 1 }).path).toBe("f")
    expect(failure({ s: Symbol("x") }).path).toBe("s")
    expect(failure({ m: new Map([[1, 2]]) }).path).toBe("m")
    expect(failure({ s: new Set([1]) }).path).toBe("s")
    expect(failure({ b: new Uint8Array([1]) }).path).toBe("b")
    expect(failure({ b: new Float64Array([1]) }).path).toBe("b")
    expect(failure({ d: new Date(NaN) }).path).toBe("d")
    expect(failure({ a: [1, , 2] }).path).toBe("a[1]")
  })

  it("at the root, the message says <root>", () => {
    const error = failure(NaN)
    expect(error.path).toBe("")
    expect(error.message).toContain("<root>")
  })

  it("canonicalDigest fails the same way", () => {
    const error = Effect.runSync(Effect.flip(canonicalDigest({ x: [undefined] })))
    expect(error).toMatchObject({ _tag: "CanonicalEncodingError", path: "x[0]" })
  })
})

describe("golden: pinned key material", () => {
  // If this test fails, the encoding changed: every node key in every existing store changes with
  // it. Change these constants only on purpose (and bump the engine version).
  const material = {
    node: "simulate",
    nodeVersion: 3,
    engine: { package: "0.1.0", duckdb: "v1.5.6" },
    config: {
      strategy: {
        exit: { targets: [{ multiple: 2, fraction: 0.5 }, { multiple: 4, fraction: 0.5 }], maxHoldCandles: 1440 },
        stopLoss: { pct: 0.3 },
        intrabar: "stop-first",
        costs: { feeBps: 25, slippageBps: 10, slippageJitterBps: 0 }
      },
      dateRange: { from: new Date("2024-01-01T00:00:00Z"), to: new Date("2024-02-01T00:00:00Z") },
      maxRows: 10_000_000_000n,
      $comment: "ünïcode \"quoted\"\n",
      optional: null,
      enabled: true
    },
    seed: 42,
    inputs: ["blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"]
  }
  const GOLDEN_TEXT = "{\"config\":{\"$$comment\":\"ünïcode \\\"quoted\\\"\\n\",\"dateRange\":{\"from\":{\"$date\":" +
    "\"2024-01-01T00:00:00.000Z\"},\"to\":{\"$date\":\"2024-02-01T00:00:00.000Z\"}},\"enabled\":true,\"maxRows\":" +
    "{\"$bigint\":\"10000000000\"},\"optional\":null,\"strategy\":{\"costs\":{\"feeBps\":25,\"slippageBps\":10," +
    "\"slippageJitterBps\":0},\"exit\":{\"maxHoldCandles\":1440,\"targets\":[{\"fraction\":0.5,\"multiple\":2}," +
    "{\"fraction\":0.5,\"multiple\":4}]},\"intrabar\":\"stop-first\",\"stopLoss\":{\"pct\":0.3}}},\"engine\":" +
    "{\"duckdb\":\"v1.5.6\",\"package\":\"0.1.0\"},\"inputs\":[\"blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9" +
    "adc112b7cc9a93cae41f3262\"],\"node\":\"simulate\",\"nodeVersion\":3,\"seed\":42}"
  // Checked with b3sum 1.2.0 on the UTF-8 bytes of GOLDEN_TEXT.
  const GOLDEN_DIGEST = "blake3:662d800fa0bfab540530648b80c6a6d7a09f024ba1cee8b4ba927a18f5dab2f9"

  it.effect("canonical text and digest are pinned", () =>
    Effect.gen(function*() {
      expect(yield* canonicalize(material)).toBe(GOLDEN_TEXT)
      expect(yield* canonicalDigest(material)).toBe(GOLDEN_DIGEST)
      expect(`blake3:${nobleHex(new TextEncoder().encode(GOLDEN_TEXT))}`).toBe(GOLDEN_DIGEST)
    }))

  it.effect("changing one nested parameter changes the digest", () =>
    Effect.gen(function*() {
      const changed = structuredClone(material)
      changed.config.strategy.exit.targets[1].multiple = 5
      expect(yield* canonicalDigest(changed)).not.toBe(GOLDEN_DIGEST)
    }))
})
