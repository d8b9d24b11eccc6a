import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as OrderManager from "../src/OrderManager.js"
import {
  BID,
  drain,
  faults,
  limitBuy,
  orderIdOf,
  place,
  position,
  REST,
  settle,
  simOrder,
  stack,
  truth,
  volumes
} from "./utils/operations.js"
import * as Spy from "./utils/spy.js"
import { ACCOUNT, marketBuy, MNQ } from "./utils/stack.js"

describe("OrderManager cancel", () => {
  it.effect("a plain cancel is Done and the order is Cancelled on the gateway", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const id = yield* place("c-1", limitBuy(1))
      assert.deepStrictEqual(yield* orders.cancel(ACCOUNT, id), { _tag: "Done", already: false })
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Cancelled)
    }).pipe(Effect.provide(stack())))

  it.effect("a cancel whose reply is dropped is verified: the order is Cancelled, Done, one cancel sent", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const id = yield* place("c-2", limitBuy(1))
      yield* faults({ dropReply: { probability: 1, endpoints: ["orderCancel"], count: 1 } })
      assert.deepStrictEqual(yield* orders.cancel(ACCOUNT, id), { _tag: "Done", already: false })
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Cancelled)
      assert.strictEqual(yield* Spy.count("orderCancel"), 1)
    }).pipe(Effect.provide(stack())))

  it.effect("a cancel refused with a 5xx before it is applied is proven not applied, resent once, Done", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const id = yield* place("c-3", limitBuy(1))
      yield* faults({ serverErrors: { probability: 1, endpoints: ["orderCancel"], count: 1 } })
      assert.deepStrictEqual(yield* orders.cancel(ACCOUNT, id), { _tag: "Done", already: false })
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Cancelled)
      assert.strictEqual(yield* Spy.count("orderCancel"), 2)
    }).pipe(Effect.provide(stack())))

  it.effect("a cancel of an order already filled is OrderClosed with status Filled", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const id = yield* place("c-4", marketBuy())
      assert.deepStrictEqual(yield* orders.cancel(ACCOUNT, id), { _tag: "OrderClosed", status: Enums.OrderStatus.Filled })
    }).pipe(Effect.provide(stack())))

  it.effect("a second cancel of an order already cancelled is Done with already: true", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const id = yield* place("c-8", limitBuy(1))
      yield* orders.cancel(ACCOUNT, id)
      assert.deepStrictEqual(yield* orders.cancel(ACCOUNT, id), { _tag: "Done", already: true })
    }).pipe(Effect.provide(stack())))

  it.effect("a cancel of an unknown order id is Rejected", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const outcome = yield* orders.cancel(ACCOUNT, 12_345)
      assert.strictEqual(outcome._tag, "Rejected")
    }).pipe(Effect.provide(stack())))

  it.effect("a cancel the client cannot send (an order id that is not an integer) is Failed, never looked up", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const outcome = yield* orders.cancel(ACCOUNT, 1.5)
      assert.strictEqual(outcome._tag, "Failed")
      assert.strictEqual(yield* Spy.count("orderSearchOpen"), 0)
    }).pipe(Effect.provide(stack())))

  it.scoped("a cancel whose lookups fail every round is Verifying with an alert; once healed the background loop cancels the order", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      const id = yield* place("c-6", limitBuy(1))
      yield* faults({ serverErrors: { probability: 1, endpoints: ["orderCancel", "orderSearchOpen", "orderSearch"] } })
      const fiber = yield* Effect.fork(orders.cancel(ACCOUNT, id))
      yield* TestStack.advance("2 minutes", "1 second")
      const outcome = yield* Fiber.join(fiber)
      assert.strictEqual(outcome._tag, "Verifying")
      assert.isTrue((yield* drain(events)).some((e) => e._tag === "Alert" && e.message.includes(`cancel of order ${id}`)))
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Open)
      yield* faults({})
      yield* TestStack.advance("3 minutes", "5 seconds")
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Cancelled)
    }).pipe(Effect.provide(stack())))

  it.effect("with verification disabled a cancel whose reply is dropped fails with OutcomeUnknown", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const id = yield* place("c-7", limitBuy(1))
      yield* faults({ dropReply: { probability: 1, endpoints: ["orderCancel"], count: 1 } })
      const error = yield* Effect.flip(orders.cancel(ACCOUNT, id))
      assert.strictEqual(error._tag, "OutcomeUnknown")
      assert.strictEqual(error.endpoint, "orderCancel")
    }).pipe(Effect.provide(stack({ config: { verification: { enabled: false } } }))))
})

