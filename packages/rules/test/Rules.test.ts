import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { RiskConfig } from "../src/index.js"
import * as Rules from "../src/Rules.js"
import { flatten } from "../src/Verdict.js"
import { locked, MNQ, minutes, NOW, NQ, one, order, position, quote, risk, rules, trade, view } from "./internal/fixtures.js"

describe("Rules.evaluate", () => {
  it("perAccount replaces a default rule whole (no merge) and null turns one off", () => {
    const config = risk({
      defaults: { dailyLossLimit: { amount: 1000 }, maxContracts: { total: 5, perSymbol: { "F.US.MNQ": 3 } }, tradingHours: {} },
      perAccount: { "2": { maxContracts: { total: 10 }, tradingHours: null } }
    })
    const own = RiskConfig.rulesFor(config, 2)
    expect(own.maxContracts).toEqual({ total: 10, perSymbol: {} })
    expect(own.tradingHours).toBeUndefined()
    expect(own.dailyLossLimit).toEqual({ amount: 1000 })
    const positions = [position(MNQ, 1, 4, 1)]
    const mine = Rules.evaluate(config, own, view({ accountId: 2, positions }), undefined)
    expect(mine.verdicts.map((v) => v.rule)).toEqual(["dailyLossLimit", "maxContracts"])
    expect(mine.verdicts[1]!.breached).toBe(false) // the default perSymbol limit of 3 is gone with the replacement
    const theirs = Rules.evaluate(config, RiskConfig.rulesFor(config, 1), view({ positions }), undefined)
    expect(theirs.verdicts.map((v) => v.rule)).toEqual(["dailyLossLimit", "maxContracts", "tradingHours"])
    expect(theirs.verdicts[1]!.breached).toBe(true)
  })

  it("no rule: no verdict, figures still computed", () => {
    const e = Rules.evaluate(risk(), {}, view({ positions: [position(NQ, 2, 1, 21500)], quotes: new Map([[NQ, quote({ bestAsk: 21499 })]]) }), undefined)
    expect(e.verdicts).toEqual([])
    expect(e.figures).toMatchObject({ balance: 50_000, unrealized: 20, equity: 50_020, dayPnl: 0 })
    expect(Rules.accountFigures(view()).equity).toBe(50_000)
  })

  it("lock: while locked and not flat, the lock demands a flatten; flat or unlocked or expired, nothing", () => {
    const lock = locked({ _tag: "Manual" }, undefined, "manual")
    expect(Rules.evaluate(risk(), {}, view({ lock, workingOrders: [order(MNQ, 0, 8)] }), undefined).lock).toEqual([flatten()])
    expect(Rules.evaluate(risk(), {}, view({ lock, positions: [position(MNQ, 1, 1, 1)] }), undefined).lock).toEqual([flatten()])
    expect(Rules.evaluate(risk(), {}, view({ lock }), undefined).lock).toEqual([])
    expect(Rules.evaluate(risk(), {}, view({ positions: [position(MNQ, 1, 1, 1)] }), undefined).lock).toEqual([])
    const expired = locked({ _tag: "Until", at: NOW }, NOW)
    expect(Rules.evaluate(risk(), {}, view({ lock: expired, positions: [position(MNQ, 1, 1, 1)] }), undefined).lock).toEqual([])
    expect(Rules.isFlat(view())).toBe(true)
  })

  it("the memory is the same object when nothing changed, and survives a JSON round trip", () => {
    const r = rules({ dailyLossLimit: {}, maxLossLimit: { amount: 2000, startingBalance: 50_000 }, consistency: {} })
    const first = Rules.evaluate(risk(), r, view({ trades: [trade({ pnl: 10 })], balance: 50_010 }), undefined)
    const stored = JSON.parse(JSON.stringify(first.memory)) as Record<string, unknown>
    const again = Rules.evaluate(risk(), r, view({ trades: [trade({ pnl: 10 })], balance: 50_010, now: NOW + 1000 }), stored)
    expect(again.memory).toBe(stored)
    // The same memory with its keys in another order is still the same.
    const reordered = Object.fromEntries(Object.entries(stored).reverse())
    expect(Rules.evaluate(risk(), r, view({ trades: [trade({ pnl: 10 })], balance: 50_010 }), reordered).memory).toBe(reordered)
    // A change is a new object.
    const moved = Rules.evaluate(risk(), r, view({ trades: [trade({ pnl: 10 }), trade({ pnl: 5 })], balance: 50_015 }), stored)
    expect(moved.memory).not.toBe(stored)
  })

  it("the realized figure is today's closed result net of fees, voided fills left out", () => {
    const trades = [trade({ pnl: 120, fees: 2 }), trade({ pnl: -40, fees: 2 }), trade({ pnl: 500, voided: true }), trade({ fees: 1 })]
    expect(Rules.evaluate(risk(), {}, view({ trades }), undefined).figures.realized).toBe(75)
  })

  it("malformed memory is read tolerantly (a fresh account)", () => {
    const e = Rules.evaluate(risk(), rules({ dailyLossLimit: {} }), view(), { day: "x", lastEquity: { at: "y" }, acted: [1, "a"], firstSight: 3, days: null })
    expect(e.figures).toMatchObject({ dayStartEquity: 50_000, dayStartFirstSight: true })
    expect(e.memory).toMatchObject({ acted: ["a"] })
  })

  it("the last equity is remembered only in the last minute of the day (few writes)", () => {
    const r = rules({ dailyLossLimit: {} })
    const m = Rules.evaluate(risk(), r, view(), undefined).memory
    expect(m).not.toHaveProperty("lastEquity")
    const late = view({ now: view().nextDayStart - 60_000 })
    expect(Rules.evaluate(risk(), r, late, m).memory).toHaveProperty("lastEquity")
    expect(Rules.evaluate(risk(), r, view({ now: view().nextDayStart - 60_001 }), m).memory).toBe(m)
    // A new equity high is remembered only for maxLossLimit with intraday trailing.
    const eod = rules({ maxLossLimit: { amount: 2000, startingBalance: 50_000 } })
    const m2 = Rules.evaluate(risk(), eod, view(), undefined).memory
    expect(Rules.evaluate(risk(), eod, view({ balance: 50_500 }), m2).memory).toBe(m2)
    const intraday = rules({ maxLossLimit: { amount: 2000, startingBalance: 50_000, trailing: "intraday" } })
    expect(Rules.evaluate(risk(), intraday, view({ balance: 50_500 }), m2).memory).toMatchObject({ equityHigh: 50_500 })
  })

  it("property: JSON round trips of the memory never change the verdicts", () => {
    const r = rules({ dailyLossLimit: { amount: 100 }, maxLossLimit: { amount: 200, startingBalance: 50_000, trailing: "intraday" }, scalingPlan: [{ balanceAbove: 0, maxContracts: 2 }], consistency: {}, lossCooldown: { consecutiveLosses: 2 } })
    fc.assert(
      fc.property(fc.array(fc.record({ dt: fc.integer({ min: 1, max: 3 * 3_600_000 }), pnl: fc.option(fc.integer({ min: -80, max: 80 })), bid: fc.integer({ min: 21_400, max: 21_600 }) }), { maxLength: 30 }), (steps) => {
        let now = NOW
        let balance = 50_000
        let plain: Rules.Evaluation["memory"] | undefined
        let json: Rules.Evaluation["memory"] | undefined
        const trades: Array<ReturnType<typeof trade>> = []
        for (const s of steps) {
          now += s.dt
          if (s.pnl !== null) {
            trades.push(trade({ at: now, pnl: s.pnl, fees: 0.37 }))
            balance += s.pnl - 0.37
          }
          const v = view({ now, balance, trades: [...trades], positions: [position(MNQ, 1, 1, 21_500, NOW)], quotes: new Map([[MNQ, quote({ bestBid: s.bid }, now)]]) })
          const a = Rules.evaluate(risk(), r, v, plain)
          const b = Rules.evaluate(risk(), r, v, json)
          expect(b.verdicts).toEqual(a.verdicts)
          plain = a.memory
          json = JSON.parse(JSON.stringify(b.memory))
        }
      }),
      { numRuns: 50 }
    )
  })
})

