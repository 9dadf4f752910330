/**
 * The report's inline SVG charts: the equity curve over its drawdown (one shared time axis), and
 * the histogram of trade returns. Strings in, strings out; every coordinate printed with fixed
 * decimals so the bytes depend only on the data.
 */
import { downsample } from "../Downsample.js"
import { coord, escapeHtml, formatFixed, formatSignedPercent } from "../Format.js"
import { decimalsOf, linearScale, niceStep, niceTicks, paddedTicks, timeTicks } from "./axes.js"

/** The equity curve is plotted from at most this many points (extremes kept). */
export const MAX_PLOT_POINTS = 2000

/** Width of every chart (px, also its viewBox width). */
export const WIDTH = 1040
const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"`

export const text = (
  x: number,
  y: number,
  content: string,
  attributes: string = ""
): string => `<text x="${coord(x)}" y="${coord(y)}"${attributes === "" ? "" : ` ${attributes}`}>${escapeHtml(content)}</text>`

export const line = (x1: number, y1: number, x2: number, y2: number, cls: string): string =>
  `<line class="${cls}" x1="${coord(x1)}" y1="${coord(y1)}" x2="${coord(x2)}" y2="${coord(y2)}"/>`

export const svgOpen = (height: number, label: string): string =>
  `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${
    escapeHtml(label)
  }" ${FONT} font-size="12">`

/** Shared by every chart: class names used inside the SVGs (styled by the page's CSS). */
export const CHART_CSS = `
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart .grid { stroke: #e3e6ea; stroke-width: 1; }
svg.chart .axis { stroke: #8a929b; stroke-width: 1; }
svg.chart .baseline { stroke: #8a929b; stroke-width: 1; stroke-dasharray: 4 3; }
svg.chart .tick { fill: #4a5561; }
svg.chart .title { fill: #1f2933; font-weight: 600; }
svg.chart .equity { fill: none; stroke: #1f6feb; stroke-width: 1.6; }
svg.chart .equity.realised { stroke: #0a3069; stroke-width: 1.2; stroke-dasharray: 5 3; }
svg.chart .equity.b { stroke: #bc4c00; }
svg.chart .equity.b.realised { stroke: #7d2e00; }
svg.chart .dd { fill: rgba(207, 34, 46, 0.22); stroke: #cf222e; stroke-width: 1; }
svg.chart .dd-line { fill: none; stroke: #0a3069; stroke-width: 1; stroke-dasharray: 5 3; }
svg.chart .dd-line.b { stroke: #bc4c00; stroke-dasharray: none; }
svg.chart .dd-line.b.realised { stroke: #7d2e00; stroke-dasharray: 5 3; }
svg.chart .tick-context { fill: #1f2933; font-weight: 600; }
.legend { margin: 2px 0 4px; font-size: 12.5px; color: #4a5561; }
.legend-item { margin-right: 18px; white-space: nowrap; }
.swatch { display: inline-block; width: 22px; height: 0; border-top: 2px solid #1f6feb; vertical-align: middle; margin-right: 6px; }
.swatch.realised { border-top: 2px dashed #0a3069; }
.swatch.b { border-top-color: #bc4c00; }
.swatch.b.realised { border-top-color: #7d2e00; }
svg.chart .bar-pos { fill: #2da44e; }
svg.chart .bar-neg { fill: #cf222e; }
svg.chart .mean { stroke: #1f2933; stroke-width: 1.2; stroke-dasharray: 5 3; }
svg.chart .note { fill: #6b7682; font-style: italic; }
`

export const placeholder = (height: number, label: string, message: string): string =>
  `${svgOpen(height, label)}${text(WIDTH / 2, height / 2, message, `class="note" text-anchor="middle"`)}</svg>`

/** Anchor for an x-axis label, so the first and last labels stay inside the chart. */
export const anchorFor = (x: number, left: number, right: number): string =>
  x - left < 40 ? "start" : right - x < 40 ? "end" : "middle"

/** One line of the equity chart. */
export interface EquityCurve {
  /** Shown in the legend. */
  readonly label: string
  /** 0: the experiment's, 1: the compared experiment's (its colour). */
  readonly experiment: 0 | 1
  /** Mark-to-market (solid, its drawdown filled when it is the first curve) or realised (dashed). */
  readonly kind: "mark-to-market" | "realised"
  /** In time order. */
  readonly points: ReadonlyArray<{ readonly ts: number; readonly equity: number; readonly drawdown: number }>
}

