/**
 * OrderManager, part 1: submit (idempotency, verification of an ambiguous outcome, write-ahead), retry,
 * start-up recovery and late landings, over the in-process simulator under TestClock.
 */
import { assert, describe, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlError from "@effect/sql/SqlError"
import { Enums } from "@tradeguard/gateway"
import { ResilientGateway } from "@tradeguard/resilience"
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
import * as OrderIntent from "../src/OrderIntent.js"
import * as OrderManager from "../src/OrderManager.js"
import { ACCOUNT, layer, marketBuy, MNQ, ordersTagged, storeLayer } from "./utils/stack.js"

/** Every order the simulator has for the demo account (filled ones included). */
const orderCount = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  return (yield* Effect.orDie(sim.exchange.peek(ACCOUNT))).orders.length
})

const manager = OrderManager.OrderManager
const intents = OrderIntents.OrderIntents

/** The events emitted so far on a subscription. */
const drain = (q: Queue.Dequeue<OrderEvent>) => Effect.map(Queue.takeAll(q), (c) => [...c])
const alerts = (events: ReadonlyArray<OrderEvent>) => events.filter((e) => e._tag === "Alert")

/** A limit buy far below the market: it rests until the price is moved down to it. */
const restingBuy = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  const quote = yield* Effect.orDie(sim.exchange.quote(MNQ))
  const limitPrice = Math.round(((quote.bestBid ?? quote.lastPrice ?? 20_000) - 50) * 4) / 4
  return { ...marketBuy(), type: Enums.OrderType.Limit, limitPrice }
})

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

