import { assert, describe, it } from "@effect/vitest"
import { explain, legacyKeys } from "../src/internal/legacyRisk.js"

describe("legacyRisk", () => {
  it("nothing to say about a file without a risk mapping, or a risk block without old keys", () => {
    assert.deepStrictEqual(legacyKeys(undefined), [])
    assert.deepStrictEqual(legacyKeys([1, 2]), [])
    assert.deepStrictEqual(legacyKeys({ risk: "all" }), [])
    assert.deepStrictEqual(legacyKeys({ risk: { mode: "monitor", accounts: "all", defaults: 5, perAccount: [] } }), [])
    assert.deepStrictEqual(legacyKeys({ risk: { defaults: { dailyLossLimit: 7 }, perAccount: { "1": null } } }), [])
  })

  it("the old maxPositionSize is replaced whole: its own enabled is not listed again", () => {
    assert.deepStrictEqual(legacyKeys({ risk: { maxPositionSize: { enabled: true, default: 5 } } }).map((k) => k.path), [
      "risk.maxPositionSize"
    ])
  })

  it("explain puts the old keys first and drops the schema's line at their paths only", () => {
    assert.deepStrictEqual(
      explain([{ path: "risk.tradingHours", message: "moved" }], [
        "risk.tradingHours: is unexpected, expected one of \"mode\"",
        "risk.tradingHoursX: is unexpected",
        "api.baseUrl: expected an absolute http/https URL"
      ]),
      ["risk.tradingHours: moved", "risk.tradingHoursX: is unexpected", "api.baseUrl: expected an absolute http/https URL"]
    )
  })
})
