/**
 * What differs between two experiment results (`pipeline diff A B`), as pure functions over what
 * was read from the store: the definitions field by field (pipeline/Diff.ts, the diff `explain`
 * uses), the input artifacts, the metrics side by side with deltas, and the trades matched by
 * trade_id — added, removed, changed (which columns), how exit reasons moved between the two, and
 * the first trade (in entry_ts, trade_id order) where the two diverge.
 */
import { diffValues } from "../../pipeline/index.js"
import { compareStrings } from "../../store/index.js"

type Row = Readonly<Record<string, unknown>>

/** One side as read: its definition as written, frozen inputs, trades and metrics rows. */
export interface DiffSide {
  /** What the user typed (`exp_9b18`, `exp_d902:var_6ba7`). */
  readonly ref: string
  readonly experimentId: string
  readonly variantId: string | undefined
  readonly name: string
  readonly definition: unknown
  readonly inputs: Readonly<Record<string, ReadonlyArray<string>>>
  /** In the artifact's order (entry_ts, trade_id). */
  readonly trades: ReadonlyArray<Row>
  readonly metrics: Row
  /** Column names of the trades, in contract order. */
  readonly tradeColumns: ReadonlyArray<string>
  /** Column names of the metrics row, in contract order. */
  readonly metricColumns: ReadonlyArray<string>
}

export interface DefinitionChange {
  readonly path: string
  readonly a: unknown
  readonly b: unknown
}

export interface InputChange {
  readonly group: string
  /** Artifact ids only A's inputs hold. */
  readonly onlyA: ReadonlyArray<string>
  readonly onlyB: ReadonlyArray<string>
}

export interface MetricComparison {
  readonly a: unknown
  readonly b: unknown
  /** b − a when both are numbers, else null. */
  readonly delta: number | null
}

export interface ChangedTrade {
  readonly trade_id: string
  /** The columns whose values differ, in contract order. */
  readonly columns: ReadonlyArray<string>
}

export interface TradeDivergence {
  readonly trade_id: string
  readonly kind: "added" | "removed" | "changed"
  readonly columns: ReadonlyArray<string>
  /** The trade in A (absent when added). */
  readonly a: Row | undefined
  readonly b: Row | undefined
}

export interface ExperimentDiff {
  readonly a: { readonly ref: string; readonly experimentId: string; readonly variantId: string | null; readonly name: string }
  readonly b: { readonly ref: string; readonly experimentId: string; readonly variantId: string | null; readonly name: string }
  readonly definition: ReadonlyArray<DefinitionChange>
  readonly inputs: ReadonlyArray<InputChange>
  readonly metrics: Readonly<Record<string, MetricComparison>>
  readonly trades: {
    readonly a: number
    readonly b: number
    /** Trades in both with every column equal. */
    readonly same: number
    readonly added: ReadonlyArray<string>
    readonly removed: ReadonlyArray<string>
    readonly changed: ReadonlyArray<ChangedTrade>
  }
  /** `"<a reason> → <b reason>"` → trades in both whose exit reason moved so (most first, then by name). */
  readonly exitTransitions: Readonly<Record<string, number>>
  /** The first added, removed or changed trade in entry_ts, trade_id order; null when none. */
  readonly firstDivergence: TradeDivergence | null
}


/** Two cell values are equal: the same number (NaN equal to NaN), string, boolean or null. */
const sameValue = (a: unknown, b: unknown): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b))

const tradeIdOf = (row: Row): string => String(row.trade_id)

/** Trade order: entry_ts, then trade_id (the artifact's sort order). */
const compareTrades = (a: Row, b: Row): number => {
  const ta = Number(a.entry_ts)
  const tb = Number(b.entry_ts)
  return ta !== tb ? (ta < tb ? -1 : 1) : compareStrings(tradeIdOf(a), tradeIdOf(b))
}

const sideInfo = (side: DiffSide) => ({
  ref: side.ref,
  experimentId: side.experimentId,
  variantId: side.variantId ?? null,
  name: side.name
})

/** Compares A with B. */
export const diffExperiments = (a: DiffSide, b: DiffSide): ExperimentDiff => {
  const definition = diffValues(a.definition, b.definition).map((change) => ({
    path: change.path,
    a: change.before,
    b: change.after
  }))

  const inputs: Array<InputChange> = []
  for (const group of [...new Set([...Object.keys(a.inputs), ...Object.keys(b.inputs)])].sort()) {
    const inA = new Set(a.inputs[group] ?? [])
    const inB = new Set(b.inputs[group] ?? [])
    const onlyA = [...inA].filter((id) => !inB.has(id)).sort()
    const onlyB = [...inB].filter((id) => !inA.has(id)).sort()
    if (onlyA.length > 0 || onlyB.length > 0) inputs.push({ group, onlyA, onlyB })
  }

  const metrics: Record<string, MetricComparison> = {}
  for (const name of [...a.metricColumns, ...b.metricColumns.filter((column) => !a.metricColumns.includes(column))]) {
    const va = a.metrics[name] ?? null
    const vb = b.metrics[name] ?? null
    metrics[name] = { a: va, b: vb, delta: typeof va === "number" && typeof vb === "number" ? vb - va : null }
  }

  const columns = [...a.tradeColumns, ...b.tradeColumns.filter((column) => !a.tradeColumns.includes(column))]
    .filter((column) => column !== "trade_id")
  const byIdA = new Map(a.trades.map((row) => [tradeIdOf(row), row]))
  const byIdB = new Map(b.trades.map((row) => [tradeIdOf(row), row]))
  const added: Array<string> = []
  const removed: Array<string> = []
  const changed: Array<ChangedTrade> = []
  const transitions = new Map<string, number>()
  let same = 0
  let first: TradeDivergence | null = null
  let firstRow: Row | undefined
  const consider = (divergence: TradeDivergence, row: Row) => {
    if (firstRow === undefined || compareTrades(row, firstRow) < 0) {
      first = divergence
      firstRow = row
    }
  }
  for (const row of [...a.trades].sort(compareTrades)) {
    const id = tradeIdOf(row)
    const other = byIdB.get(id)
    if (other === undefined) {
      removed.push(id)
      consider({ trade_id: id, kind: "removed", columns: [], a: row, b: undefined }, row)
      continue
    }
    const differing = columns.filter((column) => !sameValue(row[column] ?? null, other[column] ?? null))
    if (differing.length === 0) {
      same++
      continue
    }
    changed.push({ trade_id: id, columns: differing })
    // The earlier of the two positions of a trade whose entry moved.
    consider({ trade_id: id, kind: "changed", columns: differing, a: row, b: other }, compareTrades(row, other) <= 0 ? row : other)
    if (!sameValue(row.exit_reason, other.exit_reason)) {
      const key = `${String(row.exit_reason)} → ${String(other.exit_reason)}`
      transitions.set(key, (transitions.get(key) ?? 0) + 1)
    }
  }
  for (const row of [...b.trades].sort(compareTrades)) {
    const id = tradeIdOf(row)
    if (byIdA.has(id)) continue
    added.push(id)
    consider({ trade_id: id, kind: "added", columns: [], a: undefined, b: row }, row)
  }
  const exitTransitions = Object.fromEntries(
    [...transitions].sort((x, y) => y[1] - x[1] || compareStrings(x[0], y[0]))
  )
  return {
    a: sideInfo(a),
    b: sideInfo(b),
    definition,
    inputs,
    metrics,
    trades: { a: a.trades.length, b: b.trades.length, same, added, removed, changed },
    exitTransitions,
    firstDivergence: first
  }
}