/** The classes that tell a curve's colour and style apart: `b` (compared experiment), `realised`. */
const variantClasses = (curve: EquityCurve): string =>
  [curve.experiment === 1 ? "b" : "", curve.kind === "realised" ? "realised" : ""].filter((c) => c !== "").join(" ")

const withVariant = (base: string, curve: EquityCurve): string => {
  const variant = variantClasses(curve)
  return variant === "" ? base : `${base} ${variant}`
}

const curveClass = (curve: EquityCurve): string => withVariant("equity", curve)

/**
 * The equity curves (step lines: the value holds until the next point) over their drawdowns, on
 * one time axis with two-line date ticks. `initialCapital` draws a dashed baseline. The first
 * curve's drawdown is filled, the others' are lines. Curves longer than `MAX_PLOT_POINTS` are
 * downsampled, keeping the extremes of equity and drawdown; the legend (HTML, under the chart)
 * names each curve and says when it was thinned.
 */
export const equityChart = (curves: ReadonlyArray<EquityCurve>, initialCapital: number | undefined): string => {
  const label = "Equity curve and drawdown"
  const drawn = curves.filter((curve) => curve.points.length > 0)
  if (drawn.length === 0) return placeholder(120, label, "No fills: the equity curve is empty.")
  const plotted = drawn.map((curve) => downsample(curve.points, MAX_PLOT_POINTS, [(p) => p.equity, (p) => p.drawdown]))

  const left = 84
  const right = WIDTH - 24
  const equityTop = 30
  const equityBottom = 300
  const ddTop = 336
  const ddBottom = 466
  const height = 526

  // Time axis, shared by both panels and every curve.
  let t0 = Number.POSITIVE_INFINITY
  let t1 = Number.NEGATIVE_INFINITY
  let low = Number.POSITIVE_INFINITY
  let high = Number.NEGATIVE_INFINITY
  let deepest = 0
  for (const curve of drawn) {
    t0 = Math.min(t0, curve.points[0].ts)
    t1 = Math.max(t1, curve.points[curve.points.length - 1].ts)
    for (const p of curve.points) {
      if (p.equity < low) low = p.equity
      if (p.equity > high) high = p.equity
      if (p.drawdown > deepest) deepest = p.drawdown
    }
  }
  if (t1 === t0) {
    t0 -= 30 * 60_000
    t1 += 30 * 60_000
  }
  const x = linearScale([t0, t1], [left, right])
  const time = timeTicks(t0, t1, 8)

  // Equity panel.
  if (initialCapital !== undefined) {
    low = Math.min(low, initialCapital)
    high = Math.max(high, initialCapital)
  }
  const equityTicks = paddedTicks(low, high, 6)
  const y = linearScale([equityTicks.min, equityTicks.max], [equityBottom, equityTop])

  // Drawdown panel: 0 at the top, the deepest drawdown (rounded up) at the bottom.
  const ddTicks = niceTicks(0, deepest > 0 ? deepest : 0.01, 3)
  const yd = linearScale([0, ddTicks.max], [ddTop, ddBottom])

  const parts: Array<string> = [svgOpen(height, label)]
  // Grid: vertical lines at the time ticks through both panels, horizontal at the value ticks.
  for (const t of time.ticks) {
    parts.push(line(x.map(t), equityTop, x.map(t), equityBottom, "grid"))
    parts.push(line(x.map(t), ddTop, x.map(t), ddBottom, "grid"))
  }
  for (const v of equityTicks.ticks) {
    parts.push(line(left, y.map(v), right, y.map(v), "grid"))
    parts.push(text(left - 8, y.map(v) + 4, formatFixed(v, equityTicks.decimals), `class="tick" text-anchor="end"`))
  }
  for (const v of ddTicks.ticks) {
    parts.push(line(left, yd.map(v), right, yd.map(v), "grid"))
    parts.push(
      text(left - 8, yd.map(v) + 4, formatFixed(v * 100, Math.max(0, ddTicks.decimals - 2)) + "%", `class="tick" text-anchor="end"`)
    )
  }
  if (initialCapital !== undefined) {
    parts.push(line(left, y.map(initialCapital), right, y.map(initialCapital), "baseline"))
  }

  // Drawdowns first (under the equity lines of the other panel, never over each other's fill).
  plotted.forEach((points, c) => {
    const area: Array<string> = [`M${coord(x.map(points[0].ts))},${coord(c === 0 ? ddTop : yd.map(points[0].drawdown))}`]
    for (const p of points) area.push(`H${coord(x.map(p.ts))}V${coord(yd.map(p.drawdown))}`)
    const end = x.map(drawn[c].points[drawn[c].points.length - 1].ts)
    if (c === 0) {
      area.push(`H${coord(Math.max(end, x.map(t1)))}V${coord(ddTop)}Z`)
      parts.push(`<path class="dd" d="${area.join("")}"/>`)
    } else {
      area.push(`H${coord(x.map(t1))}`)
      parts.push(`<path class="${withVariant("dd-line", drawn[c])}" d="${area.join("")}"/>`)
    }
  })

  // Equity: a step line per curve, the first drawn last (on top).
  for (let c = plotted.length - 1; c >= 0; c--) {
    const points = plotted[c]
    const path: Array<string> = [`M${coord(x.map(points[0].ts))},${coord(y.map(points[0].equity))}`]
    for (let i = 1; i < points.length; i++) path.push(`H${coord(x.map(points[i].ts))}V${coord(y.map(points[i].equity))}`)
    path.push(`H${coord(right)}`)
    parts.push(`<path class="${curveClass(drawn[c])}" d="${path.join("")}"/>`)
  }

  // Axes and labels: each tick's time, and under it the date where it changes.
  parts.push(line(left, equityTop, left, equityBottom, "axis"))
  parts.push(line(left, equityBottom, right, equityBottom, "axis"))
  parts.push(line(left, ddTop, left, ddBottom, "axis"))
  parts.push(line(left, ddBottom, right, ddBottom, "axis"))
  time.ticks.forEach((t, i) => {
    const xt = x.map(t)
    const anchor = `text-anchor="${anchorFor(xt, left, right)}"`
    parts.push(line(xt, ddBottom, xt, ddBottom + 5, "axis"))
    parts.push(text(xt, ddBottom + 19, time.labels[i].main, `class="tick" ${anchor}`))
    const context = time.labels[i].context
    if (context !== undefined) parts.push(text(xt, ddBottom + 34, context, `class="tick-context" ${anchor}`))
  })
  parts.push(text(left, equityTop - 10, "Equity (quote currency)", `class="title"`))
  parts.push(text(left, ddTop - 10, "Drawdown from running peak", `class="title"`))
  parts.push(text(right, ddBottom + 54, "time (UTC)", `class="tick" text-anchor="end"`))
  parts.push("</svg>")

  const legend = drawn.map((curve, c) => {
    const thinned = plotted[c].length < curve.points.length
      ? ` <span class="muted">(${plotted[c].length} of ${curve.points.length} points plotted, extremes kept)</span>`
      : ""
    return `<span class="legend-item"><span class="${withVariant("swatch", curve)}"></span>${escapeHtml(curve.label)}${thinned}</span>`
  })
  return `${parts.join("")}<p class="legend">${legend.join("")}</p>`
}

