/**
 * The one home of Parquet reading and writing: canonical files from SQL or from JS rows, rows read
 * back typed by their contract, and publishing a written file into the store with lineage.
 */
export * from "./CanonicalParquet.js"
export * from "./RowsParquet.js"
export * from "./Publish.js"
export { readArtifactRows } from "./KnownRows.js"