describe("OrderManager modify", () => {
  it.effect("a modify whose reply is dropped is Done once the order shows the new price", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const id = yield* place("m-1", limitBuy(1))
      yield* faults({ dropReply: { probability: 1, endpoints: ["orderModify"], count: 1 } })
      const outcome = yield* orders.modify({ accountId: ACCOUNT, orderId: id, limitPrice: REST - 5 })
      assert.deepStrictEqual(outcome, { _tag: "Done", already: false })
      assert.strictEqual((yield* simOrder(id)).limitPrice, REST - 5)
      assert.strictEqual(yield* Spy.count("orderModify"), 1)
    }).pipe(Effect.provide(stack())))

  it.effect("a modify refused with a 5xx before it is applied is resent and the order shows the new price", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const id = yield* place("m-2", limitBuy(1))
      yield* faults({ serverErrors: { probability: 1, endpoints: ["orderModify"], count: 1 } })
      const outcome = yield* orders.modify({ accountId: ACCOUNT, orderId: id, limitPrice: REST - 5 })
      assert.deepStrictEqual(outcome, { _tag: "Done", already: false })
      assert.strictEqual((yield* simOrder(id)).limitPrice, REST - 5)
      assert.strictEqual(yield* Spy.count("orderModify"), 2)
    }).pipe(Effect.provide(stack())))

  it.effect("a modify of a stop order's size and stop price whose reply is dropped is Done once the order shows both", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const stop = { ...limitBuy(1), type: Enums.OrderType.Stop, limitPrice: undefined, stopPrice: BID + 10 }
      const id = yield* place("m-4", stop)
      yield* faults({ dropReply: { probability: 1, endpoints: ["orderModify"], count: 1 } })
      const outcome = yield* orders.modify({ accountId: ACCOUNT, orderId: id, size: 2, stopPrice: BID + 12 })
      assert.deepStrictEqual(outcome, { _tag: "Done", already: false })
      const o = yield* simOrder(id)
      assert.deepStrictEqual({ size: o.size, stopPrice: o.stopPrice }, { size: 2, stopPrice: BID + 12 })
      assert.strictEqual(yield* Spy.count("orderModify"), 1)
    }).pipe(Effect.provide(stack())))

  it.effect("a modify of an order already cancelled is OrderClosed", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const id = yield* place("m-3", limitBuy(1))
      yield* orders.cancel(ACCOUNT, id)
      const outcome = yield* orders.modify({ accountId: ACCOUNT, orderId: id, limitPrice: REST - 5 })
      assert.deepStrictEqual(outcome, { _tag: "OrderClosed", status: Enums.OrderStatus.Cancelled })
    }).pipe(Effect.provide(stack())))
})

describe("OrderManager closeContract", () => {
  it.effect("a plain close is Done and the position is flat", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* place("p-1", marketBuy(2))
      assert.strictEqual((yield* position)?.size, 2)
      assert.deepStrictEqual(yield* orders.closeContract(ACCOUNT, MNQ), { _tag: "Done", already: false })
      assert.isUndefined(yield* position)
    }).pipe(Effect.provide(stack())))

  it.effect("a close whose reply is dropped is verified through positions: flat, Done, never reversed", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* place("p-2", marketBuy(2))
      yield* faults({ dropReply: { probability: 1, endpoints: ["positionCloseContract"], count: 1 } })
      assert.deepStrictEqual(yield* orders.closeContract(ACCOUNT, MNQ), { _tag: "Done", already: false })
      assert.isUndefined(yield* position)
      assert.deepStrictEqual(yield* volumes, { bought: 2, sold: 2 })
      assert.strictEqual(yield* Spy.count("positionCloseContract"), 1)
    }).pipe(Effect.provide(stack())))

  it.effect("a repeated close of a flat position (PositionNotFound) is Done with already: true", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* place("p-3", marketBuy(1))
      yield* orders.closeContract(ACCOUNT, MNQ)
      assert.deepStrictEqual(yield* orders.closeContract(ACCOUNT, MNQ), { _tag: "Done", already: true })
      assert.deepStrictEqual(yield* volumes, { bought: 1, sold: 1 })
    }).pipe(Effect.provide(stack())))

  it.effect("a close refused with a 5xx before it is applied is resent: flat, never reversed", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* place("p-4", marketBuy(2))
      // a resting order on the contract is not mistaken for the close in progress
      yield* place("p-4-rest", limitBuy(1))
      yield* faults({ serverErrors: { probability: 1, endpoints: ["positionCloseContract"], count: 1 } })
      assert.deepStrictEqual(yield* orders.closeContract(ACCOUNT, MNQ), { _tag: "Done", already: false })
      assert.isUndefined(yield* position)
      assert.deepStrictEqual(yield* volumes, { bought: 2, sold: 2 })
      assert.strictEqual(yield* Spy.count("positionCloseContract"), 2)
    }).pipe(Effect.provide(stack())))
})

