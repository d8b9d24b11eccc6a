import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as OrderConfig from "../src/OrderConfig.js"
import type { OrderEvent } from "../src/OrderEvent.js"
import type { Outcome } from "../src/OrderIntent.js"
import * as OrderManager from "../src/OrderManager.js"
import * as Spy from "./utils/spy.js"
import { ACCOUNT, marketBuy, MNQ, storeLayer } from "./utils/stack.js"

/** The manager over the in-process simulator, its gateway calls recorded (Spy), MNQ pinned by each test. */
const stack = (options: {
  readonly config?: OrderConfig.OrderManagementInput
  readonly simulator?: Simulator.Options
} = {}) =>
  OrderManager.layer.pipe(
    Layer.provideMerge(Spy.layer),
    Layer.provideMerge(OrderConfig.layer(options.config ?? {})),
    Layer.provideMerge(storeLayer),
    Layer.provideMerge(TestStack.layer({ simulator: { seed: 7, ...options.simulator } }))
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

  it.effect("a cancel of an unknown order id is Rejected", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const outcome = yield* orders.cancel(ACCOUNT, 12_345)
      assert.strictEqual(outcome._tag, "Rejected")
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
      yield* faults({ serverErrors: { probability: 1, endpoints: ["positionCloseContract"], count: 1 } })
      assert.deepStrictEqual(yield* orders.closeContract(ACCOUNT, MNQ), { _tag: "Done", already: false })
      assert.isUndefined(yield* position)
      assert.deepStrictEqual(yield* volumes, { bought: 2, sold: 2 })
      assert.strictEqual(yield* Spy.count("positionCloseContract"), 2)
    }).pipe(Effect.provide(stack())))
})
