import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { net } from "../../src/internal/Ledger.js"

/** MNQ: 0.25 tick worth 0.5 → 2 per point. */
const MNQ = 2

describe("Ledger.net", () => {
  it("opens, adds at a weighted average, reduces with PnL on the closed part, and flips in two legs", () => {
    const open = net(undefined, 0, 2, 100, MNQ)
    assert.deepStrictEqual(open, { holding: { type: 1, size: 2, averagePrice: 100 }, legs: [{ size: 2, profitAndLoss: undefined }] })
    const added = net(open.holding, 0, 2, 110, MNQ)
    assert.deepStrictEqual(added.holding, { type: 1, size: 4, averagePrice: 105 })
    const reduced = net(added.holding, 1, 1, 115, MNQ)
    assert.deepStrictEqual(reduced, { holding: { type: 1, size: 3, averagePrice: 105 }, legs: [{ size: 1, profitAndLoss: 20 }] })
    const flipped = net(reduced.holding, 1, 5, 100, MNQ)
    assert.deepStrictEqual(flipped, {
      holding: { type: 2, size: 2, averagePrice: 100 },
      legs: [{ size: 3, profitAndLoss: -30 }, { size: 2, profitAndLoss: undefined }]
    })
    const flat = net(flipped.holding, 0, 2, 90, MNQ)
    assert.deepStrictEqual(flat, { holding: undefined, legs: [{ size: 2, profitAndLoss: 40 }] }, "a short gains when price falls")
  })

  it("property: the net size is the signed sum of fills and PnL adds up to the round trips", () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.constantFrom(0 as const, 1 as const), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 40 })), {
        minLength: 1,
        maxLength: 30
      }),
      (fills) => {
        let holding: ReturnType<typeof net>["holding"] = undefined
        let signed = 0, cash = 0, pnl = 0
        for (const [side, size, ticks] of fills) {
          const price = 1000 + ticks * 0.25
          const r = net(holding, side, size, price, MNQ)
          holding = r.holding
          signed += side === 0 ? size : -size
          cash += (side === 0 ? -1 : 1) * size * price * MNQ
          for (const leg of r.legs) pnl += leg.profitAndLoss ?? 0
          assert.strictEqual(r.legs.reduce((n, l) => n + l.size, 0), size)
        }
        const size = holding === undefined ? 0 : holding.type === 1 ? holding.size : -holding.size
        assert.strictEqual(size, signed)
        if (holding === undefined) assert.closeTo(pnl, cash, 0.05, "flat: realized PnL equals the cash flow")
      }
    ))
  })
})