describe("OrderManager reduce", () => {
  it.effect("reducing a long 3 by 2 sends a tagged market sell of 2 (<key>.1) and leaves 1, never the partial close endpoint", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* place("r-open", marketBuy(3))
      const outcome = yield* orders.reduce({ key: "r-1", accountId: ACCOUNT, contractId: MNQ, size: 2 })
      const id = orderIdOf(Option.getOrThrow(outcome))
      const sell = yield* simOrder(id)
      assert.deepStrictEqual(
        { customTag: sell.customTag, side: sell.side, type: sell.type, size: sell.size },
        { customTag: "r-1.1", side: Enums.OrderSide.Ask, type: Enums.OrderType.Market, size: 2 }
      )
      yield* settle
      assert.deepStrictEqual({ ...(yield* position) }.size, 1)
      assert.strictEqual(yield* Spy.count("positionPartialCloseContract"), 0)
      // every order on the account is one of ours (tagged): no untagged close order was made
      assert.deepStrictEqual((yield* truth).orders.map((o) => o.customTag), ["r-open.1", "r-1.1"])
    }).pipe(Effect.provide(stack())))

  it.effect("a reduction at enforcement priority reads the position and places the order at enforcement priority", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* place("r-open", marketBuy(3))
      yield* orders.reduce({ key: "r-6", accountId: ACCOUNT, contractId: MNQ, size: 1, priority: "enforcement" })
      const { log } = yield* Spy.Calls
      const mine = log.filter((c) => c.endpoint === "positionSearchOpen" || (c.request as { customTag?: string }).customTag === "r-6.1")
      assert.deepStrictEqual(mine.map((c) => [c.endpoint, c.options]), [
        ["positionSearchOpen", { priority: "enforcement" }],
        ["orderPlace", { priority: "enforcement" }]
      ])
      // the same key again (e.g. after a restart) keeps the priority
      yield* orders.reduce({ key: "r-6", accountId: ACCOUNT, contractId: MNQ, size: 1, priority: "enforcement" })
      assert.strictEqual((yield* truth).orders.filter((o) => o.customTag?.startsWith("r-6")).length, 1)
    }).pipe(Effect.provide(stack())))

  it.effect("a reduction larger than the position is clamped to it: flat, not reversed", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* place("r-open", marketBuy(3))
      const id = orderIdOf(Option.getOrThrow(yield* orders.reduce({ key: "r-2", accountId: ACCOUNT, contractId: MNQ, size: 5 })))
      assert.strictEqual((yield* simOrder(id)).size, 3)
      assert.isUndefined(yield* position)
      assert.deepStrictEqual(yield* volumes, { bought: 3, sold: 3 })
    }).pipe(Effect.provide(stack())))

  it.effect("a reduction without a position is None and sends nothing", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      assert.isTrue(Option.isNone(yield* orders.reduce({ key: "r-3", accountId: ACCOUNT, contractId: MNQ, size: 1 })))
      assert.strictEqual(yield* Spy.count("orderPlace"), 0)
      assert.deepStrictEqual((yield* truth).orders, [])
    }).pipe(Effect.provide(stack())))

  it.effect("a reduction whose position lookup fails is Failed (nothing sent), not None as if there were no position", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* place("r-open", marketBuy(3))
      yield* faults({ serverErrors: { probability: 1, endpoints: ["positionSearchOpen"] } })
      const fiber = yield* Effect.fork(orders.reduce({ key: "r-5", accountId: ACCOUNT, contractId: MNQ, size: 1 }))
      yield* TestStack.advance("2 minutes", "1 second")
      const outcome = yield* Fiber.join(fiber)
      assert.strictEqual(Option.getOrThrow(outcome)._tag, "Failed")
      assert.strictEqual(yield* Spy.count("orderPlace"), 1)
      assert.strictEqual((yield* position)?.size, 3)
    }).pipe(Effect.provide(stack())))

  it.effect("the same reduction key again is a Duplicate and no second order is sent", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* place("r-open", marketBuy(3))
      const first = Option.getOrThrow(yield* orders.reduce({ key: "r-4", accountId: ACCOUNT, contractId: MNQ, size: 1 }))
      const again = Option.getOrThrow(yield* orders.reduce({ key: "r-4", accountId: ACCOUNT, contractId: MNQ, size: 1 }))
      assert.deepStrictEqual<unknown>(again, { _tag: "Duplicate", existing: first })
      assert.strictEqual((yield* truth).orders.filter((o) => o.customTag?.startsWith("r-4")).length, 1)
      assert.strictEqual((yield* position)?.size, 2)
    }).pipe(Effect.provide(stack())))
})
