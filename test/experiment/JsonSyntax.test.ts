import { describe, expect, it } from "vitest"
import { jsonSyntaxProblem } from "../../nodes/experiment/JsonSyntax.js"

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe("jsonSyntaxProblem", () => {
  it("names the line and column of the first error, and what was expected there", () => {
    expect(jsonSyntaxProblem('{\n  "name": "x",\n  "seed": 1,,\n}')).toEqual({
      offset: 29,
      line: 3,
      column: 13,
      reason: "expected a property name in double quotes, found ','"
    })
    expect(jsonSyntaxProblem('{"a": tru}')).toMatchObject({ line: 1, column: 7, reason: "expected 'true', found 't'" })
    expect(jsonSyntaxProblem('{\n  "a": 1\n  "b": 2\n}')).toMatchObject({
      line: 3,
      column: 3,
      reason: "expected ',' or '}' after a property value, found '\"'"
    })
    expect(jsonSyntaxProblem('{"a": [1, 2')).toMatchObject({ line: 1, column: 12, reason: "expected ',' or ']' after an array element, found the end of the text" })
    expect(jsonSyntaxProblem("")).toMatchObject({ line: 1, column: 1 })
    expect(jsonSyntaxProblem('{"a": "x\ny"}')).toMatchObject({ line: 1, column: 9 })
    expect(jsonSyntaxProblem("\r\n\r\n  {} x")).toMatchObject({ line: 3, column: 6, reason: "expected the end of the text after the value, found 'x'" })
    expect(jsonSyntaxProblem("\ufeff{}")).toMatchObject({ line: 1, column: 1, reason: expect.stringContaining("byte order mark") })
  })

  it("agrees with JSON.parse on which texts are JSON, and on the offset where JSON.parse gives one", () => {
    const texts = [
      "{}", "[]", "0", "-0.5e+10", "01", "1.", ".5", "-", "1e", '"\\u00e9"', '"\\x"', '"\\u12"', "[1,]", "[,1]", '{"a":1,}',
      "{'a':1}", "nul", "true false", '{"a" 1}', '{"a":}', "[[[]]]", '"\t"', "  [ 1 , { \"b\" : [ null ] } ]  ", "1 2", "[1 2]",
      '{"a":{"b":{"c":[1,{"d":"e"}]}}}', '{"a":1}}', "[\"a\"\"b\"]", "-01", "2E-3", "tru", "{\"a\":1,\"a\":2}"
    ]
    for (const text of texts) {
      const problem = jsonSyntaxProblem(text)
      expect(problem === undefined, text).toBe(parses(text))
      if (problem === undefined) continue
      try {
        JSON.parse(text)
      } catch (error) {
        const position = /at position (\d+)/.exec((error as Error).message)
        if (position !== null) expect(problem.offset, text).toBe(Number(position[1]))
      }
    }
  })
})
