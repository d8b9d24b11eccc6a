/** The OrderManager over the in-process simulator with its gateway calls recorded, and helpers for operation and fill tests. */
import { Enums } from "@tradeguard/gateway"
import { type Options as SimulatorOptions, Simulator } from "@tradeguard/simulator"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { assert } from "@effect/vitest"
import * as OrderConfig from "../../src/OrderConfig.js"
import type { OrderEvent } from "../../src/OrderEvent.js"
import type { Outcome } from "../../src/OrderIntent.js"
import * as OrderManager from "../../src/OrderManager.js"
import * as Spy from "./spy.js"
import { ACCOUNT, MNQ, storeLayer } from "./stack.js"

/** The manager over the in-process simulator, its gateway calls recorded (Spy), MNQ pinned by each test. */
export const stack = (options: {
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
export const parts = (options: {
  readonly config?: OrderConfig.OrderManagementInput
  readonly simulator?: SimulatorOptions.Options
} = {}) =>
  Spy.layer.pipe(
    Layer.provideMerge(OrderConfig.layer(options.config ?? {})),
    Layer.provideMerge(storeLayer),
    Layer.provideMerge(TestStack.layer({ simulator: { seed: 7, ...options.simulator } }))
  )

export const TICK = 0.25
/** MNQ's bid while a test runs (pinned): a limit buy at `REST` rests, one tick above it is filled. */
export const BID = 21_000
export const REST = 20_990

export const sim = Simulator.Simulator
export const pin = (bid: number) => Effect.flatMap(sim, (s) => Effect.orDie(s.exchange.setPrice(MNQ, bid)))
export const settle = Effect.zipRight(TestStack.settle, TestStack.settle)
/** The resting limit order fills `perTick` at its price, then the market moves away again. */
export const touch = (limitPrice: number) => Effect.zipRight(Effect.zipRight(pin(limitPrice - TICK), pin(BID)), settle)

export const truth = Effect.flatMap(sim, (s) => Effect.orDie(s.exchange.peek(ACCOUNT)))
export const simOrder = (id: number) => Effect.map(truth, (t) => t.orders.find((o) => o.id === id)!)
export const position = Effect.map(truth, (t) => t.positions.find((p) => p.contractId === MNQ))

export const limitBuy = (size: number, limitPrice = REST) => ({
  accountId: ACCOUNT,
  contractId: MNQ,
  type: Enums.OrderType.Limit,
  side: Enums.OrderSide.Bid,
  size,
  limitPrice
})

export const orderIdOf = (outcome: Outcome): number => {
  assert.strictEqual(outcome._tag, "Placed")
  return (outcome as Outcome & { readonly _tag: "Placed" }).orderId
}

/** Submits `request` under `key` (MNQ pinned at BID first) and answers the order id. */
export const place = (key: string, request: OrderManager.Submission["request"], cancelAfter?: number) =>
  Effect.gen(function*() {
    yield* pin(BID)
    const orders = yield* OrderManager.OrderManager
    const id = orderIdOf(yield* orders.submit(cancelAfter === undefined ? { key, request } : { key, request, cancelAfter }))
    yield* settle
    return id
  })

export const drain = (q: Queue.Dequeue<OrderEvent>) => Effect.map(Queue.takeAll(q), (c) => [...c])
export const faults = (plan: Parameters<Simulator.Service["setFaults"]>[0]) => Effect.flatMap(sim, (s) => s.setFaults(plan))

/** The account's bought and sold volume in MNQ (a close that flipped the position would sell more than it bought). */
export const volumes = Effect.map(truth, (t) => {
  const of = (side: number) => t.trades.filter((x) => x.contractId === MNQ && x.side === side).reduce((n, x) => n + x.size, 0)
  return { bought: of(Enums.OrderSide.Bid), sold: of(Enums.OrderSide.Ask) }
})

export const fillEvents = (q: Queue.Dequeue<OrderEvent>) =>
  Effect.map(drain(q), (es) => es.filter((e) => e._tag === "PartiallyFilled" || e._tag === "Filled" || e._tag === "Incomplete"))

/** One contract per tick: a resting limit order fills part by part. */
export const slowFills = { liquidity: { perTick: 1 } }