describe("OrderManager.submit: verification of an ambiguous outcome", () => {
  it.effect("a dropped reply: the order that landed is adopted (Placed with the simulator's order id), the store has it", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ dropReply: { probability: 1, endpoints: ["orderPlace"], count: 1 } })
      const orders = yield* manager
      const outcome = yield* orders.submit({ key: "drop-1", request: marketBuy() })
      const placed = yield* ordersTagged("drop-1")
      assert.strictEqual(placed.length, 1)
      assert.deepStrictEqual(outcome, { _tag: "Placed", orderId: placed[0]!.id, customTag: "drop-1.1" })
      const attempt = Option.getOrThrow(yield* Effect.orDie((yield* intents).findAttempt("drop-1.1")))
      assert.strictEqual(attempt.gatewayOrderId, placed[0]!.id)
    }).pipe(Effect.provide(layer())))

  it.effect("a 5xx before the order is applied: found absent, the SAME tag is sent again, exactly one order", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ serverErrors: { probability: 1, endpoints: ["orderPlace"], count: 1 } })
      const orders = yield* manager
      const outcome = yield* orders.submit({ key: "5xx-1", request: marketBuy() })
      const placed = yield* ordersTagged("5xx-1")
      assert.deepStrictEqual(placed.map((o) => o.customTag), ["5xx-1.1"])
      assert.deepStrictEqual(outcome, { _tag: "Placed", orderId: placed[0]!.id, customTag: "5xx-1.1" })
      const attempts = yield* Effect.orDie((yield* intents).attempts("5xx-1"))
      assert.deepStrictEqual(attempts.map((a) => a.customTag), ["5xx-1.1"])
    }).pipe(Effect.provide(layer())))

  it.effect("a 5xx after the order is applied: the order is adopted, no second one", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ serverErrors: { probability: 1, afterApply: true, endpoints: ["orderPlace"], count: 1 } })
      const orders = yield* manager
      const outcome = yield* orders.submit({ key: "5xxa-1", request: marketBuy() })
      const placed = yield* ordersTagged("5xxa-1")
      assert.strictEqual(placed.length, 1)
      assert.deepStrictEqual(outcome, { _tag: "Placed", orderId: placed[0]!.id, customTag: "5xxa-1.1" })
      assert.strictEqual(yield* orderCount, 1)
    }).pipe(Effect.provide(layer())))

  it.scoped("Order/search failing too: Verifying and an Alert; once healed the re-check places it, one order", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const orders = yield* manager
      const events = yield* orders.subscribe
      yield* sim.setFaults({ serverErrors: { probability: 1, endpoints: ["orderPlace", "orderSearch"] } })
      const submitted = yield* Effect.fork(orders.submit({ key: "blind-1", request: marketBuy() }))
      yield* TestStack.advance("2 minutes", "5 seconds")
      const outcome = yield* Fiber.join(submitted)
      assert.deepStrictEqual(outcome, { _tag: "Verifying", customTag: "blind-1.1" })
      assert.isTrue(alerts(yield* drain(events)).some((e) => e.key === "blind-1"))
      assert.deepStrictEqual(yield* orders.outcome("blind-1"), Option.some(outcome))
      assert.strictEqual(yield* orderCount, 0)
      yield* sim.setFaults({})
      const settled = yield* Effect.fork(orders.settled("blind-1"))
      yield* TestStack.advance("2 minutes", "5 seconds")
      const final = yield* Fiber.join(settled)
      const placed = yield* ordersTagged("blind-1")
      assert.deepStrictEqual(placed.map((o) => o.customTag), ["blind-1.1"])
      assert.deepStrictEqual(final, { _tag: "Placed", orderId: placed[0]!.id, customTag: "blind-1.1" })
      assert.strictEqual(yield* orderCount, 1)
    }).pipe(Effect.provide(layer())))

  it.scoped("a dropped reply while Order/search outlasts verification.timeout and the hub loses events: Verifying, then adopted", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const orders = yield* manager
      const events = yield* orders.subscribe
      yield* sim.setFaults({
        dropReply: { probability: 1, endpoints: ["orderPlace"], count: 1 },
        latency: { minMillis: 20_000, endpoints: ["orderSearch"] },
        hub: { hubs: ["user"], loseEvents: { probability: 1 } }
      })
      const submitted = yield* Effect.fork(orders.submit({ key: "slow-1", request: marketBuy() }))
      yield* TestStack.advance("1 minute", "5 seconds")
      const outcome = yield* Fiber.join(submitted)
      assert.deepStrictEqual(outcome, { _tag: "Verifying", customTag: "slow-1.1" })
      assert.isTrue(alerts(yield* drain(events)).some((e) => e.key === "slow-1"))
      yield* sim.setFaults({})
      const settled = yield* Effect.fork(orders.settled("slow-1"))
      yield* TestStack.advance("2 minutes", "5 seconds")
      const final = yield* Fiber.join(settled)
      const placed = yield* ordersTagged("slow-1")
      assert.strictEqual(placed.length, 1)
      assert.deepStrictEqual(final, { _tag: "Placed", orderId: placed[0]!.id, customTag: "slow-1.1" })
    }).pipe(Effect.provide(layer())))

  it.effect("with verification.enabled false an ambiguous failure is OutcomeUnknown; the store keeps the attempt as Unknown", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setFaults({ serverErrors: { probability: 1, endpoints: ["orderPlace"], count: 1 } })
      const orders = yield* manager
      const error = yield* Effect.flip(orders.submit({ key: "unver-1", request: marketBuy() }))
      assert.strictEqual(error._tag, "OutcomeUnknown")
      const repo = yield* intents
      const attempt = Option.getOrThrow(yield* Effect.orDie(repo.findAttempt("unver-1.1")))
      assert.strictEqual(attempt.status, "Unknown")
      assert.strictEqual(Option.getOrThrow(yield* Effect.orDie(repo.find("unver-1"))).status, "Pending")
      assert.strictEqual((yield* Effect.flip(orders.settled("unver-1")))._tag, "OutcomeUnknown")
      assert.strictEqual((yield* Effect.flip(orders.settled("never-1")))._tag, "UnknownIntent")
      assert.deepStrictEqual(yield* orders.outcome("never-1"), Option.none())
      assert.strictEqual(yield* orderCount, 0)
    }).pipe(Effect.provide(layer({ config: { verification: { enabled: false } } }))))

  it.effect("an unknown contract is Rejected with the gateway's errorCode, nothing placed", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      const outcome = yield* orders.submit({ key: "nocon-1", request: { ...marketBuy(), contractId: "CON.F.US.NOPE.Z26" } })
      assert.deepStrictEqual(
        { ...outcome, message: undefined },
        { _tag: "Rejected", errorCode: 8, customTag: "nocon-1.1", message: undefined }
      )
      assert.strictEqual(yield* orderCount, 0)
    }).pipe(Effect.provide(layer())))

  it.effect("InsufficientFunds is Rejected(3); once funded, retry sends <key>.2 and places it", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const orders = yield* manager
      const account = (yield* Effect.orDie(sim.exchange.peek(ACCOUNT))).account
      yield* Effect.orDie(sim.exchange.updateAccount(ACCOUNT, { balance: 0 }))
      const outcome = yield* orders.submit({ key: "funds-1", request: marketBuy() })
      assert.strictEqual(outcome._tag, "Rejected")
      if (outcome._tag === "Rejected") assert.strictEqual(outcome.errorCode, 3)
      assert.strictEqual(yield* orderCount, 0)
      yield* Effect.orDie(sim.exchange.updateAccount(ACCOUNT, { balance: account.balance }))
      const retried = yield* orders.retry("funds-1")
      const placed = yield* ordersTagged("funds-1")
      assert.deepStrictEqual(placed.map((o) => o.customTag), ["funds-1.2"])
      assert.deepStrictEqual(retried, { _tag: "Placed", orderId: placed[0]!.id, customTag: "funds-1.2" })
      const again = yield* orders.submit({ key: "funds-1", request: marketBuy() })
      assert.deepStrictEqual<unknown>(again, { _tag: "Duplicate", existing: retried })
      assert.strictEqual(yield* orderCount, 1)
    }).pipe(Effect.provide(layer())))

  it.effect("a request Order/place cannot carry (a fractional size) answers Failed instead of crashing submit: nothing written, nothing sent", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      const outcome = yield* orders.submit({ key: "bad-1", request: { ...marketBuy(), size: 1.5 } })
      assert.strictEqual(outcome._tag, "Failed")
      if (outcome._tag === "Failed") assert.include(outcome.reason, "size")
      assert.isTrue(Option.isNone(yield* Effect.orDie((yield* intents).find("bad-1"))))
      assert.strictEqual(yield* orderCount, 0)
      // the same key with a valid request is a new intent
      assert.strictEqual((yield* orders.submit({ key: "bad-1", request: marketBuy() }))._tag, "Placed")
    }).pipe(Effect.provide(layer())))

  it.effect("retry of a Placed intent is NotRetryable and of an unknown key UnknownIntent; nothing is sent", () =>
    Effect.gen(function*() {
      const orders = yield* manager
      yield* orders.submit({ key: "placed-1", request: marketBuy() })
      assert.strictEqual((yield* Effect.flip(orders.retry("placed-1")))._tag, "NotRetryable")
      assert.strictEqual((yield* Effect.flip(orders.retry("never-1")))._tag, "UnknownIntent")
      assert.strictEqual(yield* orderCount, 1)
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

// ------------------------------------------------------------------ restarts

/** The store, the config and the stack: kept across "restarts" (each `withManager` builds a new manager). */
const base = (config: OrderConfig.OrderManagementInput = {}) =>
  Layer.mergeAll(OrderConfig.layer(config), storeLayer, TestStack.layer({ simulator: { seed: 7 } }))

/** Runs `f` with a manager built now (start-up recovery included) and shut down after. */
const withManager = <A, E, R>(f: (orders: OrderManager.Service) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(manager, f).pipe(Effect.provide(OrderManager.layer))

/** The rows of an intent written before a crash: the intent and (unless `tag` is undefined) its attempt. */
const writeRows = (key: string, request: OrderIntent.IntentRequest, tag: string | undefined) =>
  Effect.gen(function*() {
    const repo = yield* intents
    const row = {
      idempotencyKey: key,
      fingerprint: OrderIntent.fingerprint(request),
      accountId: request.accountId,
      contractId: request.contractId,
      side: request.side,
      type: request.type,
      size: request.size,
      limitPrice: request.limitPrice ?? undefined
    }
    if (tag === undefined) yield* Effect.orDie(repo.insert(row))
    else yield* Effect.orDie(repo.begin(row, tag))
  })

/** Places an order with `customTag` straight through the gateway (as the process before the crash did). */
const placeDirectly = (request: OrderIntent.IntentRequest, customTag: string) =>
  Effect.gen(function*() {
    const gateway = yield* ResilientGateway.ResilientGateway
    return (yield* Effect.orDie(gateway.orderPlace({ ...request, customTag }))).orderId
  })

describe("OrderManager start-up recovery", () => {
  it.effect("a Pending intent whose request never went out is sent again with the SAME tag: exactly one order", () =>
    Effect.gen(function*() {
      yield* writeRows("rec-1", marketBuy(), "rec-1.1")
      const outcome = yield* withManager((orders) => orders.outcome("rec-1"))
      const placed = yield* ordersTagged("rec-1")
      assert.deepStrictEqual(placed.map((o) => o.customTag), ["rec-1.1"])
      assert.deepStrictEqual(outcome, Option.some({ _tag: "Placed" as const, orderId: placed[0]!.id, customTag: "rec-1.1" }))
      const again = yield* withManager((orders) => orders.submit({ key: "rec-1", request: marketBuy() }))
      assert.strictEqual(again._tag, "Duplicate")
      assert.strictEqual(yield* orderCount, 1)
    }).pipe(Effect.provide(base())))

  it.effect("a Pending intent whose order DID land is adopted at start-up, no second order", () =>
    Effect.gen(function*() {
      const orderId = yield* placeDirectly(marketBuy(), "landed-1.1")
      yield* writeRows("landed-1", marketBuy(), "landed-1.1")
      const outcome = yield* withManager((orders) => orders.outcome("landed-1"))
      assert.deepStrictEqual(outcome, Option.some({ _tag: "Placed" as const, orderId, customTag: "landed-1.1" }))
      assert.strictEqual(yield* orderCount, 1)
      const attempt = Option.getOrThrow(yield* Effect.orDie((yield* intents).findAttempt("landed-1.1")))
      assert.strictEqual(attempt.gatewayOrderId, orderId)
    }).pipe(Effect.provide(base())))

  it.effect("a Working intent is tracked again after a restart (its account is subscribed on the user hub again): its fill updates the store", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const repo = yield* intents
      const request = yield* restingBuy
      // the process before the restart placed it and recorded it Working; this one never subscribed to anything
      const orderId = yield* placeDirectly(request, "work-1.1")
      yield* writeRows("work-1", request, "work-1.1")
      yield* Effect.orDie(repo.updateAttempt("work-1.1", { gatewayOrderId: orderId, status: "Working" }))
      yield* Effect.orDie(repo.setStatus("work-1", "Working", JSON.stringify({ _tag: "Placed", orderId, customTag: "work-1.1" })))
      yield* withManager((orders) =>
        Effect.gen(function*() {
          yield* TestStack.advance("1 second")
          yield* Effect.orDie(sim.exchange.setPrice(MNQ, request.limitPrice - 1))
          yield* TestStack.advance("1 minute", "5 seconds")
          const fills = Option.getOrThrow(yield* orders.fills(orderId))
          assert.strictEqual(fills.fillVolume, 1)
        })
      )
      const attempt = Option.getOrThrow(yield* Effect.orDie(repo.findAttempt("work-1.1")))
      assert.deepStrictEqual([attempt.status, attempt.fillVolume], ["Filled", 1])
      assert.strictEqual(Option.getOrThrow(yield* Effect.orDie(repo.find("work-1"))).status, "Filled")
      assert.strictEqual(yield* orderCount, 1)
    }).pipe(Effect.provide(base())))

  it.effect("an intent without an attempt (nothing was sent) is Failed at start-up, nothing is sent", () =>
    Effect.gen(function*() {
      yield* writeRows("noatt-1", marketBuy(), undefined)
      const outcome = yield* withManager((orders) => orders.outcome("noatt-1"))
      assert.strictEqual(Option.getOrThrow(outcome)._tag, "Failed")
      assert.strictEqual(Option.getOrThrow(yield* Effect.orDie((yield* intents).find("noatt-1"))).status, "Failed")
      assert.strictEqual(yield* orderCount, 0)
    }).pipe(Effect.provide(base())))

  it.effect("an intent placed before a restart is a Duplicate after it: no request", () =>
    Effect.gen(function*() {
      const first = yield* withManager((orders) => orders.submit({ key: "again-1", request: marketBuy() }))
      assert.strictEqual(first._tag, "Placed")
      const again = yield* withManager((orders) => orders.submit({ key: "again-1", request: marketBuy() }))
      assert.deepStrictEqual<unknown>(again, { _tag: "Duplicate", existing: first })
      assert.strictEqual(yield* orderCount, 1)
    }).pipe(Effect.provide(base())))
})

describe("OrderManager: bracket orders", () => {
  /** A resting limit buy with a stop-loss and a take-profit leg (tagged <tag>-SL and <tag>-TP by the gateway). */
  const bracketBuy = Effect.map(restingBuy, (r) => ({
    ...r,
    stopLossBracket: { ticks: -20, type: Enums.OrderType.Stop },
    takeProfitBracket: { ticks: 40, type: Enums.OrderType.Limit }
  }))

  it.effect("a bracket order whose reply is dropped is adopted as its entry order, not one of its legs", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const request = yield* bracketBuy
      yield* sim.setFaults({ dropReply: { probability: 1, endpoints: ["orderPlace"], count: 1 } })
      const orders = yield* manager
      const outcome = yield* orders.submit({ key: "br-1", request })
      const placed = yield* ordersTagged("br-1")
      assert.deepStrictEqual(placed.map((o) => o.customTag).sort(), ["br-1.1", "br-1.1-SL", "br-1.1-TP"])
      const entry = placed.find((o) => o.customTag === "br-1.1")!
      assert.deepStrictEqual(outcome, { _tag: "Placed", orderId: entry.id, customTag: "br-1.1" })
    }).pipe(Effect.provide(layer())))

  /** The rows of a bracket intent written before a crash. */
  const writeBracketRows = (key: string, request: Effect.Effect.Success<typeof bracketBuy>) =>
    Effect.flatMap(intents, (repo) =>
      Effect.orDie(repo.begin({
        idempotencyKey: key,
        fingerprint: OrderIntent.fingerprint(request),
        accountId: request.accountId,
        contractId: request.contractId,
        side: request.side,
        type: request.type,
        size: request.size,
        limitPrice: request.limitPrice,
        brackets: { stopLoss: request.stopLossBracket, takeProfit: request.takeProfitBracket }
      }, `${key}.1`)))

  it.effect("a Pending bracket intent never sent is sent at start-up with its brackets (the legs exist)", () =>
    Effect.gen(function*() {
      const request = yield* bracketBuy
      yield* writeBracketRows("br-3", request)
      const outcome = yield* withManager((orders) => orders.outcome("br-3"))
      const placed = yield* ordersTagged("br-3")
      assert.deepStrictEqual(placed.map((o) => o.customTag).sort(), ["br-3.1", "br-3.1-SL", "br-3.1-TP"])
      const entry = placed.find((o) => o.customTag === "br-3.1")!
      assert.deepStrictEqual(outcome, Option.some({ _tag: "Placed" as const, orderId: entry.id, customTag: "br-3.1" }))
      assert.deepStrictEqual([entry.limitPrice, entry.size], [request.limitPrice, request.size])
    }).pipe(Effect.provide(base())))

  it.effect("a Pending bracket intent whose order landed before a crash is adopted as its entry at start-up", () =>
    Effect.gen(function*() {
      const request = yield* bracketBuy
      const orderId = yield* placeDirectly(request, "br-2.1")
      yield* writeBracketRows("br-2", request)
      const before = yield* orderCount
      const outcome = yield* withManager((orders) => orders.outcome("br-2"))
      assert.deepStrictEqual(outcome, Option.some({ _tag: "Placed" as const, orderId, customTag: "br-2.1" }))
      assert.strictEqual(yield* orderCount, before)
      const again = yield* withManager((orders) => orders.submit({ key: "br-2", request }))
      assert.strictEqual(again._tag, "Duplicate")
    }).pipe(Effect.provide(base())))
})

