import { ParseResult } from "effect"

/** A parse error as short "path: message" lines (not the whole schema), for RecordDecodeError.detail. */
export const parseDetail = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => `${issue.path.length === 0 ? "<root>" : issue.path.join(".")}: ${issue.message}`)
    .join("; ")
