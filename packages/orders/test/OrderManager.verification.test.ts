/**
 * OrderManager.submit, part 1b: verification of an ambiguous outcome, rejections and retry, bracket orders (in-process simulator, TestClock).
 */
import { assert, describe, it } from "@effect/vitest"
import { Enums } from "@tradeguard/gateway"
import { Simulator } from "@tradeguard/simulator"
import { TestStack } from "@tradeguard/testing"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { alerts, drain, intents, manager, orderCount, restingBuy } from "./utils/intents.js"
import { ACCOUNT, layer, marketBuy, ordersTagged } from "./utils/stack.js"

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
      const notRetryable = yield* Effect.flip(orders.retry("placed-1"))
      assert.strictEqual(notRetryable._tag, "NotRetryable")
      assert.include(notRetryable.message, "Placed")
      const unknown = yield* Effect.flip(orders.retry("never-1"))
      assert.strictEqual(unknown._tag, "UnknownIntent")
      assert.include(unknown.message, "never-1")
      assert.strictEqual(yield* orderCount, 1)
    }).pipe(Effect.provide(layer())))
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
})
