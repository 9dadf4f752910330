/**
 * An alert as the simulation engine takes it: the alerts_v1 row with `alert_ts` as epoch
 * milliseconds (the loader converts the Parquet TIMESTAMP µs value).
 */
export interface SimAlert {
  readonly alert_id: string
  /** When the alert was seen, epoch milliseconds (UTC). */
  readonly alert_ts: number
  readonly chain: string
  readonly mint: string
  readonly caller: string | null
}
