import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { OrderIntents } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as OrderManager from "../src/OrderManager.js"
import {
  BID,
  drain,
  faults,
  fillEvents,
  limitBuy,
  orderIdOf,
  parts,
  pin,
  place,
  REST,
  simOrder,
  slowFills,
  stack,
  touch,
  truth
} from "./utils/operations.js"
import * as Spy from "./utils/spy.js"
import { ACCOUNT, marketBuy } from "./utils/stack.js"

describe("OrderManager fills", () => {
  it.scoped("a limit order filled in parts: PartiallyFilled then Filled, volume and average as the gateway's, stored with its trades", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      const id = yield* place("f-1", limitBuy(3))
      yield* touch(REST)
      yield* orders.modify({ accountId: ACCOUNT, orderId: id, limitPrice: REST + 1 })
      yield* touch(REST + 1)
      yield* touch(REST + 1)
      const order = yield* simOrder(id)
      assert.strictEqual(order.status, Enums.OrderStatus.Filled)
      // the gateway's filledPrice is rounded to 6 decimals
      const avg = order.filledPrice!
      assert.closeTo(avg, (REST + 2 * (REST + 1)) / 3, 1e-6)
      const seen = yield* fillEvents(events)
      assert.deepStrictEqual(seen.map((e) => e._tag), ["PartiallyFilled", "PartiallyFilled", "Filled"])
      assert.deepStrictEqual(seen.map((e) => "fillVolume" in e ? e.fillVolume : -1), [1, 2, 3])
      assert.deepStrictEqual(seen.map((e) => e.orderId), [id, id, id])
      const averages = seen.map((e) => "avgPrice" in e ? e.avgPrice : NaN)
      assert.strictEqual(averages[0], REST)
      assert.closeTo(averages[1]!, REST + 0.5, 1e-9)
      assert.closeTo(averages[2]!, avg, 1e-6)
      const progress = Option.getOrThrow(yield* orders.fills(id))
      assert.strictEqual(progress.fillVolume, 3)
      assert.closeTo(progress.avgPrice!, avg, 1e-6)
      const repo = yield* OrderIntents.OrderIntents
      const attempt = Option.getOrThrow(yield* repo.findAttempt("f-1.1"))
      assert.strictEqual(attempt.fillVolume, 3)
      assert.closeTo(attempt.averageFillPrice!, avg, 1e-6)
      const trades = (yield* truth).trades.filter((t) => t.orderId === id)
      const stored = yield* repo.fills(id)
      assert.deepStrictEqual(
        stored.map((f) => ({ tradeId: f.tradeId, size: f.size, price: f.price })),
        trades.map((t) => ({ tradeId: t.id, size: t.size, price: t.price }))
      )
      assert.strictEqual(Option.getOrThrow(yield* repo.find("f-1")).status, "Filled")
    }).pipe(Effect.provide(stack({ simulator: slowFills }))))

  it.effect("an order filled before its placement reply is recorded leaves the intent Filled, not Working", () =>
    Effect.gen(function*() {
      yield* place("f-0", marketBuy(1))
      yield* TestStack.advance("1 minute")
      const repo = yield* OrderIntents.OrderIntents
      assert.strictEqual(Option.getOrThrow(yield* repo.find("f-0")).status, "Filled")
      const attempt = Option.getOrThrow(yield* repo.findAttempt("f-0.1"))
      assert.deepStrictEqual({ status: attempt.status, fillVolume: attempt.fillVolume }, { status: "Filled", fillVolume: 1 })
    }).pipe(Effect.provide(stack())))

  it.effect("a fill the hub delivers before its order's first event is recorded once the order is known to be ours", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      // the order's Pending event is lost: its trade arrives before anything says the order is ours
      yield* faults({ hub: { hubs: ["user"], loseEvents: { probability: 1, count: 1 } } })
      const id = yield* place("f-5", marketBuy(1))
      yield* TestStack.advance("1 minute")
      const trades = (yield* truth).trades.filter((t) => t.orderId === id)
      const repo = yield* OrderIntents.OrderIntents
      assert.deepStrictEqual((yield* repo.fills(id)).map((f) => f.tradeId), trades.map((t) => t.id))
      // (deepStrictEqual would take None for any Some: compare the values)
      assert.deepStrictEqual(Option.getOrThrow(yield* orders.fills(id)), { fillVolume: 1, avgPrice: trades[0]!.price })
    }).pipe(Effect.provide(stack())))

  it.scoped("completeTimeout counts from the FIRST fill; with onTimeout keep the order is reported Incomplete and stays working", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      const id = yield* place("f-2", limitBuy(3))
      yield* touch(REST)
      yield* TestStack.advance("30 seconds")
      yield* touch(REST)
      yield* TestStack.advance("29 seconds")
      assert.deepStrictEqual((yield* fillEvents(events)).map((e) => e._tag), ["PartiallyFilled", "PartiallyFilled"])
      yield* TestStack.advance("2 seconds")
      assert.deepStrictEqual(yield* fillEvents(events), [{
        _tag: "Incomplete",
        key: "f-2",
        orderId: id,
        fillVolume: 2,
        size: 3,
        action: "keep"
      }])
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Open)
    }).pipe(Effect.provide(stack({ simulator: slowFills }))))

  it.scoped("an order completed within completeTimeout of its first fill is never reported Incomplete", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      yield* place("f-6", limitBuy(2))
      yield* touch(REST)
      yield* TestStack.advance("30 seconds")
      yield* touch(REST)
      yield* TestStack.advance("2 minutes")
      assert.deepStrictEqual((yield* fillEvents(events)).map((e) => e._tag), ["PartiallyFilled", "Filled"])
    }).pipe(Effect.provide(stack({ simulator: slowFills }))))

  it.scoped("completeTimeout counts from the first fill across a restart, not from the start-up", () =>
    Effect.gen(function*() {
      const before = yield* Scope.make()
      const first = Context.get(yield* Layer.buildWithScope(OrderManager.layer, before), OrderManager.OrderManager)
      yield* pin(BID)
      const id = orderIdOf(yield* first.submit({ key: "f-7", request: limitBuy(3) }))
      yield* touch(REST)
      yield* TestStack.advance("40 seconds")
      yield* Scope.close(before, Exit.void)
      const orders = Context.get(yield* Layer.build(OrderManager.layer), OrderManager.OrderManager)
      const events = yield* orders.subscribe
      yield* TestStack.advance("25 seconds", "1 second")
      assert.deepStrictEqual((yield* fillEvents(events)).filter((e) => e._tag === "Incomplete").map((e) => e.orderId), [id])
    }).pipe(Effect.provide(parts({ simulator: slowFills }))))

  it.scoped("with onTimeout cancelRest an incomplete order is reported and its rest is cancelled on the gateway", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      const id = yield* place("f-3", limitBuy(3))
      yield* touch(REST)
      yield* TestStack.advance("61 seconds", "1 second")
      const incomplete = (yield* fillEvents(events)).filter((e) => e._tag === "Incomplete")
      assert.deepStrictEqual(incomplete.map((e) => e.action), ["cancelRest"])
      const order = yield* simOrder(id)
      assert.deepStrictEqual({ status: order.status, fillVolume: order.fillVolume }, {
        status: Enums.OrderStatus.Cancelled,
        fillVolume: 1
      })
    }).pipe(Effect.provide(stack({ simulator: slowFills, config: { partialFills: { onTimeout: "cancelRest" } } }))))

  it.scoped("with trackingEnabled false no fill event is emitted but the fills are still recorded", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      const id = yield* place("f-4", limitBuy(2))
      yield* touch(REST)
      yield* touch(REST)
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Filled)
      assert.deepStrictEqual(yield* fillEvents(events), [])
      assert.isTrue(Option.isNone(yield* orders.fills(id)))
      const repo = yield* OrderIntents.OrderIntents
      assert.deepStrictEqual((yield* repo.fills(id)).map((f) => f.size), [1, 1])
    }).pipe(Effect.provide(stack({ simulator: slowFills, config: { partialFills: { trackingEnabled: false } } }))))
})

