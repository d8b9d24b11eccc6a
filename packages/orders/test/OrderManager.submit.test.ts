/**
 * OrderManager.submit, part 1a: idempotency, submissions in flight, write-ahead and store failures, the store after a fill (in-process simulator, TestClock).
 */
import { assert, describe, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlError from "@effect/sql/SqlError"
import { ResilientGateway } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import { OrderIntents } from "@tradeguard/store"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as OrderConfig from "../src/OrderConfig.js"
import * as OrderIntent from "../src/OrderIntent.js"
import * as OrderManager from "../src/OrderManager.js"
import { intents, manager, orderCount, restingBuy } from "./utils/intents.js"
import { ACCOUNT, layer, marketBuy, MNQ, ordersTagged, storeLayer } from "./utils/stack.js"

describe("OrderManager.submit: idempotency", () => {
  it.effect("the same key and request within cacheTTL answers Duplicate(existing) and sends nothing", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      const first = yield* orders.submit({ key: "dup-1", request: marketBuy() })
      assert.strictEqual(first._tag, "Placed")
      const before = yield* orderCount
      yield* TestStack.advance("30 minutes")
      const again = yield* orders.submit({ key: "dup-1", request: marketBuy() })
      assert.deepStrictEqual<unknown>(again, { _tag: "Duplicate", existing: first })
      assert.strictEqual(yield* orderCount, before)
    }).pipe(Effect.provide(layer())))

  it.effect("the same key with another request is IdempotencyKeyReused and sends nothing", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      yield* orders.submit({ key: "reuse-1", request: marketBuy(1) })
      const before = yield* orderCount
      const error = yield* Effect.flip(orders.submit({ key: "reuse-1", request: marketBuy(2) }))
      assert.strictEqual(error._tag, "IdempotencyKeyReused")
      assert.strictEqual(yield* orderCount, before)
    }).pipe(Effect.provide(layer())))

  it.effect("an invalid key is InvalidIdempotencyKey: nothing is written and nothing sent", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      const repo = yield* intents
      for (const key of ["", "has space", "dot.ted", "x".repeat(OrderIntent.maxKeyLength + 1)]) {
        const error = yield* Effect.flip(orders.submit({ key, request: marketBuy() }))
        assert.strictEqual(error._tag, "InvalidIdempotencyKey", key)
        assert.isTrue(Option.isNone(yield* Effect.orDie(repo.find(key))), key)
      }
      assert.deepStrictEqual(yield* Effect.orDie(repo.nonTerminal), [])
      assert.strictEqual(yield* orderCount, 0)
    }).pipe(Effect.provide(layer())))

  it.effect("past cacheTTL (seconds) the same key places a NEW order tagged <key>.2; the earlier attempt stays", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      const repo = yield* intents
      const first = yield* orders.submit({ key: "ttl-1", request: marketBuy() })
      assert.strictEqual(first._tag, "Placed")
      // cacheTTL is 60 SECONDS: 59 s later it is still a duplicate
      yield* TestStack.advance("59 seconds")
      assert.strictEqual((yield* orders.submit({ key: "ttl-1", request: marketBuy() }))._tag, "Duplicate")
      yield* TestStack.advance("2 seconds")
      const second = yield* orders.submit({ key: "ttl-1", request: marketBuy() })
      assert.strictEqual(second._tag, "Placed")
      assert.deepStrictEqual((yield* ordersTagged("ttl-1")).map((o) => o.customTag).sort(), ["ttl-1.1", "ttl-1.2"])
      if (second._tag === "Placed") assert.strictEqual(second.customTag, "ttl-1.2")
      const attempts = yield* Effect.orDie(repo.attempts("ttl-1"))
      assert.deepStrictEqual(attempts.map((a) => a.customTag), ["ttl-1.1", "ttl-1.2"])
      if (first._tag === "Placed") assert.strictEqual(attempts[0]!.gatewayOrderId, first.orderId)
    }).pipe(Effect.provide(layer({ config: { idempotency: { cacheTTL: 60 } } }))))

  it.effect("past cacheTTL, the end of the earlier intent's order (cancelled) does not change the new intent's status", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      const repo = yield* intents
      const gateway = yield* ResilientGateway.ResilientGateway
      const first = yield* orders.submit({ key: "ttl-2", request: yield* restingBuy })
      yield* TestStack.advance("61 seconds", "5 seconds")
      const second = yield* orders.submit({ key: "ttl-2", request: marketBuy() })
      assert.deepStrictEqual([first._tag, second._tag], ["Placed", "Placed"])
      yield* TestStack.advance("10 seconds", "1 second")
      assert.strictEqual(Option.getOrThrow(yield* Effect.orDie(repo.find("ttl-2"))).status, "Filled")
      if (first._tag === "Placed") yield* Effect.orDie(gateway.orderCancel({ accountId: ACCOUNT, orderId: first.orderId }))
      yield* TestStack.advance("10 seconds", "1 second")
      assert.strictEqual(Option.getOrThrow(yield* Effect.orDie(repo.find("ttl-2"))).status, "Filled")
    }).pipe(Effect.provide(layer({ config: { idempotency: { cacheTTL: 60 } } }))))

  it.effect("with idempotency.enabled false a resubmission places another order", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      assert.strictEqual((yield* orders.submit({ key: "noidem-1", request: marketBuy() }))._tag, "Placed")
      assert.strictEqual((yield* orders.submit({ key: "noidem-1", request: marketBuy() }))._tag, "Placed")
      assert.strictEqual((yield* ordersTagged("noidem-1")).length, 2)
    }).pipe(Effect.provide(layer({ config: { idempotency: { enabled: false } } }))))

  it.effect("two concurrent submits of the same new key make one order; the second answers Duplicate", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      const [a, b] = yield* Effect.all([
        orders.submit({ key: "race-1", request: marketBuy() }),
        orders.submit({ key: "race-1", request: marketBuy() })
      ], { concurrency: 2 })
      const tags = [a._tag, b._tag].sort()
      assert.deepStrictEqual(tags, ["Duplicate", "Placed"])
      const placed = a._tag === "Placed" ? a : b
      const duplicate = a._tag === "Duplicate" ? a : b
      assert.deepStrictEqual<unknown>(duplicate, { _tag: "Duplicate", existing: placed })
      assert.strictEqual((yield* ordersTagged("race-1")).length, 1)
    }).pipe(Effect.provide(layer())))
})
describe("OrderManager.submit: the store after a market order fills at once", () => {
  const faults = {
    "a plain reply": {},
    "a dropped reply": { dropReply: { probability: 1, endpoints: ["orderPlace" as const], count: 1 } },
    "a 5xx before apply": { serverErrors: { probability: 1, endpoints: ["orderPlace" as const], count: 1 } },
    "a 5xx after apply": { serverErrors: { probability: 1, afterApply: true, endpoints: ["orderPlace" as const], count: 1 } }
  }
  for (const [name, plan] of Object.entries(faults)) {
    it.effect(`after ${name} the filled intent is Filled in the store (not left Working) and its attempt Filled`, () =>
      Effect.gen(function*() {
        const sim = yield* Simulator.Simulator
        const repo = yield* intents
        yield* sim.setFaults(plan)
        const orders = yield* manager
        assert.strictEqual((yield* orders.submit({ key: "fill-1", request: marketBuy() }))._tag, "Placed")
        yield* TestStack.advance("30 seconds", "1 second")
        assert.strictEqual(Option.getOrThrow(yield* Effect.orDie(repo.find("fill-1"))).status, "Filled")
        const attempts = yield* Effect.orDie(repo.attempts("fill-1"))
        assert.deepStrictEqual(attempts.map((a) => [a.customTag, a.status, a.fillVolume]), [["fill-1.1", "Filled", 1]])
        assert.deepStrictEqual(yield* Effect.orDie(repo.nonTerminal), [])
      }).pipe(Effect.provide(layer())))
  }
})
describe("OrderManager.submit: while the first submission is in flight", () => {
  /** orderPlace answers after 3 s: the first submission is still in flight when the second comes. */
  const slowPlace = Effect.flatMap(Simulator.Simulator, (sim) => sim.setFaults({ latency: { minMillis: 3_000, endpoints: ["orderPlace"] } }))

  it.effect("the same key with another request while the first is in flight is IdempotencyKeyReused, one order", () =>
    Effect.gen(function*() {
      yield* slowPlace
      const orders = yield* manager
      const first = yield* Effect.fork(orders.submit({ key: "flight-1", request: marketBuy(1) }))
      yield* TestStack.advance("1 second", "100 millis")
      const error = yield* Effect.flip(orders.submit({ key: "flight-1", request: marketBuy(2) }))
      assert.strictEqual(error._tag, "IdempotencyKeyReused")
      yield* TestStack.advance("5 seconds", "1 second")
      assert.strictEqual((yield* Fiber.join(first))._tag, "Placed")
      assert.strictEqual((yield* ordersTagged("flight-1")).length, 1)
    }).pipe(Effect.provide(layer())))

  it.effect("with idempotency.enabled false a resubmission while the first is in flight places a second order after it", () =>
    Effect.gen(function*() {
      yield* slowPlace
      const orders = yield* manager
      const first = yield* Effect.fork(orders.submit({ key: "flight-2", request: marketBuy() }))
      yield* TestStack.advance("1 second", "100 millis")
      const second = yield* Effect.fork(orders.submit({ key: "flight-2", request: marketBuy() }))
      yield* TestStack.advance("10 seconds", "1 second")
      const [a, b] = [yield* Fiber.join(first), yield* Fiber.join(second)]
      assert.deepStrictEqual([a._tag, b._tag], ["Placed", "Placed"])
      assert.deepStrictEqual((yield* ordersTagged("flight-2")).map((o) => o.customTag).sort(), ["flight-2.1", "flight-2.2"])
    }).pipe(Effect.provide(layer({ config: { idempotency: { enabled: false } } }))))

  it.effect("a placed order whose hub events are all lost is still recorded Filled: looked up after verification.timeout", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const repo = yield* intents
      const orders = yield* manager
      const request = yield* restingBuy
      yield* sim.setFaults({ hub: { hubs: ["user"], loseEvents: { probability: 1 } } })
      const outcome = yield* orders.submit({ key: "lost-1", request })
      assert.strictEqual(outcome._tag, "Placed")
      yield* Effect.orDie(sim.exchange.setPrice(MNQ, request.limitPrice - 1))
      yield* TestStack.advance("10 seconds", "1 second")
      assert.strictEqual(Option.getOrThrow(yield* Effect.orDie(repo.find("lost-1"))).status, "Filled")
    }).pipe(Effect.provide(layer())))
})
/** An OrderIntents whose every call fails with a SqlError once `broken` is set (after the manager is built). */
const breakable = (broken: { value: boolean }) =>
  Layer.effect(
    OrderIntents.OrderIntents,
    Effect.map(OrderIntents.OrderIntents, (real) => {
      const fail = Effect.suspend(() =>
        broken.value ? Effect.fail(new SqlError.SqlError({ cause: "disk I/O error", message: "disk I/O error" })) : Effect.void
      )
      const wrapped: Record<string, unknown> = {}
      for (const [name, value] of Object.entries(real)) {
        wrapped[name] = Effect.isEffect(value)
          ? Effect.zipRight(fail, value)
          : typeof value === "function"
          ? (...args: Array<unknown>) => Effect.zipRight(fail, (value as (...a: Array<unknown>) => Effect.Effect<unknown>)(...args))
          : value
      }
      return OrderIntents.OrderIntents.make(wrapped as unknown as Omit<OrderIntents.OrderIntents, "_tag">)
    })
  ).pipe(Layer.provide(storeLayer))
