/**
 * Integration test 5 of the seed over loopback: the simulator on a real socket, the real stack (HTTP + SignalR),
 * a reply lost after the order was applied. The manager must find the order the simulator has, and a second
 * submit of the same intent must answer Duplicate without sending anything.
 */
import { assert, describe, it } from "@effect/vitest"
import { Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as OrderManager from "../src/OrderManager.js"
import { layer, paths, requests } from "./harness/loopback.js"
import { marketBuy, ordersTagged } from "./utils/stack.js"

/** Submits `key` (a fault plan set first), then the same intent again; checks one order and no second request. */
const placeOnceThenDuplicate = (key: string) =>
  Effect.gen(function*() {
    const orders = yield* OrderManager.OrderManager
    const outcome = yield* orders.submit({ key, request: marketBuy() })
    const placed = yield* ordersTagged(key)
    assert.strictEqual(placed.length, 1, "exactly one order for the tag at the simulator")
    assert.deepStrictEqual(outcome, { _tag: "Placed", orderId: placed[0]!.id, customTag: `${key}.1` })
    const repo = yield* OrderIntents.OrderIntents
    const attempt = Option.getOrThrow(yield* repo.findAttempt(`${key}.1`))
    assert.strictEqual(attempt.gatewayOrderId, placed[0]!.id)

    const sent = yield* requests(paths.orderPlace)
    const again = yield* orders.submit({ key, request: marketBuy() })
    assert.deepStrictEqual<unknown>(again, { _tag: "Duplicate", existing: outcome })
    assert.strictEqual(yield* requests(paths.orderPlace), sent, "the duplicate sent no Order/place")
    assert.strictEqual((yield* ordersTagged(key)).length, 1)
    return sent
  })

describe("OrderManager (loopback simulator)", { timeout: 60_000 }, () => {
  it.live("integration test 5: the connection is destroyed after the order is applied; the order is adopted, no duplicate", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ dropReply: { probability: 1, endpoints: ["orderPlace"], count: 1 } })
      const sent = yield* placeOnceThenDuplicate("lb-5")
      assert.strictEqual(sent, 1, "verification searched, it did not send the tag again")
    }).pipe(Effect.provide(layer())))

  it.live("a 5xx after the order is applied: the order is adopted, no duplicate", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ serverErrors: { probability: 1, status: 503, afterApply: true, endpoints: ["orderPlace"], count: 1 } })
      const sent = yield* placeOnceThenDuplicate("lb-5xx")
      assert.strictEqual(sent, 1, "verification searched, it did not send the tag again")
    }).pipe(Effect.provide(layer())))

  it.live("a 5xx before the order is applied: proven absent, the same tag is sent again, one order", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ serverErrors: { probability: 1, status: 500, endpoints: ["orderPlace"], count: 1 } })
      const sent = yield* placeOnceThenDuplicate("lb-500")
      assert.isAtLeast(sent, 2, "the refused request and the resend")
    }).pipe(Effect.provide(layer())))
})
