/** alerts_v1 (docs/DESIGN.md §6): "token `mint` on `chain` was called at `alert_ts`". */
import { defineContract } from "./Contract.js"

export const AlertsV1 = defineContract({
  type: "alerts_v1",
  schemaVersion: 1,
  description: "Alerts: a token (mint) on a chain was called at a time. Sorted by alert_ts, alert_id; alert_id unique.",
  columns: [
    { name: "alert_id", duckdbType: "VARCHAR", nullable: false, description: "Unique id of the alert." },
    { name: "alert_ts", duckdbType: "TIMESTAMP", nullable: false, description: "When the alert was seen (UTC, µs)." },
    { name: "chain", duckdbType: "VARCHAR", nullable: false, description: "Chain, e.g. solana." },
    { name: "mint", duckdbType: "VARCHAR", nullable: false, description: "Token address or symbol, case preserved." },
    { name: "caller", duckdbType: "VARCHAR", nullable: true, description: "Who raised the alert, when known." }
  ],
  sortKeys: ["alert_ts", "alert_id"],
  uniqueKeys: [["alert_id"]],
  checks: [
    { name: "alert_id_not_empty", column: "alert_id", condition: "length(alert_id) > 0", message: "alert_id is empty" },
    { name: "chain_not_empty", column: "chain", condition: "length(chain) > 0", message: "chain is empty" },
    { name: "mint_not_empty", column: "mint", condition: "length(mint) > 0", message: "mint is empty" }
  ],
  refineRow: (row) =>
    row.alert_id.length === 0 ? "alert_id is empty"
    : row.chain.length === 0 ? "chain is empty"
    : row.mint.length === 0 ? "mint is empty"
    : undefined
})
