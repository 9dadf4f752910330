/** The walk-forward section: nothing without a walk-forward; otherwise the fold table and both curves. */
import { describe, expect, it } from "@effect/vitest"
import { walkForwardSection } from "../../nodes/report/WalkForwardSection.js"

const T0 = Date.parse("2024-01-01T00:00:00Z")
const H = 3_600_000
const point = (seq: number, hours: number, equity: number) => ({ seq, ts: T0 + hours * H, equity, drawdown: 0, open_positions: 0 })

describe("walkForwardSection", () => {
  it("is empty without a walk-forward", () => {
    expect(walkForwardSection(undefined, { equity: [], metrics: undefined })).toBe("")
  })

  it("shows one row per fold with its windows and selected variant, and both curves in the chart legend", () => {
    const fold = (k: number, variant: string) => ({
      fold: k,
      train_from: T0,
      train_to: T0 + (k + 1) * 24 * H,
      test_from: T0 + (k + 1) * 24 * H,
      test_to: T0 + (k + 2) * 24 * H,
      variant_id: variant,
      is_trades: 10,
      is_sharpe: 0.5,
      is_mean_return: 0.01,
      is_net_pnl: 1.5,
      oos_trades: 8,
      oos_sharpe: null,
      oos_mean_return: null,
      oos_net_pnl: -0.25
    })
    const html = walkForwardSection(
      { folds: [fold(0, "var_aaaa"), fold(1, "var_bbbb")], equity: [point(0, 30, 1000), point(1, 40, 999.75)], metrics: undefined },
      { equity: [point(0, 1, 1000), point(1, 50, 1010)], metrics: undefined }
    )
    expect(html).toContain("Walk-forward: 2 folds")
    expect(html.match(/<tr><td>/g)).toHaveLength(2)
    expect(html).toContain("var_aaaa")
    expect(html).toContain("var_bbbb")
    expect(html).toContain("2024-01-02 00:00:00 → 2024-01-03 00:00:00")
    expect(html).toContain("walk-forward out-of-sample, stitched")
    expect(html).toContain("in-sample best, whole range")
    expect(html).toMatch(/[−-]0\.25<\/td>/)
  })
})