describe("OrderManager.recover: what start-up recovery reports", () => {
  it.scoped("each kind of unfinished intent ends as it should and is counted", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const repo = yield* intents
      const gateway = yield* ResilientGateway.ResilientGateway
      yield* writeRows("r-sent", marketBuy(), "r-sent.1")
      yield* placeDirectly(marketBuy(), "r-landed.1")
      yield* writeRows("r-landed", marketBuy(), "r-landed.1")
      // r-burned.1 was refused by the gateway (no funds) before the crash: the tag is used up, nothing landed
      const balance = (yield* Effect.orDie(sim.exchange.peek(ACCOUNT))).account.balance
      yield* Effect.orDie(sim.exchange.updateAccount(ACCOUNT, { balance: 0 }))
      assert.strictEqual((yield* Effect.either(gateway.orderPlace({ ...marketBuy(), customTag: "r-burned.1" })))._tag, "Left")
      yield* Effect.orDie(sim.exchange.updateAccount(ACCOUNT, { balance }))
      yield* writeRows("r-burned", marketBuy(), "r-burned.1")
      yield* writeRows("r-none", marketBuy(), undefined)
      const request = yield* restingBuy
      const orderId = yield* placeDirectly(request, "r-work.1")
      yield* writeRows("r-work", request, "r-work.1")
      yield* Effect.orDie(repo.updateAttempt("r-work.1", { gatewayOrderId: orderId, status: "Working" }))
      yield* Effect.orDie(repo.setStatus("r-work", "Working", JSON.stringify({ _tag: "Placed", orderId, customTag: "r-work.1" })))
      const before = yield* orderCount

      const orders = yield* OrderManager.make
      const report = yield* orders.recover
      assert.deepStrictEqual(
        { placed: report.placed, rejected: report.rejected, failed: report.failed, verifying: report.verifying, working: report.working },
        { placed: 2, rejected: 1, failed: 1, verifying: 0, working: 1 }
      )
      assert.strictEqual(yield* orderCount, before + 1)
      assert.deepStrictEqual((yield* ordersTagged("r-sent")).map((o) => o.customTag), ["r-sent.1"])
      const burned = Option.getOrThrow(yield* orders.outcome("r-burned"))
      assert.deepStrictEqual([burned._tag, burned._tag === "Rejected" ? burned.customTag : undefined], ["Rejected", "r-burned.1"])
      assert.strictEqual(Option.getOrThrow(yield* orders.outcome("r-none"))._tag, "Failed")
    }).pipe(Effect.provide(base())))

  it.scoped("Order/search down at start-up: the intent is left Verifying with an Alert, nothing sent; healed, it is placed once", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* writeRows("r-blind", marketBuy(), "r-blind.1")
      yield* sim.setFaults({ serverErrors: { probability: 1, endpoints: ["orderSearch"] } })
      const orders = yield* OrderManager.make
      const events = yield* orders.subscribe
      const recovering = yield* Effect.fork(orders.recover)
      yield* TestStack.advance("2 minutes", "5 seconds")
      const report = yield* Fiber.join(recovering)
      assert.strictEqual(report.verifying, 1)
      assert.isTrue(alerts(yield* drain(events)).some((e) => e.key === "r-blind"))
      assert.strictEqual(yield* orderCount, 0)
      yield* sim.setFaults({})
      const settled = yield* Effect.fork(orders.settled("r-blind"))
      yield* TestStack.advance("2 minutes", "5 seconds")
      assert.strictEqual((yield* Fiber.join(settled))._tag, "Placed")
      assert.deepStrictEqual((yield* ordersTagged("r-blind")).map((o) => o.customTag), ["r-blind.1"])
    }).pipe(Effect.provide(base())))
})

