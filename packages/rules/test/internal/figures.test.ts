import { describe, expect, it } from "@effect/vitest"
import * as Figures from "../../src/internal/figures.js"
import { ES, MNQ, NOW, NQ, order, position, quote, trade, view } from "./fixtures.js"

const q = (contractId: string, bestBid?: number, bestAsk?: number, lastPrice?: number, receivedAt = NOW - 1000) =>
  new Map([[contractId, quote({ bestBid, bestAsk, lastPrice }, receivedAt)]])

describe("figures: unrealized in dollars at the liquidation side", () => {
  it("a long MNQ is marked at the best bid: (bid - avg) / 0.25 x 0.5 x size", () => {
    const f = Figures.accountFigures(view({ positions: [position(MNQ, 1, 2, 21500)], quotes: q(MNQ, 21490, 21490.5, 21495) }))
    expect(f.positions[0]!.mark).toEqual({ price: 21490, source: "bid", flagged: false })
    expect(f.unrealized).toBe(-40) // -10 points = -40 ticks x 0.5 x 2 contracts
    expect(f.equity).toBe(49_960)
    expect(f.degraded).toEqual([])
    expect(f.estimates).toEqual(["closing fees of CON.F.US.MNQ.Z26 estimated from nothing (0)"])
  })

  it("a short NQ is marked at the best ask, not the bid or last", () => {
    const f = Figures.accountFigures(view({ positions: [position(NQ, 2, 1, 21500)], quotes: q(NQ, 21509.5, 21510, 21509.75) }))
    expect(f.positions[0]!.mark?.source).toBe("ask")
    expect(f.unrealized).toBe(-200) // short, ask 10 points above: -40 ticks x 5
  })

  it("ES: one point is 4 ticks of 12.50 = 50 dollars a contract", () => {
    const f = Figures.accountFigures(view({ positions: [position(ES, 1, 3, 6000)], quotes: q(ES, 6001) }))
    expect(f.unrealized).toBe(150)
  })

  it("the last price marks a position whose liquidation side is missing, flagged", () => {
    const f = Figures.accountFigures(view({ positions: [position(MNQ, 1, 1, 21500)], quotes: q(MNQ, undefined, 21501, 21499) }))
    expect(f.positions[0]!.mark).toEqual({ price: 21499, source: "last", flagged: true })
    expect(f.unrealized).toBe(-2)
    expect(f.degraded).toContain(`${MNQ} marked at last price`)
  })

  it("a stale quote gives way to the REST bar price (flagged); a missing quote too", () => {
    const stale = view({
      positions: [position(MNQ, 1, 1, 21500)],
      quotes: q(MNQ, 21400, undefined, undefined, NOW - 10_001),
      barPrices: new Map([[MNQ, { price: 21510, fetchedAt: NOW - 500 }]])
    })
    const f = Figures.accountFigures(stale)
    expect(f.positions[0]!.mark).toEqual({ price: 21510, source: "bar", flagged: true })
    expect(f.unrealized).toBe(20)
    expect(f.positions[0]!.unpriced).toBe(false)
    const missing = Figures.accountFigures(view({ ...stale, quotes: new Map() }))
    expect(missing.positions[0]!.mark?.source).toBe("bar")
  })

  it("a bar price fetched before the position opened does not price it (older than its own fill)", () => {
    const opened = NOW - 1_000
    const v = view({ positions: [position(MNQ, 1, 3, 21512.25, opened)], barPrices: new Map([[MNQ, { price: 21500, fetchedAt: opened - 1 }]]) })
    const f = Figures.accountFigures(v)
    expect(f.positions[0]!.mark).toBeUndefined()
    expect(f.positions[0]!.unpriced).toBe(true)
    expect(f.equity).toBeUndefined()
    const atOpening = Figures.accountFigures(view({ ...v, barPrices: new Map([[MNQ, { price: 21512, fetchedAt: opened }]]) }))
    expect(atOpening.positions[0]!.mark).toEqual({ price: 21512, source: "bar", flagged: true })
    expect(atOpening.unrealized).toBe(-1.5)
    const quoted = Figures.accountFigures(view({ ...v, quotes: q(MNQ, 21512, undefined, undefined, opened - 5_000) }))
    expect(quoted.positions[0]!.mark?.source).toBe("bid")
  })

  it("a quote exactly maxQuoteAgeMs old is still fresh; with staleData's own age", () => {
    const v = view({ positions: [position(MNQ, 1, 1, 21500)], quotes: q(MNQ, 21501, undefined, undefined, NOW - 10_000) })
    expect(Figures.accountFigures(v).positions[0]!.mark?.source).toBe("bid")
    expect(Figures.accountFigures(v, 5_000).positions[0]!.mark?.source).toBe("stale")
    expect(Figures.accountFigures(v, 5_000).positions[0]!.unpriced).toBe(true)
  })

  it("nothing prices a position without quote or bar: equity unknown", () => {
    const f = Figures.accountFigures(view({ positions: [position(MNQ, 1, 1, 21500)] }))
    expect(f.positions[0]!.mark).toBeUndefined()
    expect(f.equity).toBeUndefined()
    expect(f.degraded).toContain(`no price for ${MNQ}`)
  })

  it("a contract missing from the lookups cannot be priced: equity undefined, degraded names it", () => {
    const f = Figures.accountFigures(
      view({ positions: [position(MNQ, 1, 1, 21500)], quotes: q(MNQ, 21510), contracts: new Map() })
    )
    expect(f.equity).toBeUndefined()
    expect(f.unrealized).toBeUndefined()
    expect(f.degraded).toContain(`no contract for ${MNQ}`)
    expect(f.positions[0]!.symbolId).toBe("F.US.MNQ")
  })

  it("balance unknown: equity unknown", () => {
    expect(Figures.accountFigures(view({ balance: undefined })).equity).toBeUndefined()
  })
})