describe("OrderManager time in force and lookups", () => {
  it.scoped("an order still working after cancelAfter is cancelled on the gateway, Expired is emitted and stored", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      const id = yield* place("t-1", limitBuy(1), 30_000)
      yield* TestStack.advance("29 seconds")
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Open)
      yield* TestStack.advance("2 seconds")
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Cancelled)
      assert.deepStrictEqual((yield* drain(events)).filter((e) => e._tag === "Expired"), [{ _tag: "Expired", key: "t-1", orderId: id }])
      yield* TestStack.advance("1 minute")
      const repo = yield* OrderIntents.OrderIntents
      assert.strictEqual(Option.getOrThrow(yield* repo.find("t-1")).status, "Expired")
    }).pipe(Effect.provide(stack())))

  it.effect("an expired order stays Expired in the store when the hub reports its cancellation after the cancel's reply", () =>
    Effect.gen(function*() {
      const id = yield* place("t-4", limitBuy(1), 30_000)
      yield* faults({ hub: { hubs: ["user"], delayEvents: { probability: 1, minMillis: 3000 } } })
      yield* TestStack.advance("1 minute", "1 second")
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Cancelled)
      const repo = yield* OrderIntents.OrderIntents
      assert.strictEqual(Option.getOrThrow(yield* repo.find("t-4")).status, "Expired")
    }).pipe(Effect.provide(stack())))

  it.scoped("an order's time in force outlives a restart: the manager built again cancels it when cancelAfter runs out", () =>
    Effect.gen(function*() {
      const before = yield* Scope.make()
      const first = Context.get(yield* Layer.buildWithScope(OrderManager.layer, before), OrderManager.OrderManager)
      yield* pin(BID)
      const id = orderIdOf(yield* first.submit({ key: "t-3", request: limitBuy(1), cancelAfter: 30_000 }))
      yield* TestStack.advance("10 seconds")
      yield* Scope.close(before, Exit.void)
      const orders = Context.get(yield* Layer.build(OrderManager.layer), OrderManager.OrderManager)
      const events = yield* orders.subscribe
      yield* TestStack.advance("15 seconds")
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Open)
      yield* TestStack.advance("10 seconds")
      assert.strictEqual((yield* simOrder(id)).status, Enums.OrderStatus.Cancelled)
      assert.deepStrictEqual((yield* drain(events)).filter((e) => e._tag === "Expired"), [{ _tag: "Expired", key: "t-3", orderId: id }])
      yield* TestStack.advance("1 minute")
      const repo = yield* OrderIntents.OrderIntents
      assert.strictEqual(Option.getOrThrow(yield* repo.find("t-3")).status, "Expired")
    }).pipe(Effect.provide(parts())))

  it.scoped("an order filled before its cancelAfter is not touched", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      yield* place("t-2", marketBuy(1), 30_000)
      yield* TestStack.advance("1 minute")
      assert.strictEqual(yield* Spy.count("orderCancel"), 0)
      assert.deepStrictEqual((yield* drain(events)).filter((e) => e._tag === "Expired"), [])
      const repo = yield* OrderIntents.OrderIntents
      assert.strictEqual(Option.getOrThrow(yield* repo.find("t-2")).status, "Filled")
    }).pipe(Effect.provide(stack())))

  it.effect("an order whose status the hub never shows is looked up with Order/search after verification.timeout", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      yield* faults({ hub: { hubs: ["user"], loseEvents: { probability: 1 } } })
      const id = yield* place("s-1", marketBuy(1))
      assert.strictEqual(yield* Spy.count("orderSearch"), 0)
      yield* TestStack.advance("6 seconds", "1 second")
      const searches = (yield* Spy.Calls).log.filter((c) => c.endpoint === "orderSearch")
      assert.isAtLeast(searches.length, 1)
      const order = yield* simOrder(id)
      assert.deepStrictEqual(Option.getOrThrow(yield* orders.fills(id)), { fillVolume: 1, avgPrice: order.filledPrice! })
      const repo = yield* OrderIntents.OrderIntents
      assert.strictEqual(Option.getOrThrow(yield* repo.find("s-1")).status, "Filled")
    }).pipe(Effect.provide(stack())))
})
