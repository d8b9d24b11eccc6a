import { assert, describe, it } from "@effect/vitest"
import { Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as OrderManager from "../src/OrderManager.js"
import { layer, marketBuy, ordersTagged } from "./utils/stack.js"

describe("OrderManager", () => {
  it.effect("submit places the intent with the tag <key>.1 and the store records its gateway order id", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const outcome = yield* orders.submit({ key: "k-1", request: marketBuy() })
      assert.strictEqual(outcome._tag, "Placed")
      const placed = yield* ordersTagged("k-1")
      assert.deepStrictEqual(placed.map((o) => o.customTag), ["k-1.1"])
      const repo = yield* OrderIntents.OrderIntents
      const attempt = Option.getOrThrow(yield* repo.findAttempt("k-1.1"))
      assert.strictEqual(attempt.gatewayOrderId, placed[0]!.id)
    }).pipe(Effect.provide(layer())))

  it.effect("integration test 5: the reply is dropped after the order is placed; verification adopts it, no duplicate", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ dropReply: { probability: 1, endpoints: ["orderPlace"], count: 1 } })
      const orders = yield* OrderManager.OrderManager
      const outcome = yield* orders.submit({ key: "k-5", request: marketBuy() })
      const placed = yield* ordersTagged("k-5")
      assert.strictEqual(placed.length, 1)
      assert.deepStrictEqual(outcome, { _tag: "Placed", orderId: placed[0]!.id, customTag: "k-5.1" })
      const again = yield* orders.submit({ key: "k-5", request: marketBuy() })
      assert.deepStrictEqual<unknown>(again, { _tag: "Duplicate", existing: outcome })
      assert.strictEqual((yield* ordersTagged("k-5")).length, 1)
    }).pipe(Effect.provide(layer())))

  it.effect("a market order the hub reports filled before the reply arrives ends Filled in the store, not Working", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const outcome = yield* orders.submit({ key: "k-fill", request: marketBuy(2) })
      assert.strictEqual(outcome._tag, "Placed")
      yield* TestStack.advance("10 seconds")
      const repo = yield* OrderIntents.OrderIntents
      assert.strictEqual(Option.getOrThrow(yield* repo.find("k-fill")).status, "Filled")
      const attempt = Option.getOrThrow(yield* repo.findAttempt("k-fill.1"))
      assert.deepInclude(attempt, { status: "Filled", fillVolume: 2 })
      assert.isFalse((yield* repo.nonTerminal).some((i) => i.idempotencyKey === "k-fill"), "nothing left to recover")
    }).pipe(Effect.provide(layer())))
})