describe("OrderManager: late landing", () => {
  it.scoped("an order with the tag of an intent closed as Rejected appears: it is adopted and an Alert raised", () =>
    Effect.gen(function*() {
      const repo = yield* intents
      const orders = yield* manager
      const events = yield* orders.subscribe
      // the account is the manager's (an intent of it was placed)
      yield* orders.submit({ key: "other-1", request: marketBuy() })
      yield* writeRows("late-1", marketBuy(), "late-1.1")
      yield* Effect.orDie(repo.updateAttempt("late-1.1", { status: "Rejected" }))
      yield* Effect.orDie(repo.setStatus("late-1", "Rejected", JSON.stringify({ _tag: "Rejected", errorCode: 7, customTag: "late-1.1" })))
      const orderId = yield* placeDirectly(marketBuy(), "late-1.1")
      yield* TestStack.advance("5 seconds", "1 second")
      assert.deepStrictEqual(yield* orders.outcome("late-1"), Option.some({ _tag: "Placed" as const, orderId, customTag: "late-1.1" }))
      assert.isTrue(alerts(yield* drain(events)).some((e) => e.key === "late-1"))
      assert.strictEqual(Option.getOrThrow(yield* Effect.orDie(repo.findAttempt("late-1.1"))).gatewayOrderId, orderId)
    }).pipe(Effect.provide(layer())))
})
