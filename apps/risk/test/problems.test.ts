import { assert, describe, it } from "@effect/vitest"
import { mergeAlternatives, tidyRiskLines } from "../src/internal/problems.js"

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

describe("tidyRiskLines", () => {
  it("the null alternative of a perAccount rule goes when the rule has problems of its own, stays when it has none", () => {
    assert.deepStrictEqual(
      tidyRiskLines([
        "risk.perAccount.100002.dailyLossLimit.amount: Expected a positive amount, actual -5",
        "risk.perAccount.100002.dailyLossLimit: Expected null, actual {\"amount\":-5}",
        "risk.perAccount.100003.tradingHours: Expected null, actual {}"
      ]),
      [
        "risk.perAccount.100002.dailyLossLimit.amount: Expected a positive amount, actual -5",
        "risk.perAccount.100003.tradingHours: Expected null, actual {}"
      ]
    )
  })

  it("a perAccount key that is no account id is said in words", () => {
    assert.deepStrictEqual(
      tidyRiskLines(["risk.perAccount.abc: is unexpected, expected: a string matching the pattern ^[1-9]\\d*$"]),
      ["risk.perAccount.abc: is not an account id (digits, e.g. \"100002\")"]
    )
  })
})
