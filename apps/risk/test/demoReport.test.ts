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
})
