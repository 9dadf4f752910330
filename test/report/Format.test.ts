/** Deterministic number and text formatting for the report (values worked by hand). */
import { describe, expect, it } from "vitest"
import {
  escapeHtml,
  formatBytes,
  formatDuration,
  formatFixed,
  formatPercent,
  formatPrice,
  formatSignedPercent,
  formatSignificant,
  formatTimestamp,
  shortId,
  stableJson
} from "../../nodes/report/index.js"

describe("Format", () => {
  it("formatFixed: fixed decimals, thousands commas, typographic minus, no negative zero", () => {
    expect(formatFixed(1234567.891, 2)).toBe("1,234,567.89")
    expect(formatFixed(-1234.5, 2)).toBe("−1,234.50")
    expect(formatFixed(-0.0001, 2)).toBe("0.00")
    expect(formatFixed(-0, 0)).toBe("0")
    expect(formatFixed(999.995, 0)).toBe("1,000")
    expect(formatFixed(null, 2)).toBe("—")
    expect(formatFixed(Number.NaN, 2)).toBe("—")
    expect(formatFixed(Number.POSITIVE_INFINITY, 2)).toBe("—")
  })

  it("percentages, signed and unsigned", () => {
    expect(formatPercent(0.1234, 1)).toBe("12.3%")
    expect(formatSignedPercent(0.075)).toBe("+7.50%")
    expect(formatSignedPercent(-0.25)).toBe("−25.00%")
    expect(formatSignedPercent(0.00001)).toBe("0.00%")
    expect(formatSignedPercent(null)).toBe("—")
  })

  it("prices of any magnitude stay short", () => {
    expect(formatSignificant(0.000012345, 3)).toBe("0.0000123")
    expect(formatSignificant(12345.678, 4)).toBe("12,346")
    expect(formatPrice(0.48954)).toBe("0.48954")
    expect(formatPrice(0.0037346)).toBe("0.0037346")
    expect(formatPrice(0.000000058652)).toBe("5.8652e−8")
    expect(formatPrice(-0.000000058652)).toBe("−5.8652e−8")
    expect(formatPrice(0)).toBe("0")
  })

  it("bytes, durations, timestamps, short ids", () => {
    expect(formatBytes(157)).toBe("157 B")
    expect(formatBytes(1536)).toBe("1.5 KiB")
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MiB")
    expect(formatDuration(850)).toBe("850ms")
    expect(formatDuration(2224)).toBe("2.2s")
    expect(formatDuration(245_000)).toBe("4m05s")
    expect(formatDuration(7_380_000)).toBe("2h03m")
    expect(formatTimestamp(Date.parse("2024-01-02T03:04:05.678Z"))).toBe("2024-01-02 03:04:05")
    expect(shortId(`art_${"0123456789abcdef".repeat(4)}`)).toBe("art_0123456789ab")
    expect(shortId("exp_0123456789abcdef", 4)).toBe("exp_0123")
  })

  it("escapeHtml escapes the five special characters, & first", () => {
    expect(escapeHtml(`<a href="x">'&amp;'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;amp;&#39;&lt;/a&gt;")
  })

  it("stableJson sorts keys at every level and keeps array order", () => {
    expect(stableJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }, 0)).toBe(
      `{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}`
    )
  })
})
