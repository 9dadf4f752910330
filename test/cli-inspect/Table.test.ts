/** The terminal table renderer and the lineage tree printer (pure). */
import { describe, expect, it } from "vitest"
import { lineageTree } from "../../cli/commands/Artifacts.js"
import { renderTable } from "../../cli/Table.js"
import type { ArtifactId, ArtifactManifest, LineageGraph } from "../../store/index.js"

describe("renderTable", () => {
  it("aligns columns (right for numbers), separates by two spaces, trims line ends", () => {
    const text = renderTable(
      [{ header: "ID" }, { header: "ROWS", align: "right" }, { header: "NOTE" }],
      [["a", "1", ""], ["bbbb", "12,345", "x"]]
    )
    expect(text).toBe(["ID      ROWS  NOTE", "a          1", "bbbb  12,345  x"].join("\n"))
  })

  it("truncates to maxWidth with an ellipsis and flattens newlines", () => {
    const text = renderTable([{ header: "K", maxWidth: 5 }, { header: "V" }], [["abcdefgh", "line\nbreak"]])
    expect(text.split("\n")[1]).toBe("abcd…  line break")
  })
})

const art = (c: string) => `art_${c.repeat(64)}` as ArtifactId
const manifest = (c: string, type: string, inputs: ReadonlyArray<string>): ArtifactManifest => ({
  artifactId: art(c),
  type,
  schemaVersion: 1,
  logicalKey: `${type}/key`,
  digest: `blake3:${"0".repeat(64)}` as ArtifactManifest["digest"],
  bytes: 1,
  rowCount: 1,
  minTs: null,
  maxTs: null,
  inputs: inputs.map(art),
  producedBy: { node: "n", key: "k" },
  provenance: { engineVersion: "0", duckdbVersion: "v0", git: { commit: null, dirty: false } },
  status: "active",
  tags: [],
  createdAt: "2024-01-01T00:00:00.000Z"
})

describe("lineageTree", () => {
  it("draws the graph from its root, children sorted by type, a shared subtree expanded once", () => {
    // metrics(d) ← trades(c), fills(e); both ← alerts(a); trades also ← ohlcv(b); e ← c
    const nodes = [
      manifest("d", "experiment_metrics", ["c", "e"]),
      manifest("c", "experiment_trades", ["a", "b"]),
      manifest("e", "experiment_fills", ["c"]),
      manifest("a", "alerts_v1", []),
      manifest("b", "ohlcv_slice_v2", [])
    ]
    const graph: LineageGraph = {
      root: art("d"),
      nodes,
      edges: nodes.flatMap((m) => m.inputs.map((to) => ({ from: m.artifactId, to })))
    }
    expect(lineageTree(graph)).toBe(
      [
        "art_dddddddddddd  experiment_metrics  experiment_metrics/key",
        "├── art_eeeeeeeeeeee  experiment_fills  experiment_fills/key",
        "│   └── art_cccccccccccc  experiment_trades  experiment_trades/key",
        "│       ├── art_aaaaaaaaaaaa  alerts_v1  alerts_v1/key",
        "│       └── art_bbbbbbbbbbbb  ohlcv_slice_v2  ohlcv_slice_v2/key",
        "└── art_cccccccccccc  experiment_trades  experiment_trades/key  (see above)"
      ].join("\n")
    )
  })
})
