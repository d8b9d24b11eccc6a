import { assert, describe, it } from "@effect/vitest"
import { Models } from "@tradeguard/gateway"
import { AccountState, HubEvent } from "@tradeguard/realtime"
import * as Effect from "effect/Effect"
import { compareWithTruth, describeEvent } from "../src/internal/demoReport.js"

const ts = "2026-11-23T14:00:00.0000000+00:00"
const account = new Models.Account({ id: 1, name: "A", balance: 100, canTrade: true, isVisible: true })
const order = new Models.Order({
  id: 3400000000, accountId: 1, contractId: "C", creationTimestamp: ts, status: 1, type: 1, side: 0, size: 1,
  limitPrice: 10, fillVolume: 0
})
const position = new Models.Position({ id: 7, accountId: 1, contractId: "C", creationTimestamp: ts, type: 1, size: 2, averagePrice: 10 })
const trade = new Models.Trade({
  id: 3700000000, accountId: 1, contractId: "C", creationTimestamp: ts, price: 10, fees: 0.5, side: 0, size: 2,
  voided: false, orderId: 3400000000
})

const stateOf = (events: ReadonlyArray<HubEvent.HubEvent>) =>
  Effect.gen(function*() {
    const s = yield* AccountState.make
    yield* s.applyAll(events)
    return yield* s.get
  })

describe("demo report", () => {
  it.effect("no difference when the cache holds exactly the ground truth", () =>
    Effect.gen(function*() {
      const mine = yield* stateOf([HubEvent.account(account), HubEvent.order(order), HubEvent.position(position), HubEvent.trade(trade)])
      assert.deepStrictEqual(compareWithTruth(mine, { account, openOrders: [order], positions: [position], trades: [trade] }, 1), [])
    }))

  it.effect("names every missing or differing entity", () =>
    Effect.gen(function*() {
      const mine = yield* stateOf([HubEvent.account(new Models.Account({ ...account, balance: 90 }))])
      const diff = compareWithTruth(mine, { account, openOrders: [order], positions: [position], trades: [trade] }, 1)
      assert.deepStrictEqual(diff, [
        "working order 3400000000 missing",
        "position C missing",
        "trade 3700000000 missing",
        "balance 90 != 100"
      ])
    }))

  it("describes events in one line, with their origin", () => {
    assert.strictEqual(describeEvent(HubEvent.trade(trade, true)), "trade 3700000000 Bid 2 @ 10 fees 0.50 (reconciled)")
    assert.include(describeEvent(HubEvent.order(order)), "Open")
  })

  it.effect("names what differs and what the cache holds that the truth does not", () =>
    Effect.gen(function*() {
      const other = new Models.Order({ ...order, id: 3400000001 })
      const mine = yield* stateOf([
        HubEvent.order(new Models.Order({ ...order, fillVolume: 1, status: 1 })),
        HubEvent.order(other),
        HubEvent.position(new Models.Position({ ...position, size: 1 })),
        HubEvent.position(new Models.Position({ ...position, id: 8, contractId: "D" })),
        HubEvent.trade(new Models.Trade({ ...trade, id: 3700000001 }))
      ])
      const diff = compareWithTruth(mine, { account, openOrders: [order], positions: [position], trades: [] }, 1)
      assert.deepStrictEqual(diff, [
        "order 3400000000 differs",
        "order 3400000001 cached as working but not working",
        "position C differs",
        "position D cached but closed",
        "trade 3700000001 cached but unknown",
        "account 1 missing"
      ])
    }))

  it("describes every kind of event", () => {
    assert.include(describeEvent(HubEvent.account(account)), "account 1 balance 100.00 (live)")
    assert.include(describeEvent(HubEvent.position(position)), "position C")
    assert.include(describeEvent(HubEvent.position(new Models.Position({ ...position, size: 0 }))), "position C closed")
    assert.include(describeEvent(HubEvent.order(new Models.Order({ ...order, filledPrice: 10, customTag: "t" }))), "@ 10 tag t")
    assert.include(describeEvent(HubEvent.trade(new Models.Trade({ ...trade, profitAndLoss: -5 }))), "pnl -5.00")
  })
})
