/** The report's Deflated Sharpe section: both N's, every row's numbers, nothing without rows. */
import { describe, expect, it } from "vitest"
import { trialsSection } from "../../nodes/report/TrialsSection.js"

describe("trialsSection", () => {
  it("shows the sweep's and the ledger's N and SR0, and each row's DSR both ways", () => {
    const html = trialsSection({
      name: "ladder",
      rank: "sharpe",
      sweep: { trials: 12, sr0: 0.1234 },
      ledger: { trials: 40, sr0: 0.2345, experiments: 3 },
      rows: [
        { variantId: "var_00000000000000aa", rankValue: 0.5, sharpe: 0.5, psr0: 0.99, sweepDsr: 0.9, ledgerDsr: 0.7 },
        { variantId: "var_00000000000000bb", rankValue: null, sharpe: null, psr0: null, sweepDsr: null, ledgerDsr: null }
      ]
    })
    expect(html).toContain("DSR (sweep N = 12)")
    expect(html).toContain("DSR (ledger N = 40)")
    expect(html).toContain("SR0 0.1234")
    expect(html).toContain("SR0 0.2345")
    expect(html).toContain("in 3 experiments")
    expect(html).toContain("var_00000000000000aa")
    expect(html).toContain(">0.9000<")
    expect(html).toContain(">0.7000<")
    expect(html).toContain("—")
    expect(trialsSection(undefined)).toBe("")
  })
})
