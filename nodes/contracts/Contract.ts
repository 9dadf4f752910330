/**
 * A data contract (docs/DESIGN.md §6): one artifact type's columns with exact DuckDB types and
 * nullability, its canonical sort order, uniqueness, row-level checks, and an Effect Schema for one
 * row. Every artifact type — inputs and experiment outputs alike — is built with `defineContract`
 * from a column list, so DDL, canonical SELECT, Parquet layout and Schema never drift apart.
 */
import { Array as Arr, type Effect, Either, ParseResult, Predicate, Schema, SchemaAST } from "effect"

/** The DuckDB types contracts use. TIMESTAMP is µs, no time zone, always meant as UTC. */
export type DuckDBColumnType = "VARCHAR" | "TIMESTAMP" | "DOUBLE" | "INTEGER" | "BIGINT" | "BOOLEAN"

export interface ColumnDef {
  readonly name: string
  readonly duckdbType: DuckDBColumnType
  readonly nullable: boolean
  readonly description: string
  /** A VARCHAR column with a closed set of values: the row types narrow to them. */
  readonly values?: ReadonlyArray<string>
}

/** A NOT NULL column; its name and type stay literal, so row types know them. */
export const column = <const N extends string, const T extends DuckDBColumnType>(
  name: N,
  duckdbType: T,
  description: string
) => ({ name, duckdbType, nullable: false as const, description })

/** A nullable column. */
export const nullableColumn = <const N extends string, const T extends DuckDBColumnType>(
  name: N,
  duckdbType: T,
  description: string
) => ({ name, duckdbType, nullable: true as const, description })

/** A NOT NULL VARCHAR column whose values are one of `values`. */
export const enumColumn = <const N extends string, const V extends ReadonlyArray<string>>(
  name: N,
  values: V,
  description: string
) => ({ name, duckdbType: "VARCHAR" as const, nullable: false as const, description, values })

/** A row-level invariant as SQL: `condition` is true for a valid row (NULLs count as valid). */
export interface SqlCheck {
  readonly name: string
  /** The column a violation is reported against. */
  readonly column: string
  readonly condition: string
  readonly message: string
}

/** Schema of one value, as `getRowObjectsJS()` returns it (TIMESTAMP → Date: ms precision). */
const valueSchemas = {
  VARCHAR: Schema.String,
  TIMESTAMP: Schema.ValidDateFromSelf,
  DOUBLE: Schema.Number.pipe(Schema.finite()),
  INTEGER: Schema.Number.pipe(Schema.int(), Schema.between(-2147483648, 2147483647)),
  BIGINT: Schema.BigIntFromSelf,
  BOOLEAN: Schema.Boolean
} as const

type Narrowed<C extends ColumnDef, Base> = C extends { readonly values: ReadonlyArray<infer V extends string> } ? V : Base
type Nullable<C extends ColumnDef, T> = C["nullable"] extends false ? T : T | null

type ValueType<T extends DuckDBColumnType> = Schema.Schema.Type<(typeof valueSchemas)[T]>
type FieldType<C extends ColumnDef> = Nullable<C, Narrowed<C, ValueType<C["duckdbType"]>>>

/** One row of a contract with columns `Cols` as DuckDB's JS values give it (TIMESTAMP → Date). */
export type RowOf<Cols extends ReadonlyArray<ColumnDef>> = {
  readonly [C in Cols[number] as C["name"]]: FieldType<C>
}

/** The TypeScript side's form of a value: times are epoch milliseconds, BIGINT a number. */
type JsValueType<T extends DuckDBColumnType> = T extends "VARCHAR" ? string : T extends "BOOLEAN" ? boolean : number
type JsFieldType<C extends ColumnDef> = Nullable<C, Narrowed<C, JsValueType<C["duckdbType"]>>>

/**
 * One row as the code carries it (`readRows` returns, `writeRows` takes, the
 * simulation produces): TIMESTAMP as epoch ms, BIGINT as number, closed VARCHARs as their union.
 */
export type JsRowOf<Cols extends ReadonlyArray<ColumnDef>> = {
  readonly [C in Cols[number] as C["name"]]: JsFieldType<C>
}

/** The row type of a contract (see `JsRowOf`). */
export type ContractRow<K extends { readonly columns: ReadonlyArray<ColumnDef> }> = JsRowOf<K["columns"]>