describe("staleData", () => {
  const rule = (action: "flatten" | "alert" = "flatten") => ({ staleData: { maxQuoteAgeMs: 10_000, hubDownGraceMs: 30_000, action } })
  const held = [position(MNQ, 1, 1, 21500)]

  it("a quiet market with the hub up and a bar price does not flatten", () => {
    const v = view({ positions: held, quotes: new Map([[MNQ, quote({ bestBid: 21500 }, NOW - minutes(5))]]), barPrices: new Map([[MNQ, { price: 21500, fetchedAt: NOW - 2000 }]]) })
    expect(one(rule(), v).verdict).toMatchObject({ breached: false, actions: [], reason: "market data fresh" })
  })

  it("a stale quote and no fresh bar price: flatten (no lock); alert: breached, no action", () => {
    const v = view({ positions: held, quotes: new Map([[MNQ, quote({ bestBid: 21500 }, NOW - 10_001)]]), barPrices: new Map([[MNQ, { price: 21500, fetchedAt: NOW - 10_001 }]]) })
    const r = one(rule(), v).verdict
    expect(r).toMatchObject({ breached: true, actions: [flatten()] })
    expect(r.reason).toBe(`stale data: no fresh quote or bar price for ${MNQ} (action flatten)`)
    expect(one(rule("alert"), v).verdict).toMatchObject({ breached: true, actions: [] })
  })

  it("the market hub down longer than the grace: flatten; exactly the grace: not yet; flat: nothing to do", () => {
    const fresh = new Map([[MNQ, quote({ bestBid: 21500 })]])
    expect(one(rule(), view({ positions: held, quotes: fresh, marketHubDownSince: NOW - 30_000 })).verdict.breached).toBe(false)
    const down = view({ positions: held, quotes: fresh, marketHubDownSince: NOW - 30_001, userHubDownSince: NOW - 5 })
    const r = one(rule(), down).verdict
    expect(r).toMatchObject({ figure: 30_001, breached: true, actions: [flatten()] })
    expect(r.figures).toMatchObject({ userHubDownMs: 5 })
    expect(one(rule(), view({ marketHubDownSince: NOW - 60_000 })).verdict).toMatchObject({ breached: true, actions: [] })
  })

  it("a contract that could not be looked up applies staleData (fail closed)", () => {
    const v = view({ positions: held, quotes: new Map([[MNQ, quote({ bestBid: 21500 })]]), contracts: new Map() })
    expect(one(rule(), v).verdict).toMatchObject({ breached: true, actions: [flatten()] })
    const failed = view({ ...v, failedLookups: new Set([MNQ]) })
    expect(one(rule(), failed).verdict).toMatchObject({ breached: true, actions: [flatten()] })
  })

  it("regression: a new position whose contract is still being looked up (not failed) is not flattened by staleData", () => {
    const v = view({ positions: held, quotes: new Map([[MNQ, quote({ bestBid: 21500 })]]), contracts: new Map(), failedLookups: new Set() })
    const r = one(rule(), v).verdict
    expect(r).toMatchObject({ breached: false, actions: [] })
    expect(r.figures).toMatchObject({ lookingUp: [MNQ], unpriced: [] })
  })

  it("staleData's maxQuoteAgeMs also decides which marks are fresh", () => {
    const v = view({ positions: held, quotes: new Map([[MNQ, quote({ bestBid: 21400 }, NOW - 3000)]]), barPrices: new Map([[MNQ, { price: 21600, fetchedAt: NOW }]]) })
    const e = Rules.evaluate(risk(), rules({ staleData: { maxQuoteAgeMs: 2000 } }), v, undefined)
    expect(e.figures.positions[0]!.mark?.source).toBe("bar")
  })
})
