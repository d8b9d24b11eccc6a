import { assert, describe, it } from "@effect/vitest"
import { RiskConfig } from "@tradeguard/rules"
import * as Schema from "effect/Schema"
import { riskWarnings } from "../src/internal/riskWarnings.js"

const risk = Schema.decodeUnknownSync(RiskConfig.RiskConfigSchema)

describe("riskWarnings", () => {
  it("no rule: one warning; a rule: none", () => {
    assert.lengthOf(riskWarnings(RiskConfig.defaults), 1)
    assert.deepStrictEqual(riskWarnings(risk({ defaults: { consistency: {} } })), [])
  })

  it("every perAccount entry outside the accounts list is named, one line each", () => {
    assert.deepStrictEqual(
      riskWarnings(risk({ accounts: [7], defaults: { consistency: {} }, perAccount: { "7": {}, "8": {}, "9": { consistency: null } } })),
      [
        "risk.perAccount.8: account 8 is not in risk.accounts [7]: its rules never apply",
        "risk.perAccount.9: account 9 is not in risk.accounts [7]: its rules never apply"
      ]
    )
  })
})
