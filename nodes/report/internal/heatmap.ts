/**
 * The sweep heatmap: the rank metric over two swept parameters. Each cell gathers the variants
 * that share its two values (whatever the other swept parameters) and shows the best of their
 * rank-metric values (max, or min for a metric where lower is better), so a cell reads "the best
 * this pair of values reached". A numeric parameter with more than `MAX_AXIS_VALUES` distinct
 * values (e.g. randomly sampled) is cut into equal-width bins on nice bounds. Pure: the same rows
 * give the same cells and the same SVG bytes.
 */
import { coord, escapeHtml, formatFixed } from "../Format.js"
import type { ReportParameterValue, ReportSweepParameter, ReportSweepRow } from "../ReportData.js"
import { decimalsOf, niceStep, niceTicks } from "./axes.js"
import { line, svgOpen, text, WIDTH } from "./charts.js"
import { byVariantId, formatRankValue, type RankMetric, rankDirection } from "./rankMetric.js"
import { compareStrings } from "../../../store/index.js"

/** A numeric axis with more distinct values than this is binned. */
export const MAX_AXIS_VALUES = 16
/** A non-numeric parameter with more distinct values than this gets no heatmap axis. */
export const MAX_CATEGORIES = 40
/** Pairs are drawn among at most this many parameters (those with the most distinct values). */
export const MAX_HEATMAP_PARAMETERS = 6

export interface HeatmapAxis {
  readonly path: string
  /** Distinct values of the parameter among the variants (null included). */
  readonly distinct: number
  /** True when the values were cut into bins. */
  readonly binned: boolean
  /** One label per column (x) or row (y), in axis order. */
  readonly labels: ReadonlyArray<string>
  /** The category index of a value. */
  readonly indexOf: (value: ReportParameterValue) => number
}


/** A parameter value as a short label: numbers with at most 6 significant digits. */
export const parameterLabel = (value: ReportParameterValue): string =>
  value === null
    ? "none"
    : typeof value === "number"
    ? String(Number(value.toPrecision(6)))
    : String(value)

const NUMERIC_TEXT = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

/**
 * The axis of `path` over `rows`, or undefined when it has too many non-numeric values. Order:
 * numbers ascending (also numeric text), false before true, text by code units, "none" (null) last.
 */
export const heatmapAxis = (rows: ReadonlyArray<ReportSweepRow>, path: string): HeatmapAxis | undefined => {
  // Keyed by the value itself: a Map tells 1, "1" and true apart.
  const seen = new Set<number | string | boolean>()
  let hasNull = false
  for (const row of rows) {
    const value = row.parameters[path] ?? null
    if (value === null) hasNull = true
    else seen.add(value)
  }
  const values = [...seen]
  const distinct = values.length + (hasNull ? 1 : 0)
  const numbers = values.every((v) => typeof v === "number")
  if (numbers && values.length > MAX_AXIS_VALUES) {
    const nums = values as Array<number>
    let min = Number.POSITIVE_INFINITY
    let max = Number.NEGATIVE_INFINITY
    for (const v of nums) {
      if (v < min) min = v
      if (v > max) max = v
    }
    const ticks = niceTicks(min, max, 10)
    const bins = Math.max(1, ticks.ticks.length - 1)
    const labels = Array.from(
      { length: bins },
      (_, i) => `${formatFixed(ticks.ticks[i], ticks.decimals)}–${formatFixed(ticks.ticks[i + 1] ?? ticks.max, ticks.decimals)}`
    )
    if (hasNull) labels.push("none")
    return {
      path,
      distinct,
      binned: true,
      labels,
      indexOf: (value) =>
        typeof value !== "number"
          ? bins
          : Math.min(bins - 1, Math.max(0, Math.floor((value - ticks.min) / ticks.step + 1e-9)))
    }
  }
  if (!numbers && values.length > MAX_CATEGORIES) return undefined
  const numericText = values.every((v) => typeof v === "string" && NUMERIC_TEXT.test(v))
  const sorted = [...values].sort((a, b) => {
    if (typeof a === "number" && typeof b === "number") return a - b
    if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b)
    if (numericText) return Number(a) - Number(b) || compareStrings(String(a), String(b))
    // Mixed kinds (not produced by the run, which stores mixed columns as text): by kind, then text.
    return compareStrings(typeof a, typeof b) || compareStrings(String(a), String(b))
  })
  const index = new Map<ReportParameterValue, number>(sorted.map((v, i) => [v, i]))
  const labels = sorted.map(parameterLabel)
  if (hasNull) labels.push("none")
  return {
    path,
    distinct,
    binned: false,
    labels,
    indexOf: (value) => index.get(value) ?? sorted.length
  }
}