export interface HistogramBin {
  readonly from: number
  readonly to: number
  readonly count: number
}

/** Equal-width bins aligned to multiples of a nice width, about `target` of them, covering `values`. */
export const histogramBins = (values: ReadonlyArray<number>, target = 30): Array<HistogramBin> => {
  if (values.length === 0) return []
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const v of values) {
    if (v < min) min = v
    if (v > max) max = v
  }
  const ticks = niceTicks(min, max, target)
  const width = ticks.step
  const first = Math.round(ticks.min / width)
  let count = Math.round((ticks.max - ticks.min) / width)
  if (count < 1) count = 1
  const counts = new Array<number>(count).fill(0)
  for (const v of values) {
    const index = Math.floor(v / width + 1e-9) - first
    counts[Math.min(count - 1, Math.max(0, index))]++
  }
  return counts.map((c, i) => ({
    from: Number(((first + i) * width).toFixed(ticks.decimals)),
    to: Number(((first + i + 1) * width).toFixed(ticks.decimals)),
    count: c
  }))
}

/** How `valueHistogram` labels its values. */
export interface HistogramOptions {
  /** The SVG's accessible label. */
  readonly label: string
  /** Shown instead of a chart when there are no values. */
  readonly empty: string
  /** A value on the x axis, given the decimals that print the axis's step exactly. */
  readonly tick: (value: number, decimals: number) => string
  /** A bin's bound in its tooltip, given the decimals that print the bin width exactly. */
  readonly bound: (value: number, decimals: number) => string
  /** The mean in its label. */
  readonly mean: (value: number) => string
  /** Above the chart, e.g. `Trades per return bin (4 trades)`. */
  readonly title: string
  /** Under the x axis, at its right end. */
  readonly axisLabel: string
  /** An extra dashed marker at this value, labelled (e.g. the best variant). */
  readonly marker?: { readonly value: number; readonly label: string }
}

