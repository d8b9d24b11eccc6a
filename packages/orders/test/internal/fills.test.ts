import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { OrderConfig } from "../../src/index.js"
import * as Fills from "../../src/internal/fills.js"
import { order, trade } from "../utils/fixtures.js"

const config = OrderConfig.make().partialFills

describe("partial fill tracking", () => {
  it("fills split across prices: PartiallyFilled with volume and VWAP, then Filled when fillVolume reaches the size", () => {
    let [t, events] = Fills.track(Fills.empty, 1, 3)
    assert.deepStrictEqual(events, [])
    ;[t, events] = Fills.applyTrade(t, trade({ id: 10, orderId: 1, size: 1, price: 100 }), 0)
    assert.deepStrictEqual(events, [{ _tag: "PartiallyFilled", orderId: 1, fillVolume: 1, avgPrice: 100, size: 3 }])
    ;[t, events] = Fills.applyTrade(t, trade({ id: 11, orderId: 1, size: 2, price: 103 }), 10)
    assert.deepStrictEqual(events, [{ _tag: "Filled", orderId: 1, fillVolume: 3, avgPrice: 102 }])
    assert.deepStrictEqual(Fills.progress(t.get(1)!), { fillVolume: 3, avgPrice: 102 })
  })

  it("a trade event delivered twice (hub + Trade/search) is counted once", () => {
    let [t] = Fills.track(Fills.empty, 1, 3)
    ;[t] = Fills.applyTrade(t, trade({ id: 10, orderId: 1, size: 1, price: 100 }), 0)
    const [again, events] = Fills.applyTrade(t, trade({ id: 10, orderId: 1, size: 1, price: 100 }), 5)
    assert.deepStrictEqual(events, [])
    assert.strictEqual(again, t)
  })

  it("a voided trade is taken back; a voided trade never seen is ignored", () => {
    let [t] = Fills.track(Fills.empty, 1, 3)
    ;[t] = Fills.applyTrade(t, trade({ id: 10, orderId: 1, size: 2, price: 100 }), 0)
    let events: ReadonlyArray<Fills.FillEvent>
    ;[t, events] = Fills.applyTrade(t, trade({ id: 10, orderId: 1, size: 2, price: 100, voided: true }), 1)
    assert.deepStrictEqual(events, [])
    assert.strictEqual(Fills.progress(t.get(1)!).fillVolume, 0)
    const [same] = Fills.applyTrade(t, trade({ id: 99, orderId: 1, voided: true }), 2)
    assert.strictEqual(same, t)
    ;[t, events] = Fills.applyTrade(t, trade({ id: 11, orderId: 1, size: 1, price: 101 }), 3)
    assert.deepStrictEqual(events, [{ _tag: "PartiallyFilled", orderId: 1, fillVolume: 1, avgPrice: 101, size: 3 }])
  })

  it("trades seen before the order is known are kept; tracking the order then announces them", () => {
    let [t, events] = Fills.applyTrade(Fills.empty, trade({ id: 10, orderId: 7, size: 2, price: 50 }), 0)
    assert.deepStrictEqual(events, [{ _tag: "PartiallyFilled", orderId: 7, fillVolume: 2, avgPrice: 50, size: 2 }])
    ;[t, events] = Fills.track(t, 7, 2)
    assert.deepStrictEqual(events, [])
    ;[, events] = Fills.track(Fills.applyTrade(Fills.empty, trade({ id: 10, orderId: 7, size: 2, price: 50 }), 0)[0], 7, 4)
    assert.deepStrictEqual(events, [])
  })

  it("order events: fillVolume < size is partial (no such gateway status), the reported average is used when ahead of the trades", () => {
    let [t, events] = Fills.applyOrder(Fills.empty, order({ id: 1, size: 4, fillVolume: 1, filledPrice: 200 }), 0)
    assert.deepStrictEqual(events, [{ _tag: "PartiallyFilled", orderId: 1, fillVolume: 1, avgPrice: 200, size: 4 }])
    ;[t, events] = Fills.applyOrder(t, order({ id: 1, size: 4, fillVolume: 4, filledPrice: 201, status: 2 }), 5)
    assert.deepStrictEqual(events, [{ _tag: "Filled", orderId: 1, fillVolume: 4, avgPrice: 201 }])
    ;[, events] = Fills.applyOrder(t, order({ id: 1, size: 4, fillVolume: 4, filledPrice: 201, status: 2 }), 6)
    assert.deepStrictEqual(events, [])
    const [, none] = Fills.applyOrder(Fills.empty, order({ id: 2, size: 1, fillVolume: 0 }), 0)
    assert.deepStrictEqual(none, [])
  })

  it("timeout handling: an order incomplete completeTimeout after its FIRST fill is reported once, with the onTimeout policy", () => {
    let [t] = Fills.track(Fills.empty, 1, 3)
    ;[t] = Fills.applyTrade(t, trade({ id: 10, orderId: 1, size: 1 }), 1_000)
    ;[t] = Fills.applyTrade(t, trade({ id: 11, orderId: 1, size: 1 }), 30_000)
    assert.strictEqual(Fills.nextDeadline(t, config), 61_000)
    let events: ReadonlyArray<Fills.FillEvent>
    ;[t, events] = Fills.checkTimeouts(t, 60_999, config)
    assert.deepStrictEqual(events, [])
    ;[t, events] = Fills.checkTimeouts(t, 61_000, config)
    assert.deepStrictEqual(events, [{ _tag: "Incomplete", orderId: 1, fillVolume: 2, size: 3, action: "keep" }])
    ;[, events] = Fills.checkTimeouts(t, 200_000, config)
    assert.deepStrictEqual(events, [])
    assert.strictEqual(Fills.nextDeadline(t, config), undefined)
    const [, cancel] = Fills.checkTimeouts(Fills.applyTrade(Fills.track(Fills.empty, 2, 2)[0], trade({ id: 1, orderId: 2 }), 0)[0], 60_000, { ...config, onTimeout: "cancelRest" })
    assert.deepStrictEqual(cancel, [{ _tag: "Incomplete", orderId: 2, fillVolume: 1, size: 2, action: "cancelRest" }])
  })

  it("no timeout for a complete order, an order that ended (cancelled) or one without fills", () => {
    let [t] = Fills.track(Fills.empty, 1, 1)
    ;[t] = Fills.applyTrade(t, trade({ id: 10, orderId: 1, size: 1 }), 0)
    ;[t] = Fills.track(t, 2, 5)
    ;[t] = Fills.applyOrder(t, order({ id: 3, size: 5, fillVolume: 2, filledPrice: 10, status: 3 }), 0)
    assert.strictEqual(Fills.nextDeadline(t, config), undefined)
    assert.deepStrictEqual(Fills.checkTimeouts(t, 10_000_000, config)[1], [])
  })

  it("the earliest deadline of several orders is the next one", () => {
    let [t] = Fills.track(Fills.empty, 1, 2)
    ;[t] = Fills.track(t, 2, 2)
    ;[t] = Fills.applyTrade(t, trade({ id: 1, orderId: 2 }), 5_000)
    ;[t] = Fills.applyTrade(t, trade({ id: 2, orderId: 1 }), 9_000)
    assert.strictEqual(Fills.nextDeadline(t, config), 65_000)
  })

  it("property: for any split of an order into fills, in any delivery order with repeats, volume and VWAP equal a direct computation", () => {
    const fill = fc.record({ size: fc.integer({ min: 1, max: 20 }), price: fc.integer({ min: 1, max: 400_000 }).map((p) => p / 4) })
    fc.assert(fc.property(fc.array(fill, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 40 }), (fills, order) => {
      const trades = fills.map((f, i) => trade({ id: i + 1, orderId: 1, ...f }))
      const deliveries = [...trades, ...order.map((i) => trades[i % trades.length])]
      const size = fills.reduce((n, f) => n + f.size, 0)
      let [t] = Fills.track(Fills.empty, 1, size)
      const events: Array<Fills.FillEvent> = []
      for (const tr of deliveries) {
        const [next, es] = Fills.applyTrade(t, tr, 0)
        t = next
        events.push(...es)
      }
      const notional = fills.reduce((n, f) => n + f.size * f.price, 0)
      const p = Fills.progress(t.get(1)!)
      return p.fillVolume === size && Math.abs(p.avgPrice! - notional / size) < 1e-9 * Math.max(1, notional / size) &&
        events.filter((e) => e._tag === "Filled").length === 1 && events.at(-1)!._tag === "Filled"
    }), { numRuns: 500 })
  })
})
