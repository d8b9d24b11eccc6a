/**
 * Restarts in-process under TestClock: the simulator and the store outlive the process (the manager and a
 * FRESH stack: new login, new hub connections with no subscription of the first process), as after a crash.
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { HubConnection, InProcessTransport } from "@tradeguard/realtime"
import { Stack, StackConfig } from "@tradeguard/runtime"
import { Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as OrderConfig from "../src/OrderConfig.js"
import * as OrderManager from "../src/OrderManager.js"
import { ACCOUNT, MNQ, storeLayer } from "./utils/stack.js"

/** One process: a fresh stack on the simulator in context (as `TestStack.layer` builds it) and the manager (recovering). */
const aProcess = Layer.unwrapEffect(Effect.map(StackConfig.decode(TestStack.configInput()), (config) =>
  OrderManager.layer.pipe(
    Layer.provideMerge(OrderConfig.layer({})),
    Layer.provideMerge(Stack.layerWithoutTransports(config)),
    Layer.provide(InProcessTransport.layerEffect(Effect.map(Simulator.Simulator, (s) => s.hubs))),
    Layer.provide(Stack.credentials(TestStack.demoCredentials))
  )))

/** What outlives a process: the simulator (and its in-process HTTP client) and the store. */
const world = Layer.merge(storeLayer, Simulator.layerInProcess({ ...TestStack.fastSimulator, seed: 7 }))

/** Runs `f` with the manager of a new process; the process ends with it. */
const inProcess = <A, E, R>(f: (orders: OrderManager.Service) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(Layer.build(aProcess), (ctx) => Effect.provide(f(Context.get(ctx, OrderManager.OrderManager)), ctx)))

describe("OrderManager across restarts (in-process simulator, TestClock)", () => {
  it.effect("a working order recovered at start-up gets its hub subscriptions back: a fill after the restart is tracked", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const bid = (yield* Effect.orDie(sim.exchange.quote(MNQ))).bestBid!
      const limitPrice = bid - 20 * 0.25
      const request = { accountId: ACCOUNT, contractId: MNQ, type: Enums.OrderType.Limit, side: Enums.OrderSide.Bid, size: 1, limitPrice }
      const placed = yield* inProcess((orders) => orders.submit({ key: "rest-1", request }))
      assert.strictEqual(placed._tag, "Placed")
      const orderId = placed._tag === "Placed" ? placed.orderId : -1

      yield* inProcess((orders) =>
        Effect.gen(function*() {
          const events = yield* orders.subscribe
          yield* HubConnection.awaitSubscribed(yield* HubConnection.UserHub)
          yield* TestStack.advance("1 minute")
          yield* Effect.orDie(sim.exchange.setPrice(MNQ, limitPrice - 2 * 0.25))
          yield* TestStack.advance("1 minute")
          const seen = Chunk.toReadonlyArray(yield* Queue.takeAll(events))
          assert.deepStrictEqual(
            seen.filter((e) => e._tag === "Filled").map((e) => e._tag === "Filled" && [e.orderId, e.fillVolume]),
            [[orderId, 1]],
            "the restarted manager saw the fill"
          )
          assert.deepStrictEqual(yield* orders.fills(orderId), Option.some({ fillVolume: 1, avgPrice: limitPrice }))
          const repo = yield* OrderIntents.OrderIntents
          assert.strictEqual(Option.getOrThrow(yield* repo.find("rest-1")).status, "Filled")
          assert.strictEqual(Option.getOrThrow(yield* repo.findAttempt("rest-1.1")).fillVolume, 1)
        })
      )
    }).pipe(Effect.provide(world)))
})