export interface HeatmapCell {
  /** Variants whose two values fall in this cell. */
  readonly variants: number
  /** Of those, with a non-null rank metric. */
  readonly valued: number
  /** The best rank-metric value (max, or min when lower is better); null when none has one. */
  readonly best: number | null
  /** The variant holding `best` (the first by variant id on ties). */
  readonly bestVariant: string | null
  /** Mean of the non-null values (summed in variant id order). */
  readonly mean: number | null
}

export interface HeatmapGrid {
  readonly rank: RankMetric
  readonly x: HeatmapAxis
  readonly y: HeatmapAxis
  /** `cells[row][column]`: row = y category, column = x category. */
  readonly cells: ReadonlyArray<ReadonlyArray<HeatmapCell>>
  /** Swept paths other than x and y (they vary inside a cell). */
  readonly others: ReadonlyArray<string>
  /** Bounds of the non-null cell values (the colour scale), undefined when every cell is null or empty. */
  readonly range: readonly [number, number] | undefined
}

/** The cells of `rank` over `x` (columns) × `y` (rows). */
export const heatmapGrid = (
  rows: ReadonlyArray<ReportSweepRow>,
  rank: RankMetric,
  x: HeatmapAxis,
  y: HeatmapAxis,
  paths: ReadonlyArray<string>
): HeatmapGrid => {
  const lowerIsBetter = rankDirection(rank) === "asc"
  const acc = Array.from({ length: y.labels.length }, () =>
    Array.from({ length: x.labels.length }, () => ({
      variants: 0,
      valued: 0,
      best: null as number | null,
      bestVariant: null as string | null,
      sum: 0
    })))
  const ordered = byVariantId(rows)
  for (const row of ordered) {
    const cell = acc[y.indexOf(row.parameters[y.path] ?? null)][x.indexOf(row.parameters[x.path] ?? null)]
    cell.variants++
    const value = row.metrics[rank]
    if (value === null) continue
    cell.valued++
    cell.sum += value
    if (cell.best === null || (lowerIsBetter ? value < cell.best : value > cell.best)) {
      cell.best = value
      cell.bestVariant = row.variantId
    }
  }
  let low = Number.POSITIVE_INFINITY
  let high = Number.NEGATIVE_INFINITY
  const cells = acc.map((cols) =>
    cols.map(({ best, bestVariant, sum, valued, variants }): HeatmapCell => {
      if (best !== null) {
        if (best < low) low = best
        if (best > high) high = best
      }
      return { variants, valued, best, bestVariant, mean: valued === 0 ? null : sum / valued }
    })
  )
  return {
    rank,
    x,
    y,
    cells,
    others: paths.filter((path) => path !== x.path && path !== y.path),
    range: low <= high ? [low, high] : undefined
  }
}

/**
 * The pairs of paths to draw, default first: among the (at most `MAX_HEATMAP_PARAMETERS`)
 * parameters with the most distinct values (ties: leaderboard column order) that have an axis,
 * every pair, the one with more distinct values on x. Empty with fewer than two such parameters.
 */
export const heatmapPairs = (
  rows: ReadonlyArray<ReportSweepRow>,
  parameters: ReadonlyArray<ReportSweepParameter>
): { readonly pairs: ReadonlyArray<readonly [HeatmapAxis, HeatmapAxis]>; readonly left: ReadonlyArray<string> } => {
  const axes = parameters
    .map((parameter, order) => ({ axis: heatmapAxis(rows, parameter.path), order, path: parameter.path }))
  const usable = axes
    .filter((a): a is { axis: HeatmapAxis; order: number; path: string } => a.axis !== undefined)
    .sort((a, b) => b.axis.distinct - a.axis.distinct || a.order - b.order)
  const chosen = usable.slice(0, MAX_HEATMAP_PARAMETERS).map((a) => a.axis)
  const left = [
    ...axes.filter((a) => a.axis === undefined).map((a) => a.path),
    ...usable.slice(MAX_HEATMAP_PARAMETERS).map((a) => a.path)
  ]
  const pairs: Array<readonly [HeatmapAxis, HeatmapAxis]> = []
  for (let i = 0; i < chosen.length; i++) {
    for (let j = i + 1; j < chosen.length; j++) pairs.push([chosen[i], chosen[j]])
  }
  return { pairs, left }
}