describe("OrderManager.submit: write-ahead", () => {
  it.effect("the intent and its attempt are in the store (Pending, Sent) while the request is in flight", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const repo = yield* intents
      yield* sim.setFaults({ latency: { minMillis: 3_000, endpoints: ["orderPlace"] } })
      const orders = yield* manager
      const submitted = yield* Effect.fork(orders.submit({ key: "wal-1", request: marketBuy() }))
      yield* TestStack.advance("1 second", "100 millis")
      assert.strictEqual(yield* orderCount, 0)
      const row = Option.getOrThrow(yield* Effect.orDie(repo.find("wal-1")))
      assert.strictEqual(row.status, "Pending")
      const attempts = yield* Effect.orDie(repo.attempts("wal-1"))
      assert.deepStrictEqual(attempts.map((a) => [a.customTag, a.status]), [["wal-1.1", "Sent"]])
      yield* TestStack.advance("5 seconds", "1 second")
      const outcome = yield* Fiber.join(submitted)
      assert.strictEqual(outcome._tag, "Placed")
      assert.strictEqual(yield* orderCount, 1)
    }).pipe(Effect.provide(layer())))

  it.effect("a store that fails: submit is StoreUnavailable and NOTHING is sent", () => {
    const broken = { value: false }
    return Effect.gen(function*() {
      const orders = yield* manager
      broken.value = true
      const error = yield* Effect.flip(orders.submit({ key: "nostore-1", request: marketBuy() }))
      assert.strictEqual(error._tag, "StoreUnavailable")
      assert.include(error.message, "disk I/O error")
      assert.strictEqual(yield* orderCount, 0)
      broken.value = false
      assert.strictEqual((yield* orders.submit({ key: "nostore-1", request: marketBuy() }))._tag, "Placed")
      assert.strictEqual(yield* orderCount, 1)
    }).pipe(Effect.provide(
      OrderManager.layer.pipe(
        Layer.provideMerge(OrderConfig.layer()),
        Layer.provideMerge(breakable(broken)),
        Layer.provideMerge(TestStack.layer({ simulator: { seed: 7 } }))
      )
    ))
  })

  it.effect("a corrupt store (the attempts table is gone): StoreUnavailable, the intent row is rolled back, nothing sent", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      const sql = yield* SqlClient.SqlClient
      yield* Effect.orDie(sql`DROP TABLE order_attempts`)
      const error = yield* Effect.flip(orders.submit({ key: "corrupt-1", request: marketBuy() }))
      assert.strictEqual(error._tag, "StoreUnavailable")
      assert.isTrue(Option.isNone(yield* Effect.orDie((yield* intents).find("corrupt-1"))))
      assert.strictEqual(yield* orderCount, 0)
    }).pipe(Effect.provide(layer())))
})
