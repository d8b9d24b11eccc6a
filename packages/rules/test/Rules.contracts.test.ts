import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Rules from "../src/Rules.js"
import { cancelEntries, closePosition, reduce } from "../src/Verdict.js"
import { ES, MNQ, minutes, NOW, NQ, one, order, position, quote, risk, rules, view } from "./internal/fixtures.js"

const quotes = (bid: number) => new Map([MNQ, NQ, ES].map((c) => [c, quote({ bestBid: bid, bestAsk: bid + 0.25 })]))

describe("maxContracts", () => {
  const total = { maxContracts: { total: 5 } }

  it("5 contracts is within a total of 5; 6 breaches and the newest position is cut first", () => {
    const older = position(MNQ, 1, 3, 21500, NOW - minutes(60))
    const newer = position(NQ, 2, 2, 21500, NOW - minutes(10))
    expect(one(total, view({ positions: [older, newer] })).verdict).toMatchObject({ figure: 5, limit: 5, breached: false, actions: [] })
    const six = one(total, view({ positions: [older, { ...newer, size: 3 }] })).verdict
    expect(six).toMatchObject({ figure: 6, breached: true, actions: [reduce(NQ, 2)] })
    expect(six.reason).toBe("contracts: total 6 > 5")
  })

  it("a cut larger than the newest position moves on to the next newest", () => {
    const positions = [position(MNQ, 1, 4, 1, NOW - minutes(60)), position(NQ, 1, 2, 1, NOW - minutes(5)), position(ES, 1, 1, 1, NOW - minutes(30))]
    expect(one({ maxContracts: { total: 2 } }, view({ positions })).verdict.actions).toEqual([reduce(MNQ, 2), reduce(NQ, 0), reduce(ES, 0)])
  })

  it("weights: 10 MNQ at 0.1 weigh 1 contract; 31 MNQ (3.1) breach a total of 3 by one contract", () => {
    const config = risk({ contractWeights: { "F.US.MNQ": 0.1 } })
    expect(one({ maxContracts: { total: 3 } }, view({ positions: [position(MNQ, 1, 30, 1), position(NQ, 1, 0, 1)] }), undefined, config).verdict.breached).toBe(false)
    const r = one({ maxContracts: { total: 3 } }, view({ positions: [position(MNQ, 1, 31, 1)] }), undefined, config).verdict
    expect(r).toMatchObject({ figure: 3.1, actions: [reduce(MNQ, 30)] })
  })

  it("the symbol comes from the contract lookup, else from the id", () => {
    const config = risk({ contractWeights: { "F.US.MNQ": 0.1 } })
    const r = one({ maxContracts: { total: 3 } }, view({ positions: [position(MNQ, 1, 31, 1)], contracts: new Map() }), undefined, config)
    expect(r.verdict.figure).toBe(3.1)
  })

  it("over the total: working orders that would add are cancelled; the position's stop (opposite side) is not", () => {
    const positions = [position(MNQ, 1, 6, 21500)]
    const workingOrders = [order(MNQ, 1), order(NQ, 0), order(MNQ, 0, 7)]
    expect(one(total, view({ positions, workingOrders })).verdict.actions).toEqual([reduce(MNQ, 5), cancelEntries([NQ])])
    // A buy on the long adds.
    expect(one(total, view({ positions, workingOrders: [order(MNQ, 0, 6)] })).verdict.actions).toEqual([reduce(MNQ, 5), cancelEntries([MNQ])])
    // An order on a contract whose position is flat (type 0) adds.
    expect(one(total, view({ positions: [...positions, { ...position(NQ, 1, 1, 1), type: 0 }], workingOrders: [order(NQ, 1)] })).verdict.actions).toEqual([reduce(MNQ, 5), cancelEntries([NQ])])
    // A sell on a short adds.
    expect(one(total, view({ positions: [position(ES, 2, 6, 1)], workingOrders: [order(ES, 1, 8)] })).verdict.actions).toEqual([reduce(ES, 5), cancelEntries([ES])])
  })

  it("perSymbol: 3 MNQ allowed, 4 over: reduce MNQ to 3 and cancel MNQ entries only", () => {
    const rule = { maxContracts: { perSymbol: { "F.US.MNQ": 3 } } }
    const positions = [position(MNQ, 1, 4, 1), position(NQ, 1, 9, 1)]
    const workingOrders = [order(MNQ, 0), order(NQ, 0)]
    const r = one(rule, view({ positions, workingOrders })).verdict
    expect(r).toMatchObject({ breached: true, limit: undefined, actions: [reduce(MNQ, 3), cancelEntries([MNQ])] })
    expect(r.reason).toBe("contracts: F.US.MNQ 4 > 3")
    expect(one(rule, view({ positions: [position(MNQ, 1, 3, 1)] })).verdict).toMatchObject({ breached: false, reason: "contracts: F.US.MNQ 3 <= 3" })
  })

  it("perSymbol and total together: one Reduce per contract with the final size", () => {
    const rule = { maxContracts: { total: 4, perSymbol: { "F.US.MNQ": 3 } } }
    const positions = [position(MNQ, 1, 4, 1, NOW - minutes(1)), position(NQ, 1, 2, 1, NOW - minutes(50))]
    expect(one(rule, view({ positions })).verdict.actions).toEqual([reduce(MNQ, 2)])
    expect(one({ maxContracts: {} }, view()).verdict.reason).toBe("contracts: no limit")
  })

  it("property: the Reduce actions always bring the weighted total to the limit or below, cutting no more than needed", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 10 }), (sizes, limit) => {
        const config = risk({ contractWeights: { "F.US.MNQ": 0.1 } })
        const ids = [MNQ, NQ, ES]
        const positions = sizes.map((s, i) => position(ids[i]!, 1, s, 1, NOW - minutes(i)))
        const r = one({ maxContracts: { total: limit } }, view({ positions }), undefined, config).verdict
        const after = new Map(positions.map((p) => [p.contractId, p.size]))
        for (const a of r.actions) if (a._tag === "Reduce") after.set(a.contractId, a.maxSize)
        const w = (id: string) => id === MNQ ? 0.1 : 1
        const total = [...after].reduce((s, [id, n]) => s + n * w(id), 0)
        expect(total).toBeLessThanOrEqual(limit + 1e-9)
        if (r.breached) {
          // Putting back one contract of the last cut position would exceed the limit again.
          const cut = r.actions.filter((a) => a._tag === "Reduce").at(-1)!
          expect(total + w(cut._tag === "Reduce" ? cut.contractId : "")).toBeGreaterThan(limit + 1e-9)
        } else expect(r.actions).toEqual([])
      })
    )
  })
})