// ---------------------------------------------------------------------------------------------
// Colour

const STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [215, 48, 39], // worst
  [254, 224, 139],
  [26, 152, 80] // best
]

/** The colour of goodness `g` in [0, 1] (0 worst, 1 best): red → yellow → green. */
export const scaleColour = (g: number): string => {
  const t = Math.min(1, Math.max(0, g)) * (STOPS.length - 1)
  const i = Math.min(STOPS.length - 2, Math.floor(t))
  const f = t - i
  const [a, b] = [STOPS[i], STOPS[i + 1]]
  const channel = (k: number) => Math.round(a[k] + (b[k] - a[k]) * f)
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`
}

/** Goodness of `value` on the grid's range (0.5 when the range is one value). */
const goodness = (grid: HeatmapGrid, value: number): number => {
  if (grid.range === undefined) return 0.5
  const [low, high] = grid.range
  const t = high > low ? (value - low) / (high - low) : 0.5
  return rankDirection(grid.rank) === "asc" ? 1 - t : t
}

// ---------------------------------------------------------------------------------------------
// SVG

/** CSS of the heatmap's classes (only on sweep pages). */
export const HEATMAP_CSS = `
svg.chart .hm-empty { fill: #fff; stroke: #e3e6ea; stroke-width: 1; }
svg.chart .hm-null { fill: #d0d5da; }
svg.chart .hm-cell { stroke: #fff; stroke-width: 1; }
svg.chart .hm-value { fill: #1f2933; font-size: 11px; }
svg.chart .hm-value-light { fill: #fff; font-size: 11px; }
svg.chart .hm-null-mark { fill: #4a5561; font-size: 11px; }
`

const clip = (label: string, max: number): string => label.length <= max ? label : `${label.slice(0, max - 1)}…`

/** What a cell's value is, for the caption and tooltips. */
export const aggregationName = (rank: RankMetric): string => rankDirection(rank) === "asc" ? "min" : "max"

/** The heatmap of one grid as an SVG. */
export const heatmapSvg = (grid: HeatmapGrid): string => {
  const { rank, x, y } = grid
  const label = `${rank} by ${x.path} × ${y.path}`
  const left = 170
  const top = 56
  const plotWidth = WIDTH - left - 190
  const nx = x.labels.length
  const ny = y.labels.length
  const cellW = Math.min(96, Math.max(4, Math.floor(plotWidth / nx)))
  const cellH = Math.min(40, Math.max(14, Math.floor(480 / ny)))
  const gridRight = left + cellW * nx
  const gridBottom = top + cellH * ny
  const legendTop = top
  const legendSteps = 8
  const legendStepH = 18
  const height = Math.max(gridBottom + 64, legendTop + legendSteps * legendStepH + 110)
  const showValues = cellW >= 44 && cellH >= 16
  // Enough decimals to tell the cells apart on a narrow range (2 to 6).
  const decimals = grid.range === undefined || !(grid.range[1] > grid.range[0])
    ? 2
    : Math.min(6, Math.max(2, decimalsOf(niceStep((grid.range[1] - grid.range[0]) / 10))))
  const aggregation = aggregationName(rank)

  const parts: Array<string> = [svgOpen(height, label)]
  parts.push(text(left, 22, `${aggregation} ${rank} per cell`, `class="title"`))
  parts.push(text(8, top - 10, y.path, `class="title"`))

  for (let r = 0; r < ny; r++) {
    const yc = top + r * cellH
    parts.push(
      text(left - 10, yc + cellH / 2 + 4, clip(y.labels[r], 24), `class="tick" text-anchor="end"`)
    )
    for (let c = 0; c < nx; c++) {
      const cell = grid.cells[r][c]
      const xc = left + c * cellW
      const where = `${x.path} = ${x.labels[c]}, ${y.path} = ${y.labels[r]}`
      const box = `x="${coord(xc)}" y="${coord(yc)}" width="${coord(cellW)}" height="${coord(cellH)}"`
      if (cell.variants === 0) {
        parts.push(`<rect class="hm-empty" ${box}><title>${escapeHtml(`${where}: no variant`)}</title></rect>`)
        continue
      }
      const counts = `${cell.variants} variant${cell.variants === 1 ? "" : "s"}${
        cell.valued < cell.variants ? `, ${cell.variants - cell.valued} with no ${rank}` : ""
      }`
      if (cell.best === null) {
        parts.push(`<rect class="hm-null" ${box}><title>${escapeHtml(`${where}: no ${rank} (${counts})`)}</title></rect>`)
        if (showValues) parts.push(text(xc + cellW / 2, yc + cellH / 2 + 4, "null", `class="hm-null-mark" text-anchor="middle"`))
        continue
      }
      const g = goodness(grid, cell.best)
      const tip = `${where}: ${aggregation} ${rank} ${formatRankValue(rank, cell.best)} (${cell.bestVariant}), mean ${
        formatRankValue(rank, cell.mean, 3, true)
      } over ${counts}`
      parts.push(`<rect class="hm-cell" ${box} fill="${scaleColour(g)}"><title>${escapeHtml(tip)}</title></rect>`)
      if (showValues) {
        parts.push(
          text(
            xc + cellW / 2,
            yc + cellH / 2 + 4,
            formatRankValue(rank, cell.best, decimals),
            `class="${g < 0.15 || g > 0.85 ? "hm-value-light" : "hm-value"}" text-anchor="middle"`
          )
        )
      }
    }
  }
  // x labels under the grid, spaced at least ~64 px apart.
  const stride = Math.max(1, Math.ceil(64 / cellW))
  for (let c = 0; c < nx; c += stride) {
    const xc = left + c * cellW + cellW / 2
    parts.push(line(xc, gridBottom, xc, gridBottom + 4, "axis"))
    parts.push(text(xc, gridBottom + 17, clip(x.labels[c], 12), `class="tick" text-anchor="middle"`))
  }
  parts.push(text((left + gridRight) / 2, gridBottom + 40, x.path, `class="title" text-anchor="middle"`))

  // Legend: the colour scale from the best value (top) to the worst, then the two kinds of blank.
  const lx = gridRight + 36
  if (grid.range === undefined) {
    parts.push(text(lx, legendTop + 10, `no ${rank} in any cell`, `class="note"`))
  } else {
    const [low, high] = grid.range
    const lowerIsBetter = rankDirection(rank) === "asc"
    const bestValue = lowerIsBetter ? low : high
    const worstValue = lowerIsBetter ? high : low
    for (let i = 0; i < legendSteps; i++) {
      const g = 1 - i / (legendSteps - 1)
      parts.push(
        `<rect class="hm-cell" x="${coord(lx)}" y="${coord(legendTop + i * legendStepH)}" width="18" height="${legendStepH}" fill="${
          scaleColour(g)
        }"/>`
      )
    }
    const legendDecimals = Math.max(3, decimals)
    parts.push(text(lx + 26, legendTop + 13, `${formatRankValue(rank, bestValue, legendDecimals)} best`, `class="tick"`))
    parts.push(
      text(lx + 26, legendTop + legendSteps * legendStepH - 5, `${formatRankValue(rank, worstValue, legendDecimals)} worst`, `class="tick"`)
    )
  }
  const ky = legendTop + legendSteps * legendStepH + 16
  parts.push(`<rect class="hm-null" x="${coord(lx)}" y="${coord(ky)}" width="18" height="14"/>`)
  parts.push(text(lx + 26, ky + 11, `no ${rank}`, `class="tick"`))
  parts.push(`<rect class="hm-empty" x="${coord(lx)}" y="${coord(ky + 22)}" width="18" height="14"/>`)
  parts.push(text(lx + 26, ky + 33, "no variant", `class="tick"`))
  parts.push("</svg>")
  return parts.join("")
}
