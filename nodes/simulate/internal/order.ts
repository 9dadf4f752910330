/** The code base's one string and number order (store/Order.ts), and a time format for messages. */
export { compareNumbers, compareStrings } from "../../../store/Order.js"

/** ISO-8601 UTC rendering of an epoch-ms time, for diagnostic messages. */
export const isoMs = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms))