export interface ContractSpec<Cols extends ReadonlyArray<ColumnDef>> {
  readonly type: string
  readonly schemaVersion: number
  readonly description: string
  readonly columns: Cols
  /** Canonical order; must be a total order over valid data (include a unique key). */
  readonly sortKeys: ReadonlyArray<Cols[number]["name"]>
  /** Column sets whose values are unique across the artifact. */
  readonly uniqueKeys?: ReadonlyArray<ReadonlyArray<Cols[number]["name"]>>
  readonly checks?: ReadonlyArray<SqlCheck>
  /** Extra TypeScript check on a decoded row; returns a message when the row is invalid. */
  readonly refineRow?: (row: RowOf<Cols>) => string | undefined
  /**
   * Allow column names that are strategy paths (`stopLoss.pct`, `exit.targets[0].multiple`): the
   * sweep leaderboard names its parameter columns so. Other contracts keep plain identifiers.
   */
  readonly pathColumns?: boolean
}

/**
 * Any contract, whatever its columns: everything a contract has but its row Schema, which is
 * invariant in the row type (so a `Contract<Cols>` of every `Cols` is one of these).
 */
export interface AnyContract {
  readonly type: string
  readonly schemaVersion: number
  readonly description: string
  readonly columns: ReadonlyArray<ColumnDef>
  readonly sortKeys: ReadonlyArray<string>
  readonly uniqueKeys: ReadonlyArray<ReadonlyArray<string>>
  readonly checks: ReadonlyArray<SqlCheck>
  /** `"chain", "mint", "ts"`: the body of the canonical ORDER BY. */
  readonly orderBy: string
  /** `CREATE [TEMP] TABLE "<table>" (… exact types, NOT NULL …)`. */
  readonly ddl: (table: string, options?: { readonly temporary?: boolean }) => string
  /**
   * `SELECT <every column cast to its exact type> FROM (<source>) ORDER BY <sort keys>`; a NULL in a
   * NOT NULL column aborts the statement with an error naming the column.
   */
  readonly canonicalSelect: (source: string) => string
  /** What other code (CLI, README, validate) needs to know, as plain data. */
  readonly describe: () => ContractDescription
}

export interface Contract<Cols extends ReadonlyArray<ColumnDef> = ReadonlyArray<ColumnDef>> extends AnyContract {
  readonly columns: Cols
  /** Decodes one row (JS values); NOT NULL, finiteness, INTEGER range and `refineRow` enforced. */
  readonly rowSchema: Schema.Schema<RowOf<Cols>>
}

export interface ContractDescription {
  readonly type: string
  readonly schemaVersion: number
  readonly description: string
  readonly columns: ReadonlyArray<{
    readonly name: string
    readonly duckdbType: DuckDBColumnType
    readonly nullable: boolean
    readonly description: string
    readonly values?: ReadonlyArray<string>
  }>
  readonly sortKeys: ReadonlyArray<string>
  readonly uniqueKeys: ReadonlyArray<ReadonlyArray<string>>
}

const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/

const PATH_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*$/

const assertName = (what: string, name: string, pattern: RegExp = PLAIN_NAME): string => {
  if (!pattern.test(name)) throw new Error(`contract ${what} ${JSON.stringify(name)} is not a plain lowercase identifier`)
  return name
}

const quote = (name: string) => `"${name}"`

/** The Schema of one column's value: its DuckDB type's, narrowed to `values`, NULL when nullable. */
const valueSchemaOf = (column: ColumnDef): Schema.Schema.AnyNoContext => {
  const value = column.values === undefined ? valueSchemas[column.duckdbType] : Schema.Literal(...column.values)
  return column.nullable ? Schema.NullOr(value) : value
}

/**
 * The Schema of one row of `columns`: a declaration whose guard checks every column's value with
 * that column's Schema, so the row type is what the check established; a failure is one issue per
 * failing column, each a pointer naming the column.
 */
