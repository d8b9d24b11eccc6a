import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { type Options as SimulatorOptions, Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as OrderConfig from "../src/OrderConfig.js"
import type { OrderEvent } from "../src/OrderEvent.js"
import type { Outcome } from "../src/OrderIntent.js"
import * as OrderManager from "../src/OrderManager.js"
import * as Spy from "./utils/spy.js"
import { ACCOUNT, marketBuy, MNQ, storeLayer } from "./utils/stack.js"

/** The manager over the in-process simulator, its gateway calls recorded (Spy), MNQ pinned by each test. */
const stack = (options: {
  readonly config?: OrderConfig.OrderManagementInput
  readonly simulator?: SimulatorOptions.Options
} = {}) =>
  OrderManager.layer.pipe(
    Layer.provideMerge(Spy.layer),
    Layer.provideMerge(OrderConfig.layer(options.config ?? {})),
    Layer.provideMerge(storeLayer),
    Layer.provideMerge(TestStack.layer({ simulator: { seed: 7, ...options.simulator } }))
  )

/** Everything but the manager (a test builds it, again after a "restart"). */
const parts = () =>
  Spy.layer.pipe(
    Layer.provideMerge(OrderConfig.layer({})),
    Layer.provideMerge(storeLayer),
    Layer.provideMerge(TestStack.layer({ simulator: { seed: 7 } }))
  )

const TICK = 0.25
/** MNQ's bid while a test runs (pinned): a limit buy at `REST` rests, one tick above it is filled. */
const BID = 21_000
const REST = 20_990

const sim = Simulator.Simulator
const pin = (bid: number) => Effect.flatMap(sim, (s) => Effect.orDie(s.exchange.setPrice(MNQ, bid)))
const settle = Effect.zipRight(TestStack.settle, TestStack.settle)
/** The resting limit order fills `perTick` at its price, then the market moves away again. */
const touch = (limitPrice: number) => Effect.zipRight(Effect.zipRight(pin(limitPrice - TICK), pin(BID)), settle)

const truth = Effect.flatMap(sim, (s) => Effect.orDie(s.exchange.peek(ACCOUNT)))
const simOrder = (id: number) => Effect.map(truth, (t) => t.orders.find((o) => o.id === id)!)
const position = Effect.map(truth, (t) => t.positions.find((p) => p.contractId === MNQ))

const limitBuy = (size: number, limitPrice = REST) => ({
  accountId: ACCOUNT,
  contractId: MNQ,
  type: Enums.OrderType.Limit,
  side: Enums.OrderSide.Bid,
  size,
  limitPrice
})

const orderIdOf = (outcome: Outcome): number => {
  assert.strictEqual(outcome._tag, "Placed")
  return (outcome as Outcome & { readonly _tag: "Placed" }).orderId
}

/** Submits `request` under `key` (MNQ pinned at BID first) and answers the order id. */
const place = (key: string, request: OrderManager.Submission["request"], cancelAfter?: number) =>
  Effect.gen(function*() {
    yield* pin(BID)
    const orders = yield* OrderManager.OrderManager
    const id = orderIdOf(yield* orders.submit(cancelAfter === undefined ? { key, request } : { key, request, cancelAfter }))
    yield* settle
    return id
  })

const drain = (q: Queue.Dequeue<OrderEvent>) => Effect.map(Queue.takeAll(q), (c) => [...c])
const faults = (plan: Parameters<Simulator.Service["setFaults"]>[0]) => Effect.flatMap(sim, (s) => s.setFaults(plan))

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

/** The account's bought and sold volume in MNQ (a close that flipped the position would sell more than it bought). */
const volumes = Effect.map(truth, (t) => {
  const of = (side: number) => t.trades.filter((x) => x.contractId === MNQ && x.side === side).reduce((n, x) => n + x.size, 0)
  return { bought: of(Enums.OrderSide.Bid), sold: of(Enums.OrderSide.Ask) }
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

const fillEvents = (q: Queue.Dequeue<OrderEvent>) =>
  Effect.map(drain(q), (es) => es.filter((e) => e._tag === "PartiallyFilled" || e._tag === "Filled" || e._tag === "Incomplete"))

/** One contract per tick: a resting limit order fills part by part. */
const slowFills = { liquidity: { perTick: 1 } }

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
      assert.deepStrictEqual(yield* orders.fills(id), Option.some({ fillVolume: 1, avgPrice: trades[0]!.price }))
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
      assert.deepStrictEqual(yield* orders.fills(id), Option.some({ fillVolume: 1, avgPrice: order.filledPrice! }))
      const repo = yield* OrderIntents.OrderIntents
      assert.strictEqual(Option.getOrThrow(yield* repo.find("s-1")).status, "Filled")
    }).pipe(Effect.provide(stack())))
})
