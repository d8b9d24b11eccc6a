/** Helpers of the OrderManager tests: ground truth, events, a resting order, "restarts" over one store. */
import { Enums } from "@tradeguard/gateway"
import { ResilientGateway } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as OrderConfig from "../../src/OrderConfig.js"
import type { OrderEvent } from "../../src/OrderEvent.js"
import * as OrderIntent from "../../src/OrderIntent.js"
import * as OrderManager from "../../src/OrderManager.js"
import { newIntent } from "../../src/internal/persist.js"
import { ACCOUNT, marketBuy, MNQ, storeLayer } from "./stack.js"

/** Every order the simulator has for the demo account (filled ones included). */
export const orderCount = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  return (yield* Effect.orDie(sim.exchange.peek(ACCOUNT))).orders.length
})

/** The manager's tag. */
export const manager = OrderManager.OrderManager
/** The store's intents repository. */
export const intents = OrderIntents.OrderIntents

/** The events emitted so far on a subscription. */
export const drain = (q: Queue.Dequeue<OrderEvent>) => Effect.map(Queue.takeAll(q), (c) => [...c])
/** The Alert events among `events`. */
export const alerts = (events: ReadonlyArray<OrderEvent>) => events.filter((e) => e._tag === "Alert")

/** A limit buy far below the market: it rests until the price is moved down to it. */
export const restingBuy = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const quote = yield* Effect.orDie(sim.exchange.quote(MNQ))
  const limitPrice = Math.round(((quote.bestBid ?? quote.lastPrice ?? 20_000) - 50) * 4) / 4
  return { ...marketBuy(), type: Enums.OrderType.Limit, limitPrice }
})

/** The store, the config and the stack: kept across "restarts" (each `withManager` builds a new manager). */
export const base = (config: OrderConfig.OrderManagementInput = {}) =>
  Layer.mergeAll(OrderConfig.layer(config), storeLayer, TestStack.layer({ simulator: { seed: 7 } }))

/** Runs `f` with a manager built now (start-up recovery included) and shut down after. */
export const withManager = <A, E, R>(f: (orders: OrderManager.Service) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(manager, f).pipe(Effect.provide(OrderManager.layer))

/** The rows of an intent written before a crash: the intent and (unless `tag` is undefined) its attempt. */
export const writeRows = (key: string, request: OrderIntent.IntentRequest, tag: string | undefined) =>
  Effect.gen(function*() {
    const repo = yield* intents
    // the rows exactly as the manager writes them
    const row = newIntent(key, OrderIntent.fingerprint(request), request)
    if (tag === undefined) yield* Effect.orDie(repo.insert(row))
    else yield* Effect.orDie(repo.begin(row, tag))
  })

/** Places an order with `customTag` straight through the gateway (as the process before the crash did). */
export const placeDirectly = (request: OrderIntent.IntentRequest, customTag: string) =>
  Effect.gen(function*() {
    const gateway = yield* ResilientGateway.ResilientGateway
    return (yield* Effect.orDie(gateway.orderPlace({ ...request, customTag }))).orderId
  })
