import { assert, describe, it } from "@effect/vitest"
import { mergeAlternatives } from "../src/internal/problems.js"

describe("problems", () => {
  it("one line per path and value, every allowed value once, in order, at the place of the first", () => {
    assert.deepStrictEqual(
      mergeAlternatives([
        "logging.level: Expected \"DEBUG\", actual \"LOUD\"",
        "api.baseUrl: expected an absolute http/https URL",
        "logging.level: Expected \"INFO\", actual \"LOUD\"",
        "logging.level: Expected \"INFO\", actual \"LOUD\""
      ]),
      ["logging.level: Expected \"DEBUG\" | \"INFO\", actual \"LOUD\"", "api.baseUrl: expected an absolute http/https URL"]
    )
  })

  it("two bad values at two paths, or two values at one path, stay apart", () => {
    const lines = [
      "signalr.reconnection.delays[1]: Expected number, actual \"x\"",
      "signalr.reconnection.delays[2]: Expected number, actual \"x\"",
      "risk.accounts: Expected \"all\", actual \"x\"",
      "risk.accounts: Expected \"all\", actual \"y\""
    ]
    assert.deepStrictEqual(mergeAlternatives(lines), lines)
  })

  it("an object is \"a mapping of keys\"", () => {
    assert.deepStrictEqual(mergeAlternatives(["database: Expected Struct (Encoded side), actual 5"]), [
      "database: Expected a mapping of keys, actual 5"
    ])
  })
})
