/**
 * One place where database failures become store failures: a `SqlError` is a `StoreIOError` whose
 * operation says what was attempted, whose path names the record (`postgres:<table>/<id>`), and whose
 * reason carries the server's message and SQLSTATE code. Connection strings never appear in it.
 */
import type { SqlError } from "@effect/sql/SqlError"
import { StoreIOError } from "../../StoreError.js"

const causeText = (cause: unknown): string => {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    return typeof code === "string" && code !== "" ? `${cause.message} (${code})` : cause.message
  }
  return cause === undefined ? "" : String(cause)
}

export const describeSqlError = (error: SqlError): string => {
  const detail = causeText(error.cause)
  return detail === "" ? error.message : `${error.message}: ${detail}`
}

export const sqlFailure = (operation: string, path: string) => (error: SqlError): StoreIOError =>
  new StoreIOError({ operation, path, reason: "Database", detail: describeSqlError(error) })

/** `postgres://user:secret@host/db?…` → `postgres://user@host/db`: what messages may show. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    parsed.password = ""
    parsed.search = ""
    return parsed.toString()
  } catch {
    return "postgres://<unparseable url>"
  }
}