const rowSchemaOf = <Cols extends ReadonlyArray<ColumnDef>>(type: string, columns: Cols): Schema.Schema<RowOf<Cols>> => {
  const checks = columns.map((column) => {
    const schema = valueSchemaOf(column)
    const missing = new ParseResult.Missing(new SchemaAST.PropertySignature(column.name, schema.ast, false, true))
    return { name: column.name, missing, validate: ParseResult.validateEither(schema) }
  })
  const issuesOf = (input: Readonly<Record<string, unknown>>): Array<ParseResult.ParseIssue> =>
    checks.flatMap(({ missing, name, validate }) => {
      if (!(name in input)) return [new ParseResult.Pointer(name, input, missing)]
      const checked = validate(input[name])
      return Either.isLeft(checked) ? [new ParseResult.Pointer(name, input, checked.left)] : []
    })
  const isRow = (input: unknown): input is RowOf<Cols> => Predicate.isRecord(input) && issuesOf(input).length === 0
  const check = () =>
  (input: unknown, _options: SchemaAST.ParseOptions, ast: SchemaAST.Declaration): Effect.Effect<RowOf<Cols>, ParseResult.ParseIssue> => {
    if (isRow(input)) return ParseResult.succeed(input)
    const issues = Predicate.isRecord(input) ? issuesOf(input) : []
    return ParseResult.fail(
      Arr.isNonEmptyArray(issues) ? new ParseResult.Composite(ast, input, issues) : new ParseResult.Type(ast, input)
    )
  }
  return Schema.declare([], { decode: check, encode: check }, { identifier: `${type} row` })
}

/** Builds a contract; throws (at module load, a programming error) on an inconsistent spec. */
export const defineContract = <const Cols extends ReadonlyArray<ColumnDef>>(
  spec: ContractSpec<Cols>
): Contract<Cols> => {
  assertName("type", spec.type)
  const names = spec.columns.map((column) =>
    assertName("column", column.name, spec.pathColumns === true && !PLAIN_NAME.test(column.name) ? PATH_NAME : PLAIN_NAME)
  )
  if (new Set(names).size !== names.length) throw new Error(`contract ${spec.type} has duplicate columns`)
  const known = (name: string) => {
    if (!names.includes(name)) throw new Error(`contract ${spec.type}: unknown column ${name}`)
    return name
  }
  if (spec.sortKeys.length === 0) throw new Error(`contract ${spec.type} needs sort keys`)
  spec.sortKeys.forEach(known)
  const uniqueKeys = (spec.uniqueKeys ?? []).map((key) => key.map(known))
  const checks = spec.checks ?? []
  checks.forEach((check) => known(check.column))

  const struct = rowSchemaOf(spec.type, spec.columns)
  const refine = spec.refineRow
  const rowSchema = refine === undefined
    ? struct
    : struct.pipe(Schema.filter((row) => refine(row) ?? true))

  const orderBy = spec.sortKeys.map(quote).join(", ")
  const selectList = spec.columns
    .map((column) => {
      const cast = `CAST(${quote(column.name)} AS ${column.duckdbType})`
      const guarded = column.nullable
        ? cast
        : `CASE WHEN ${quote(column.name)} IS NULL THEN error('${spec.type}: NULL in NOT NULL column ${column.name}') ELSE ${cast} END`
      return `${guarded} AS ${quote(column.name)}`
    })
    .join(", ")

  const description: ContractDescription = {
    type: spec.type,
    schemaVersion: spec.schemaVersion,
    description: spec.description,
    columns: spec.columns.map(({ description, duckdbType, name, nullable, values }) => ({
      name,
      duckdbType,
      nullable,
      description,
      ...(values === undefined ? {} : { values })
    })),
    sortKeys: [...spec.sortKeys],
    uniqueKeys
  }

  return {
    type: spec.type,
    schemaVersion: spec.schemaVersion,
    description: spec.description,
    columns: spec.columns,
    sortKeys: [...spec.sortKeys],
    uniqueKeys,
    checks,
    rowSchema,
    orderBy,
    ddl: (table, options) =>
      `CREATE ${options?.temporary === true ? "TEMP " : ""}TABLE ${quote(assertName("table", table))} (${
        spec.columns
          .map((column) => `${quote(column.name)} ${column.duckdbType}${column.nullable ? "" : " NOT NULL"}`)
          .join(", ")
      })`,
    canonicalSelect: (source) => `SELECT ${selectList} FROM (${source}) AS canonical_source ORDER BY ${orderBy}`,
    describe: () => description
  }
}