describe("figures: the closing fee estimate", () => {
  it("the fee per contract of today's opening fills x size", () => {
    const trades = [trade({ fees: 0.74, size: 2 }), trade({ fees: 0.37, size: 1, contractId: NQ })]
    const f = Figures.accountFigures(view({ positions: [position(MNQ, 1, 2, 21500)], quotes: q(MNQ, 21500), trades }))
    expect(f.positions[0]!.closingFees).toBe(0.74)
    expect(f.positions[0]!.feeSource).toBe("openingFills")
    expect(f.unrealized).toBe(-0.74)
    expect(f.degraded).toEqual([])
    expect(f.estimates).toEqual([])
  })

  it("a position carried over: the fee per contract of the latest fill of that contract, flagged", () => {
    const trades = [trade({ fees: 2.8, size: 2, pnl: 10 })]
    const f = Figures.accountFigures(view({ positions: [position(NQ, 1, 3, 21500)], quotes: q(NQ, 21500), trades: [...trades, trade({ contractId: NQ, fees: 1.4, pnl: -5 })] }))
    expect(f.positions[0]!.closingFees).toBe(4.2)
    expect(f.positions[0]!.feeSource).toBe("latestFill")
    expect(f.estimates).toContain(`closing fees of ${NQ} estimated from its latest fill`)
  })

  it("voided fills and fills before the day start count for nothing", () => {
    const v = view({ positions: [position(MNQ, 1, 1, 21500)], quotes: q(MNQ, 21500) })
    const trades = [trade({ fees: 5, voided: true }), trade({ fees: 7, at: v.dayStart - 1 })]
    const f = Figures.accountFigures({ ...v, trades })
    expect(f.positions[0]!.feeSource).toBe("none")
    expect(Figures.realizedToday({ ...v, trades })).toBe(0)
  })
})

describe("figures: a day of fills, array after array", () => {
  it("a trades array that gains fills at its end, then one whose earlier fill changed: the same figures as computed afresh", () => {
    const v = view({ positions: [position(MNQ, 1, 1, 21500)], quotes: q(MNQ, 21500) })
    const first = [trade({ fees: 1, pnl: null }), trade({ fees: 1, pnl: 20 })]
    const grown = [...first, trade({ fees: 2, pnl: -5 }), trade({ fees: 1, pnl: null, at: v.dayStart - 1 })]
    expect(Figures.realizedToday({ ...v, trades: first })).toBe(18)
    expect(Figures.realizedToday({ ...v, trades: grown })).toBe(11)
    expect(Figures.openingFills({ ...v, trades: grown })).toEqual([grown[0]])
    expect(Figures.closingFills({ ...v, trades: grown })).toEqual([grown[1], grown[2]])
    // the first fill voided (a new object in its place): not an extension, computed again
    const voided = [trade({ fees: 1, pnl: null, voided: true }), ...grown.slice(1)]
    expect(Figures.realizedToday({ ...v, trades: voided })).toBe(12)
    expect(Figures.openingFills({ ...v, trades: voided })).toEqual([])
    expect(Figures.feePerContract({ ...v, trades: voided }, MNQ).source).toBe("latestFill")
    // the earlier arrays keep their own figures
    expect(Figures.realizedToday({ ...v, trades: first })).toBe(18)
    expect(Figures.feePerContract({ ...v, trades: first }, MNQ)).toEqual({ fee: 1, source: "openingFills" })
    // a later day start: the same array counts again from it
    expect(Figures.realizedToday({ ...v, dayStart: v.dayStart + 86_400_000, trades: grown })).toBe(0)
  })
})

describe("figures: helpers", () => {
  it("symbols parse from contract ids when the contract is unknown", () => {
    expect(Figures.symbolFromContractId("CON.F.US.MNQ.Z26")).toBe("F.US.MNQ")
    expect(Figures.symbolFromContractId("weird")).toBe("weird")
  })

  it("flat: no position and no order in status 1, 6, 7 or 8", () => {
    expect(Figures.isFlat(view())).toBe(true)
    expect(Figures.isFlat(view({ workingOrders: [order(MNQ, 0, 2)] }))).toBe(true)
    for (const s of [1, 6, 7, 8] as const) expect(Figures.isFlat(view({ workingOrders: [order(MNQ, 0, s)] }))).toBe(false)
    expect(Figures.isFlat(view({ positions: [position(MNQ, 1, 1, 1)] }))).toBe(false)
    expect(Figures.isFlat(view({ positions: [{ ...position(MNQ, 1, 0, 1) }] }))).toBe(true)
  })

  it("usd formats unknown", () => {
    expect(Figures.usd(undefined)).toBe("unknown")
    expect(Figures.usd(-1012.5)).toBe("-1012.50")
  })
})
