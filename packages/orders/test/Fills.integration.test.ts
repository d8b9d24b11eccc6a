/**
 * Partial fills over loopback: the fills reach the manager as SignalR events from the served simulator (real
 * time: the resting part fills 2 contracts per 1-second tick), and are tracked exactly as in-process.
 */
import { assert, describe, it } from "@effect/vitest"
import { HubConnection } from "@tradeguard/realtime"
import { OrderIntents } from "@tradeguard/store"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as OrderManager from "../src/OrderManager.js"
import { expectTrackedExactly, isFilled, largeLimitBuy, liquidity, size, truthOf } from "./harness/fills.js"
import { eventually, layer } from "./harness/loopback.js"

/** Places the large limit buy as `key`, waits until the manager has seen (and stored) every fill, checks it. */
const fillAndCheck = (key: string, inOrder: boolean) =>
  Effect.gen(function*() {
    const orders = yield* OrderManager.OrderManager
    const events = yield* orders.subscribe
    const outcome = yield* orders.submit({ key, request: yield* largeLimitBuy })
    assert.strictEqual(outcome._tag, "Placed")
    const orderId = outcome._tag === "Placed" ? outcome.orderId : -1
    yield* eventually("the order is filled at the simulator", isFilled(`${key}.1`), 1_200)
    yield* eventually(
      "the manager saw every fill",
      Effect.map(orders.fills(orderId), (f) => Option.exists(f, (p) => p.fillVolume === size)),
      1_200
    )
    const repo = yield* OrderIntents.OrderIntents
    const { trades } = yield* truthOf(`${key}.1`)
    yield* eventually("every trade is stored", Effect.map(repo.fills(orderId), (f) => f.length === trades.length), 1_200)
    yield* expectTrackedExactly(`${key}.1`, Chunk.toReadonlyArray(yield* Queue.takeAll(events)), inOrder)
  }).pipe(Effect.scoped)

describe("OrderManager partial fills (loopback simulator)", { timeout: 120_000 }, () => {
  it.live("with the user hub subscribed: every PartiallyFilled is the VWAP of the trades so far, then Filled", () =>
    Effect.gen(function*() {
      yield* HubConnection.awaitSubscribed(yield* HubConnection.UserHub)
      yield* fillAndCheck("lb-fills", true)
    }).pipe(Effect.provide(layer({ simulator: { liquidity } }))))

  it.live("right at start-up (the first fills may reach the manager late, through the reconciler): still tracked exactly", () =>
    fillAndCheck("lb-fills-startup", false).pipe(Effect.provide(layer({ simulator: { liquidity } }))))
})