describe("scalingPlan: the tier of the last end-of-day balance, enforced like total", () => {
  const plan = { scalingPlan: [{ balanceAbove: 0, maxContracts: 2 }, { balanceAbove: 51_500, maxContracts: 3 }, { balanceAbove: 52_000, maxContracts: 5 }] }

  it("before the first day end: the tier of the balance at first sight; never raised intraday", () => {
    const first = one(plan, view({ balance: 50_000, positions: [position(MNQ, 1, 2, 1)] }))
    expect(first.verdict).toMatchObject({ figure: 2, limit: 2, breached: false })
    const intraday = one(plan, view({ balance: 53_000, positions: [position(MNQ, 1, 3, 1)], quotes: quotes(1) }), first.memory)
    expect(intraday.verdict).toMatchObject({ limit: 2, breached: true, actions: [reduce(MNQ, 2)] })
    expect(intraday.verdict.reason).toBe("contracts 3 > 2 (tier of balance 50000.00 at first sight)")
  })

  it("the balance strictly above balanceAbove: 51500 is still tier 2, 51500.01 tier 3", () => {
    expect(one(plan, view(), { eodBalance: 51_500, day: view().dayStart }).verdict.limit).toBe(2)
    expect(one(plan, view(), { eodBalance: 51_500.01, day: view().dayStart }).verdict.limit).toBe(3)
    expect(one(plan, view(), { eodBalance: 52_000.01, day: view().dayStart }).verdict.reason).toContain("at the last day end")
    expect(one({ scalingPlan: [{ balanceAbove: 50_000, maxContracts: 1 }] }, view({ balance: 49_000 })).verdict.limit).toBe(0)
    expect(one(plan, view({ balance: undefined })).verdict).toMatchObject({ limit: undefined, breached: false, reason: "scaling tier unknown (no balance yet)" })
  })

  it("the day end sets the tier from the closing balance", () => {
    const m = one(plan, view({ balance: 52_100 })).memory
    const next = view({ now: view().nextDayStart + 1000, dayStart: view().nextDayStart, nextDayStart: view().nextDayStart + minutes(1440), balance: 52_100 })
    expect(one(plan, next, m).verdict.limit).toBe(5)
  })
})

describe("positionMaxLoss: one position's unrealized <= -amount: close it", () => {
  const rule = { positionMaxLoss: { amount: 300 } }
  it("-300 closes that position only; -299.50 does not", () => {
    // MNQ long 1 at 21500, bid 21350: -150 points = -600 ticks x 0.5 = -300.
    const positions = [position(MNQ, 1, 1, 21500), position(NQ, 1, 1, 21500)]
    const q = new Map([[MNQ, quote({ bestBid: 21350 })], [NQ, quote({ bestBid: 21500 })]])
    const r = one(rule, view({ positions, quotes: q })).verdict
    expect(r).toMatchObject({ figure: -300, limit: -300, breached: true, actions: [closePosition(MNQ)] })
    expect(r.reason).toBe(`${MNQ} unrealized -300.00 <= -300.00`)
    const q2 = new Map([[MNQ, quote({ bestBid: 21350.25 })], [NQ, quote({ bestBid: 21500 })]])
    expect(one(rule, view({ positions, quotes: q2 })).verdict).toMatchObject({ figure: -299.5, breached: false, actions: [] })
  })

  it("a short is marked at the ask; an unpriced position is skipped", () => {
    const r = one(rule, view({ positions: [position(ES, 2, 1, 6000), position(MNQ, 1, 1, 1)], quotes: new Map([[ES, quote({ bestBid: 6005, bestAsk: 6006 })]]) })).verdict
    expect(r).toMatchObject({ figure: -300, actions: [closePosition(ES)] })
    expect(one(rule, view()).verdict.reason).toBe("worst position unrealized unknown > -300.00")
  })

  it("evaluate returns every configured rule in ruleNames order", () => {
    const e = Rules.evaluate(risk(), rules({ positionMaxLoss: {}, maxContracts: { total: 1 }, dailyLossLimit: {} }), view(), undefined)
    expect(e.verdicts.map((v) => v.rule)).toEqual(["dailyLossLimit", "maxContracts", "positionMaxLoss"])
  })
})
