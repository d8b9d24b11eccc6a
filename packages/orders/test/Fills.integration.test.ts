/**
 * Partial fills over loopback: the fills reach the manager as SignalR events from the served simulator (real
 * time: the resting part fills 2 contracts per 1-second tick), and are tracked exactly as in-process.
 */
import { assert, describe, it } from "@effect/vitest"
import { OrderIntents } from "@tradeguard/store"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as OrderManager from "../src/OrderManager.js"
import { expectTrackedExactly, isFilled, largeLimitBuy, liquidity, size, truthOf } from "./harness/fills.js"
import { eventually, layer } from "./harness/loopback.js"

describe("OrderManager partial fills (loopback simulator)", { timeout: 120_000 }, () => {
  it.live("a large limit order filled in many pieces over the hub is tracked exactly: store, fills(), events", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      const outcome = yield* orders.submit({ key: "lb-fills", request: yield* largeLimitBuy })
      assert.strictEqual(outcome._tag, "Placed")
      const orderId = outcome._tag === "Placed" ? outcome.orderId : -1
      yield* eventually("the order is filled at the simulator", isFilled("lb-fills.1"), 1_200)
      yield* eventually(
        "the manager saw every fill",
        Effect.map(orders.fills(orderId), (f) => Option.exists(f, (p) => p.fillVolume === size)),
        1_200
      )
      const repo = yield* OrderIntents.OrderIntents
      const { trades } = yield* truthOf("lb-fills.1")
      yield* eventually("every trade is stored", Effect.map(repo.fills(orderId), (f) => f.length === trades.length))
      yield* expectTrackedExactly("lb-fills.1", Chunk.toReadonlyArray(yield* Queue.takeAll(events)), false)
    }).pipe(Effect.scoped, Effect.provide(layer({ simulator: { liquidity } }))))
})