/**
 * Histogram of `values` on an axis of nice bins: bars red below zero and green above, the mean
 * marked with a dashed line.
 */
export const valueHistogram = (values: ReadonlyArray<number>, options: HistogramOptions): string => {
  const label = options.label
  if (values.length === 0) return placeholder(120, label, options.empty)
  const bins = histogramBins(values)
  const left = 64
  const right = WIDTH - 24
  const top = 30
  const bottom = 266
  const height = 318

  const x = linearScale([bins[0].from, bins[bins.length - 1].to], [left, right])
  let most = 0
  for (const bin of bins) if (bin.count > most) most = bin.count
  // Whole counts only on the y axis.
  const countStep = Math.max(1, niceStep(Math.max(1, most) / 5))
  const countMax = Math.max(countStep, Math.ceil(most / countStep) * countStep)
  const y = linearScale([0, countMax], [bottom, top])

  const parts: Array<string> = [svgOpen(height, label)]
  for (let v = 0; v <= countMax; v += countStep) {
    parts.push(line(left, y.map(v), right, y.map(v), "grid"))
    parts.push(text(left - 8, y.map(v) + 4, formatFixed(v, 0), `class="tick" text-anchor="end"`))
  }
  const binDecimals = decimalsOf(niceStep(bins[0].to - bins[0].from))
  for (const bin of bins) {
    if (bin.count === 0) continue
    const x0 = x.map(bin.from) + 0.5
    const x1 = x.map(bin.to) - 0.5
    const y0 = y.map(bin.count)
    const cls = bin.to <= 0 ? "bar-neg" : "bar-pos"
    parts.push(
      `<rect class="${cls}" x="${coord(x0)}" y="${coord(y0)}" width="${coord(Math.max(0.5, x1 - x0))}" height="${
        coord(bottom - y0)
      }"><title>${
        escapeHtml(`${options.bound(bin.from, binDecimals)} to ${options.bound(bin.to, binDecimals)}: ${bin.count}`)
      }</title></rect>`
    )
  }
  // x ticks: about 12 labels (each ~50 px wide, so they never touch on a 950 px axis).
  const xTicks = niceTicks(bins[0].from, bins[bins.length - 1].to, 12)
  for (const v of xTicks.ticks) {
    if (v < bins[0].from - 1e-12 || v > bins[bins.length - 1].to + 1e-12) continue
    const xv = x.map(v)
    parts.push(line(xv, bottom, xv, bottom + 5, "axis"))
    parts.push(text(xv, bottom + 19, options.tick(v, xTicks.decimals), `class="tick" text-anchor="${anchorFor(xv, left, right)}"`))
  }
  parts.push(line(left, top, left, bottom, "axis"))
  parts.push(line(left, bottom, right, bottom, "axis"))
  if (bins[0].from < 0 && bins[bins.length - 1].to > 0) parts.push(line(x.map(0), top, x.map(0), bottom, "axis"))
  let sum = 0
  for (const r of values) sum += r
  const mean = sum / values.length
  const xm = x.map(mean)
  parts.push(line(xm, top, xm, bottom, "mean"))
  parts.push(
    text(
      xm + (right - xm < 140 ? -6 : 6),
      top + 12,
      `mean ${options.mean(mean)}`,
      `class="tick" text-anchor="${right - xm < 140 ? "end" : "start"}"`
    )
  )
  if (options.marker !== undefined) {
    const xb = x.map(options.marker.value)
    parts.push(line(xb, top, xb, bottom, "marker"))
    parts.push(text(right, top - 10, `dotted: ${options.marker.label}`, `class="tick" text-anchor="end"`))
  }
  parts.push(text(left, top - 10, options.title, `class="title"`))
  parts.push(text(right, bottom + 42, options.axisLabel, `class="tick" text-anchor="end"`))
  parts.push("</svg>")
  return parts.join("")
}

/** Histogram of trade returns (fractions), bars red below zero and green above; mean marked. */
export const returnsHistogram = (returns: ReadonlyArray<number>): string =>
  valueHistogram(returns, {
    label: "Distribution of trade returns",
    empty: "No trades.",
    tick: (v, decimals) => formatSignedPercent(v, Math.max(0, decimals - 2)),
    bound: (v) => formatSignedPercent(v, 1),
    mean: (v) => formatSignedPercent(v, 2),
    title: `Trades per return bin (${returns.length} trades)`,
    axisLabel: "trade return (net pnl / notional)"
  })
