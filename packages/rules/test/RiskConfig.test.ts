import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { RiskConfig } from "../src/index.js"

const decode = Schema.decodeUnknownSync(RiskConfig.RiskConfigSchema, { onExcessProperty: "error" })
/** The problems of an input that must be refused, as `path: message` lines. */
const problems = (input: unknown): string => {
  const r = Schema.decodeUnknownEither(RiskConfig.RiskConfigSchema, { onExcessProperty: "error", errors: "all" })(input)
  if (Either.isRight(r)) throw new Error("decoded, expected a refusal")
  return ParseResult.ArrayFormatter.formatErrorSync(r.left).map((i) => `${i.path.join(".")}: ${i.message}`).join("\n")
}

describe("RiskConfig", () => {
  it("an empty section: enforce, every account, no weights, no rule", () => {
    assert.deepStrictEqual(RiskConfig.defaults, { mode: "enforce", accounts: "all", contractWeights: {}, defaults: {}, perAccount: {} })
    assert.deepStrictEqual(decode({}), RiskConfig.defaults)
    assert.isFalse(RiskConfig.hasAnyRule(RiskConfig.defaults))
  })

  it("a rule written empty gets every field's default", () => {
    const c = decode({
      defaults: {
        dailyLossLimit: {}, positionMaxLoss: {}, tradingHours: {}, maxTradesPerDay: {}, lossCooldown: {},
        dailyProfitTarget: {}, newsBlackout: {}, staleData: {}, consistency: {}, maxContracts: {}
      }
    })
    assert.deepStrictEqual(c.defaults, {
      dailyLossLimit: { amount: 1000 },
      positionMaxLoss: { amount: 300 },
      tradingHours: { timeZone: "America/Chicago", open: "17:00", close: "15:10", days: ["Sun", "Mon", "Tue", "Wed", "Thu"] },
      maxTradesPerDay: { count: 20 },
      lossCooldown: { consecutiveLosses: 3, minutes: 30 },
      dailyProfitTarget: { amount: 1500 },
      newsBlackout: { minutesBefore: 2, minutesAfter: 2, events: [] },
      staleData: { maxQuoteAgeMs: 10000, hubDownGraceMs: 30000, action: "flatten" },
      consistency: { maxBestDayShare: 0.5 },
      maxContracts: { perSymbol: {} }
    })
  })

  it("maxLossLimit: amount and startingBalance are required, trailing defaults to endOfDay", () => {
    const text = problems({ defaults: { maxLossLimit: {} } })
    assert.include(text, "defaults.maxLossLimit.amount: is missing")
    assert.include(text, "defaults.maxLossLimit.startingBalance: is missing")
    assert.deepStrictEqual(decode({ defaults: { maxLossLimit: { amount: 2000, startingBalance: 50000 } } }).defaults.maxLossLimit, {
      amount: 2000, trailing: "endOfDay", startingBalance: 50000
    })
    assert.include(problems({ defaults: { maxLossLimit: { amount: 2000, startingBalance: 50000, trailing: "weekly" } } }), "trailing")
  })

  it("a bad time zone is refused through the one TimeZone schema, by path", () => {
    assert.include(problems({ defaults: { tradingHours: { timeZone: "Mars/Olympus" } } }),
      "defaults.tradingHours.timeZone: unknown time zone \"Mars/Olympus\"")
    assert.include(problems({ perAccount: { "7": { tradingHours: { timeZone: "Chicago" } } } }), "unknown time zone \"Chicago\"")
    assert.strictEqual(decode({ defaults: { tradingHours: { timeZone: "Europe/Berlin" } } }).defaults.tradingHours?.timeZone, "Europe/Berlin")
  })

  it("amounts are positive dollars; a bad amount names what is expected", () => {
    assert.include(problems({ defaults: { dailyLossLimit: { amount: -5 } } }), "Expected a positive amount in account currency (dollars), actual -5")
    assert.include(problems({ defaults: { dailyLossLimit: { amount: 0 } } }), "actual 0")
  })

  it("perAccount keys are account ids (digits); other keys are refused", () => {
    for (const key of ["abc", "0", "012", "-1", "1.5"]) assert.include(problems({ perAccount: { [key]: {} } }), key)
    assert.deepStrictEqual(Object.keys(decode({ perAccount: { "100002": {} } }).perAccount), ["100002"])
  })

  it("accounts: all or a non-empty list of positive ids", () => {
    assert.deepStrictEqual(decode({ accounts: [1, 2] }).accounts, [1, 2])
    for (const bad of [[], [0], [1.5], "some"]) problems({ accounts: bad })
  })

  it("null turns a default rule off for one account; a rule given replaces the default whole (no merge)", () => {
    const c = decode({
      defaults: { dailyLossLimit: { amount: 1000 }, tradingHours: { flatBy: "15:08" }, staleData: { action: "alert" } },
      perAccount: { "100002": { dailyLossLimit: { amount: 3000 }, tradingHours: null, staleData: {} } }
    })
    const own = RiskConfig.rulesFor(c, 100002)
    assert.deepStrictEqual(own.dailyLossLimit, { amount: 3000 })
    assert.notProperty(own, "tradingHours")
    assert.strictEqual(own.staleData?.action, "flatten", "replaced whole: the default rule's alert is not merged in")
    assert.strictEqual(RiskConfig.rulesFor(c, 100001), c.defaults, "no entry: the defaults")
    assert.strictEqual(RiskConfig.rulesFor(c, 100001).tradingHours?.flatBy, "15:08")
  })

  it("a rule only in perAccount applies to that account alone", () => {
    const c = decode({ perAccount: { "5": { positionMaxLoss: { amount: 100 } } } })
    assert.deepStrictEqual(RiskConfig.rulesFor(c, 5).positionMaxLoss, { amount: 100 })
    assert.isUndefined(RiskConfig.rulesFor(c, 6).positionMaxLoss)
  })

  it("hasAnyRule: a default rule, or a non-null perAccount rule; null alone is no rule", () => {
    assert.isTrue(RiskConfig.hasAnyRule(decode({ defaults: { consistency: {} } })))
    assert.isTrue(RiskConfig.hasAnyRule(decode({ perAccount: { "5": { consistency: {} } } })))
    assert.isFalse(RiskConfig.hasAnyRule(decode({ perAccount: { "5": { consistency: null }, "6": {} } })))
  })

  it("weightOf: the configured weight, else 1 (also for an unknown symbol)", () => {
    const c = decode({ contractWeights: { "F.US.MNQ": 0.1 } })
    assert.strictEqual(RiskConfig.weightOf(c, "F.US.MNQ"), 0.1)
    assert.strictEqual(RiskConfig.weightOf(c, "F.US.ENQ"), 1)
    assert.strictEqual(RiskConfig.weightOf(c, undefined), 1)
    problems({ contractWeights: { "F.US.MNQ": 0 } })
  })

  it("Instant: ISO 8601 with a zone or an offset; without one, or not a time, refused with an example", () => {
    const instant = Schema.decodeUnknownEither(RiskConfig.Instant)
    assert.isTrue(Either.isRight(instant("2026-12-04T13:30:00Z")))
    assert.isTrue(Either.isRight(instant("2026-12-04T08:30:00-05:00")))
    assert.include(problems({ defaults: { newsBlackout: { events: ["2026-12-04T13:30:00"] } } }),
      "defaults.newsBlackout.events.0: expected an ISO 8601 time with a zone, e.g. 2026-12-04T13:30:00Z")
    assert.isTrue(Either.isLeft(instant("2026-13-45T99:99:00Z")))
  })

  it("scalingPlan needs a tier; tradingHours days are weekday names; ruleNames lists every rule once", () => {
    problems({ defaults: { scalingPlan: [] } })
    problems({ defaults: { tradingHours: { days: ["Monday"] } } })
    assert.strictEqual(new Set(RiskConfig.ruleNames).size, 12)
    assert.deepStrictEqual([...RiskConfig.ruleNames].sort(), Object.keys(RiskConfig.Rules.fields).sort())
  })
})
