/**
 * Plain-text tables for the terminal: a header row and aligned columns separated by two spaces,
 * no trailing blanks. Widths count code points; a column with `maxWidth` truncates with `…`.
 */

export interface Column {
  readonly header: string
  /** Default "left"; numbers read better right-aligned. */
  readonly align?: "left" | "right"
  /** Cells longer than this are cut and end with `…`. */
  readonly maxWidth?: number
}

const widthOf = (text: string): number => [...text].length

const truncate = (text: string, max: number | undefined): string => {
  if (max === undefined || widthOf(text) <= max) return text
  return max <= 1 ? "…".slice(0, max) : `${[...text].slice(0, max - 1).join("")}…`
}

const pad = (text: string, width: number, align: "left" | "right"): string => {
  const fill = " ".repeat(Math.max(0, width - widthOf(text)))
  return align === "right" ? fill + text : text + fill
}

/** The table as lines joined by `\n` (no final newline). Newlines inside cells become spaces. */
export const renderTable = (
  columns: ReadonlyArray<Column>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): string => {
  const cells = rows.map((row) =>
    columns.map((column, i) => truncate((row[i] ?? "").replace(/[\r\n\t]+/g, " "), column.maxWidth))
  )
  const widths = columns.map((column, i) =>
    Math.max(widthOf(column.header), ...cells.map((row) => widthOf(row[i])))
  )
  const line = (values: ReadonlyArray<string>) =>
    values
      .map((value, i) => pad(value, widths[i], columns[i].align ?? "left"))
      .join("  ")
      .trimEnd()
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join("\n")
}
