/**
 * OrderManager start-up recovery and late landings: the store outlives two managers built in turn over the same simulator (a "restart").
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { ResilientGateway } from "@tradeguard/resilience"
import { Simulator } from "@tradeguard/simulator"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as OrderManager from "../src/OrderManager.js"
import { alerts, base, drain, intents, manager, orderCount, placeDirectly, restingBuy, withManager, writeRows } from "./utils/intents.js"
import { ACCOUNT, layer, marketBuy, MNQ, ordersTagged } from "./utils/stack.js"

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
describe("OrderManager start-up recovery: bracket orders", () => {
  /** A resting limit buy with a stop-loss and a take-profit leg (tagged <tag>-SL and <tag>-TP by the gateway). */
  const bracketBuy = Effect.map(restingBuy, (r) => ({
    ...r,
    stopLossBracket: { ticks: -20, type: Enums.OrderType.Stop },
    takeProfitBracket: { ticks: 40, type: Enums.OrderType.Limit }
  }))

  /** The rows of a bracket intent written before a crash. */
  const writeBracketRows = (key: string, request: Effect.Effect.Success<typeof bracketBuy>) => writeRows(key, request, `${key}.1`)

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
      // resumed: the three Pending intents with an attempt (r-none had none: Failed without a lookup)
      assert.deepStrictEqual(report, { resumed: 3, placed: 2, rejected: 1, failed: 1, verifying: 0, working: 1 })
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
