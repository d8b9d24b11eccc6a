import { assert, describe, it } from "@effect/vitest"
import { TestStack } from "@tradeguard/testing"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as OrderManager from "../src/OrderManager.js"
import { expectTrackedExactly, isFilled, largeLimitBuy, liquidity } from "./harness/fills.js"
import { layer } from "./utils/stack.js"

describe("OrderManager partial fills (in-process simulator, TestClock)", () => {
  it.effect("a large limit order filled in many pieces at many prices is tracked exactly: store, fills(), events", () =>
    Effect.gen(function*() {
      const orders = yield* OrderManager.OrderManager
      const events = yield* orders.subscribe
      const request = yield* largeLimitBuy
      const outcome = yield* orders.submit({ key: "fills-1", request })
      assert.strictEqual(outcome._tag, "Placed")
      for (let i = 0; i < 6 && !(yield* isFilled("fills-1.1")); i++) yield* TestStack.advance("10 minutes")
      yield* TestStack.advance("1 minute")
      yield* expectTrackedExactly("fills-1.1", Chunk.toReadonlyArray(yield* Queue.takeAll(events)), true)
    }).pipe(Effect.scoped, Effect.provide(layer({ stack: { simulator: { seed: 7, liquidity } } }))))
})
